"""Every view reads its text through one shared step (``app.sentence.sentence_ui``): a new sentence
is tokenized once per model that reads it, and a rerun that keeps the sentence tokenizes nothing."""

from __future__ import annotations

import itertools

import pytest
from streamlit.testing.v1 import AppTest

from cells.tokenize import Tokenizer
from tests.conftest import APP
from tests.test_app import pick

VIEWS = [("explorer", "sentiment-lstm"), ("compare", "sentiment-lstm"), ("gradients", "sentiment-lstm"),
         ("intervene", "sentiment-lstm"), ("saturation", "sentiment-lstm"), ("findunit", "agreement-lstm")]
SENTENCE = itertools.count()


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """The texts every tokenizer was asked to read, in order."""
    seen: list[str] = []
    original = Tokenizer.__call__

    def counting(self, text):
        seen.append(text)
        return original(self, text)

    monkeypatch.setattr(Tokenizer, "__call__", counting)
    return seen


def models_reading(view: str, model_id: str) -> int:
    """How many models the view traces the sentence with (compare and gradients: every sibling)."""
    if view in ("compare", "gradients"):
        from app.views.compare import siblings
        from app.zoo import load_model, models_dir

        return len(siblings(load_model(model_id, str(models_dir()))))
    return 1


@pytest.mark.parametrize(("view", "model_id"), VIEWS)
def test_a_new_sentence_is_tokenized_once_per_model(view, model_id, calls):
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    pick(at, model_id)
    at.radio(key="view").set_value(view).run()
    assert not at.exception, at.exception
    text = f"the dog that the cats see is not sad {next(SENTENCE)}"
    calls.clear()
    at.text_input(key="sentence").set_value(text).run()
    assert not at.exception, at.exception
    assert calls.count(text) == models_reading(view, model_id), calls
    calls.clear()
    at.run()  # same sentence: everything comes from the cache
    assert calls.count(text) == 0, calls


def test_the_counter_sees_a_view_that_tokenizes_again(calls):
    """Control: calling the tokenizer outside the shared step shows up in the count."""
    from app.zoo import load_model, models_dir

    model = load_model("sentiment-lstm", str(models_dir()))
    model.tokenizer("a control sentence")
    model.tokenizer("a control sentence")
    assert calls.count("a control sentence") == 2
