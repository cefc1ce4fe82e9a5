"""Closed notes are not built: each view's "How to read this", the model card and the lessons'
list run their content only while open (``app.expanders``), and show it once opened."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from app.i18n import t
from tests.conftest import APP, page_views
from tests.test_app import TIMEOUT, fresh


def note_text(L: dict, view: str) -> str:
    return L["explorer_how"] if view == "explorer" else L[view]["how"]


def shown(at, text: str) -> bool:
    return any(m.value == text for m in at.markdown)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("view", page_views())
def test_how_to_read_is_built_only_when_opened(view, lang):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if view == "intervene":  # its note comes with the charts, once there is an intervention
        at.query_params["iv"] = json.dumps({"c": [], "z": [0]})
    if view == "findunit":  # a task with a hidden variable to find (not the first page's)
        at.query_params["model"] = "anbn-lstm"
    at.run()
    at.radio(key="lang").set_value(lang).run()
    at.radio(key="view").set_value(view).run()
    text = note_text(t(lang), view)
    labels = [e.label for e in at.expander]
    assert t(lang)["how_to_read"] in labels  # the note is offered...
    assert not shown(at, text)  # ...closed, and not built
    at.session_state[f"how-{view}"] = True  # the reader opens it
    at.run()
    assert not at.exception, at.exception
    assert shown(at, text)


def test_the_model_card_is_built_only_when_opened():
    at = fresh()
    assert t("en")["card"] in [e.label for e in at.expander]
    assert not at.get("json")
    at.session_state["card_open"] = True
    at.run()
    assert not at.exception, at.exception
    card = json.loads(at.get("json")[0].proto.body)
    assert card["id"] == at.query_params["model"]


def test_the_lessons_list_is_built_only_when_opened():
    at = fresh()
    assert t("en")["lesson_ui"]["index"] in [e.label for e in at.expander]
    assert not [b for b in at.button if b.key and b.key.startswith("lesson-open-")]
    at.session_state["lesson_index_open"] = True
    at.run()
    opened = [b.key for b in at.button if b.key and b.key.startswith("lesson-open-")]
    assert "lesson-open-lstm_gates" in opened
