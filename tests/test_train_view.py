"""The Train view with Streamlit's AppTest (one tiny real job through the door), and its pure parts:
the loss chart, the zip, the settings read at click time, the trained model's words and its place
beside the shipped models in Side by side."""

from __future__ import annotations

import json
import time
import zipfile
from io import BytesIO

import numpy as np
import torch
from streamlit.testing.v1 import AppTest

import cells
from app.i18n import t
from app.views import compare
from app.views import train as view
from cells.train import jobs
from tests.conftest import APP, MODELS


def test_the_loss_chart_has_one_curve_per_job_with_every_step():
    fig = view.loss_figure({"LSTM": [2.0, 1.0, 0.5], "GRU": []}, "loss", "step", "log loss")
    assert [tr.name for tr in fig.data] == ["LSTM", "GRU"]
    assert list(fig.data[0].y) == [2.0, 1.0, 0.5] and list(fig.data[0].x) == [1, 2, 3]
    assert fig.layout.yaxis.type == "log" and fig.layout.meta["gatescope"] == "loss"


def test_the_zip_holds_the_model_folder_and_loads_back(tmp_path):
    rnn, emb, head = torch.nn.LSTM(3, 4, batch_first=True), torch.nn.Embedding(5, 3), torch.nn.Linear(4, 2)
    folder = cells.export_torch(tmp_path / "m", rnn=rnn, embedding=emb, head=head,
                                tokenizer=cells.CharTokenizer(["<unk>", "a", "b", "c", "d"]).config(),
                                labels=["x", "y"], card={"id": "m", "task": "t"})
    data = view.zip_folder(folder, "trained-x")
    with zipfile.ZipFile(BytesIO(data)) as z:
        assert sorted(z.namelist()) == ["trained-x/card.json", "trained-x/weights.safetensors"]
        z.extractall(tmp_path / "out")
    back = cells.load(tmp_path / "out" / "trained-x")
    a, b = cells.trace(back, "abca"), cells.trace(cells.load(folder), "abca")
    assert np.array_equal(a.gates(0, 0)["h"], b.gates(0, 0)["h"])


def test_the_settings_are_read_when_train_is_pressed():
    state = {"tr_task": "agreement", "tr_cell": "sgru", "tr_hidden": 12, "tr_steps": 200, "tr_seed": 3}
    [one] = view.chosen_settings(state)
    assert one == jobs.Settings(task="agreement", cell="sgru", hidden=12, steps=200, seed=3)
    race = view.chosen_settings({**state, "tr_race": True})
    assert [s.cell for s in race] == ["lstm", "gru"] and {s.hidden for s in race} == {12}
    assert view.chosen_settings({}) == [jobs.DEFAULTS]


def trained_like(tmp_path, model_id: str) -> cells.Model:
    shipped = cells.load(MODELS / "anbn-lstm")
    card = dict(shipped.card.raw, metrics={"max_n_all_correct": 27})
    folder = tmp_path / model_id
    folder.mkdir()
    (folder / "weights.safetensors").write_bytes((MODELS / "anbn-lstm" / "weights.safetensors").read_bytes())
    import json

    (folder / "card.json").write_text(json.dumps(card), "utf-8")
    return cells.load(folder, id=model_id)


def test_a_trained_model_has_the_pages_words_and_others_keep_theirs(tmp_path):
    model = trained_like(tmp_path, "trained-abc123")
    title, task, metrics = view.trained_texts(model, t("zh"))
    assert title == "在这里训练的 LSTM，10 个单元" and task == t("zh")["tasks"]["anbn"]
    assert "27" in metrics and f"n ≤ {jobs.TRAIN_MAX_N}" in metrics
    assert view.trained_texts(cells.load(MODELS / "anbn-lstm"), t("en")) is None


def test_side_by_side_puts_a_model_that_is_not_shipped_beside_the_shipped_ones(tmp_path):
    model = trained_like(tmp_path, "trained-abc123")
    ids = [m.id for m in compare.siblings(model)]
    assert ids[0] == "trained-abc123" and "anbn-lstm" in ids and "anbn-gru" in ids
    shipped = cells.load(MODELS / "anbn-gru", id="anbn-gru")
    assert "anbn-gru" in [m.id for m in compare.siblings(shipped)]
    assert [m.id for m in compare.siblings(shipped)].count("anbn-gru") == 1


def test_the_view_trains_a_tiny_job_and_offers_the_model(tmp_path):
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["view"] = "train"
    at.run()
    assert not at.exception
    [limits] = [c.value for c in at.caption if str(jobs.LIMITS.max_steps) in c.value]
    assert str(jobs.LIMITS.max_hidden) in limits
    # before a run: the recorded example's curve, marked as an example
    [example] = [c for c in at.get("plotly_chart") if '"example":true' in c.proto.spec]
    assert t("en")["train"]["example_chart"] in example.proto.spec
    at.number_input(key="tr_steps").set_value(30).run()
    at.number_input(key="tr_hidden").set_value(4).run()
    at.button(key="tr_start").click().run()
    assert not at.exception and [e.value for e in at.error] == []
    end = time.time() + 120
    while time.time() < end and "tr_open" not in [b.key for b in at.button]:
        time.sleep(0.5)
        at.run()
    assert "tr_open" in [b.key for b in at.button], [p.proto.text for p in at.get("progress")]
    [bar] = at.get("progress")
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    assert not any('"example":true' in c for c in charts)  # the run's own curve took its place
    # the live loss chart: one component element whose figure is updated in place
    [live] = [json.loads(c.proto.json) for c in at.get("bidi_component")
              if c.proto.component_name == "gatescope_live_chart"]
    assert live["figure"]["layout"]["meta"] == {"gatescope": "loss", "example": False}
    assert len(live["figure"]["data"][0]["y"]) == 30
    assert "30" in bar.proto.text and bar.proto.value == 100
    at.button(key="tr_open").click().run()
    assert at.session_state["view"] == "explorer" and at.session_state["use_trained"]
    assert not at.exception
    assert any("在这里" in m.value or "Trained here" in m.value for m in at.sidebar.markdown)


def test_each_state_has_its_line_in_both_languages():
    s = jobs.Status("j", "queued", jobs.DEFAULTS, queue_position=2, steps=1000)
    for lang in ("en", "zh"):
        L = t(lang)
        assert "2" in view.status_line(L["train"], L, s)
        cancelled = jobs.Status("j", "stopped", jobs.DEFAULTS, stopped_by="")
        assert view.status_line(L["train"], L, cancelled) == L["train"]["cancelled"].format(name="LSTM")
        stopped = jobs.Status("j", "stopped", jobs.DEFAULTS, step=40, snapshots=[0, 40], stopped_by="user",
                              heldout=[(0, 0.0), (40, 3.0)], heldout_name="max_n_all_correct",
                              heldout_final=3.0)
        line = view.status_line(L["train"], L, stopped)
        assert "40" in line and L["metrics"] in line
        failed = jobs.Status("j", "failed", jobs.DEFAULTS, error="RuntimeError: boom")
        assert "RuntimeError: boom" in view.status_line(L["train"], L, failed)


def test_the_example_run_is_the_default_settings_really_trained():
    """The curve shown before a first run: recorded by ``python -m cells.train.example_run`` with
    the defaults; every step's loss, falling; its model right on every n it trained on."""
    run = view.example_run()
    d = jobs.DEFAULTS
    assert run["settings"] == {"task": d.task, "cell": d.cell, "hidden": d.hidden, "steps": d.steps,
                               "seed": d.seed}
    losses = run["losses"]
    assert len(losses) == d.steps and all(v > 0 for v in losses)
    assert np.mean(losses[-20:]) < 0.05 * np.mean(losses[:20]), (losses[:3], losses[-3:])
    assert run["heldout_name"] == "max_n_all_correct" and run["heldout_final"] >= jobs.TRAIN_MAX_N
    assert "cells.train.example_run" in run["command"]
    fig = view.loss_figure({"x": losses}, "t", "step", "loss", example=True)
    assert fig.layout.meta["example"] is True and fig.layout.showlegend  # its settings are shown
    assert view.example_run(str(MODELS / "no-such-file.json")) is None


def test_each_failure_is_worded_in_the_pages_language_with_a_short_escaped_detail():
    hostile = "Traceback (most recent call last):\n  ...\nRuntimeError: <b>boom</b> `x` " + "y" * 400
    for lang in ("en", "zh"):
        V = t(lang)["train"]
        assert set(V["errors"]) == set(jobs.ERROR_KINDS)
        for kind in jobs.ERROR_KINDS:
            s = jobs.Status("j", "failed", jobs.DEFAULTS, error=hostile, error_kind=kind)
            line = view.status_line(V, t(lang), s)
            assert V["errors"][kind].format(memory=jobs.LIMITS.memory_mb) in line
            detail = line.split(V["detail"].format(detail=""))[1]
            assert detail.startswith("`RuntimeError: <b>boom</b> 'x' y") and detail.endswith("…`")
            assert detail.count("`") == 2 and len(detail) <= view.DETAIL_CHARS + 2  # one code span
            assert "Traceback" not in line
        if lang == "zh":  # no English of ours around the raw detail
            assert "failed" not in line and "training" not in line
    bare = jobs.Status("j", "failed", jobs.DEFAULTS, error="", error_kind="silent")
    assert view.status_line(t("en")["train"], t("en"), bare).endswith(t("en")["train"]["errors"]["silent"])


def test_a_language_switch_relabels_the_train_views_choices():
    """The browser keeps a choice as its label: after English -> Chinese the task box must be sent
    again, in Chinese, with the same task (app/sidebar.py RELABELLED)."""
    from tests.test_i18n_page import shown_label

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["view"] = "train"
    at.run()
    at.selectbox(key="tr_task").set_value("agreement").run()
    box = at.selectbox(key="tr_task")
    before = box.options[box.index]
    at.radio(key="lang").set_value("zh").run()
    assert not at.exception, at.exception
    box = at.selectbox(key="tr_task")
    assert (shown_label(before, box), box.value) == (t("zh")["tasks"]["agreement"], "agreement")


BAD_SETTINGS = [  # (settings jobs.check refuses, the field the page must name)
    (jobs.Settings(task="sunspots"), "task"),
    (jobs.Settings(cell="bilstm"), "cell"),
    (jobs.Settings(hidden=jobs.LIMITS.max_hidden + 1), "hidden"),
    (jobs.Settings(hidden=0), "hidden"),
    (jobs.Settings(steps=jobs.LIMITS.max_steps + 1), "steps"),
    (jobs.Settings(time_limit=0), None),
]


def test_bad_settings_are_worded_in_the_pages_language(monkeypatch):
    """Train pressed with settings jobs.check refuses: the message names the field in the page's
    language, and a Chinese page shows no English (jobs.check's own words are English)."""
    from types import SimpleNamespace

    from tests.test_i18n_page import english_words

    for settings, field in BAD_SETTINGS:
        try:
            jobs.check(settings)
        except ValueError:
            pass
        else:
            raise AssertionError(f"expected jobs.check to refuse {settings}")
        for lang in ("en", "zh"):
            L = t(lang)
            state = {"tr_task": settings.task, "tr_cell": settings.cell, "tr_hidden": settings.hidden,
                     "tr_steps": settings.steps, "tr_seed": 0}
            monkeypatch.setattr(view, "chosen_settings", lambda _state, s=settings: [s])
            monkeypatch.setattr(view, "st", SimpleNamespace(session_state=state))
            view.start(L)
            shown = state["_train_error"]
            assert shown.startswith(L["train"]["bad"].format(error="")), shown
            assert view.RUN not in state  # nothing was submitted
            if field:
                assert L["train"][field] in shown, (lang, shown)
            if lang == "zh":
                assert english_words(shown) == [], shown
    assert view.settings_problem(t("zh"), jobs.DEFAULTS) is None  # jobs.check takes the defaults
