"""AppTest over the teaching lab's views on the shipped models: side by side, minimal pairs,
gradients and memory lifetime, interventions, saturation, find the unit; in both languages."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from tests.conftest import APP, page_views
from tests.test_app import CARDS, fresh, heatmaps, pick, specs

VIEWS = page_views()  # every view of the page, "train" too


def task_id(task: str, cell: str = "lstm") -> str:
    return next(m for m, c in sorted(CARDS.items()) if c["task"] == task
                and c["architecture"]["cell"] == cell and not c["architecture"]["bidirectional"])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("view", VIEWS)
def test_every_view_renders_in_both_languages(view, lang):
    at = pick(fresh(), task_id("sentiment"))
    at.radio(key="lang").set_value(lang).run()
    at.radio(key="view").set_value(view).run()
    assert not at.exception, at.exception
    assert at.expander  # every view has its "how to read this" note (and the sidebar's)
    if view != "intervene":  # interventions draw charts once one is added
        assert at.get("plotly_chart") or heatmaps(at) or at.warning or at.info


def test_the_view_list_is_the_pages_own():
    """The views these tests walk through are the ones the page offers, in its order (a new view
    is never missed)."""
    at = fresh()
    L = json.loads((APP.parent / "strings" / "en.json").read_text("utf-8"))
    assert at.radio(key="view").options == [L["views"][v] for v in VIEWS]
    assert "train" in VIEWS


def test_side_by_side_lines_up_gate_roles():
    at = pick(fresh(), task_id("charlm"))
    at.radio(key="view").set_value("compare").run()
    titles = [s["layout"]["title"]["text"] for s in specs(at)]
    assert any(t.startswith("LSTM: forget gate") for t in titles)
    assert any(t.startswith("GRU: update gate z") for t in titles)
    assert any(t.startswith("RNN: hidden state") for t in titles)
    assert any("no output gate" in c.value for c in at.caption)


def pair_view(text_a: str, text_b: str):
    """The minimal-pairs view of the sentiment LSTM on two sentences."""
    mid = task_id("sentiment")
    at = pick(fresh(), mid)
    at.radio(key="view").set_value("pairs").run()
    at.text_input(key="paira").set_value(text_a).run()
    at.text_input(key="pairb").set_value(text_b).run()
    return at


def test_minimal_pair_differences():
    at = pair_view("the film was good", "the film was not good")
    maps = heatmaps(at)
    assert {m["layout"]["meta"]["gate"] for m in maps} == set("ifgoch")
    assert all(m["layout"]["title"]["text"].startswith("B − A") for m in maps)
    assert "Output at the last token" in " ".join(m.value for m in at.markdown)


def test_gradient_view_compares_rnn_lstm_gru():
    at = pick(fresh(), task_id("charlm"))
    at.radio(key="view").set_value("gradients").run()
    grad = next(s for s in specs(at) if s["layout"]["meta"]["gatescope"] == "lines")
    names = {t["name"] for t in grad["data"]}
    assert {"LSTM", "GRU", "RNN"} <= names
    assert grad["layout"]["yaxis"]["type"] == "log"
    lifetimes = [s for s in specs(at) if s["layout"]["meta"]["gatescope"] == "matrix"]
    assert len(lifetimes) >= 2  # LSTM and GRU; the RNN has none
    assert at.caption and any("RNN has no gate" in c.value for c in at.caption)


def test_intervention_preset_and_link():
    mid = task_id("sentiment")
    at = pick(fresh(), mid)
    at.radio(key="view").set_value("intervene").run()
    at.button(key="preset-never_forget").click().run()
    assert not at.exception
    link = json.loads(at.query_params["iv"][0] if isinstance(at.query_params["iv"], list)
                      else at.query_params["iv"])
    assert [c["g"] for c in link["c"]] == ["f", "i"]
    after = [m for m in heatmaps(at) if "with the intervention" in m["layout"]["title"]["text"]]
    assert {m["layout"]["meta"]["gate"] for m in after} == set("ifgoch")
    at.button(key="iv_clear").click().run()
    assert not heatmaps(at)


def test_find_the_unit_jumps_to_the_explorer():
    mid = task_id("anbn")
    at = pick(fresh(), mid)
    at.radio(key="view").set_value("findunit").run()
    label = at.button(key="fu_show").label
    assert "r = +1.00" in label or "r = +0.9" in label or "r = −" in label, label
    assert "-" not in label.split("r = ")[1], label  # a minus sign, not a hyphen
    at.button(key="fu_show").click().run()
    assert at.radio(key="view").value == "explorer"
    unit = at.selectbox(key=f"unit-{mid}").value
    assert f"unit {unit}" in label


def test_saturation_scatter_has_a_dot_per_unit():
    mid = task_id("sentiment")
    at = pick(fresh(), mid)
    at.radio(key="view").set_value("saturation").run()
    scatter = next(s for s in specs(at) if s["layout"]["meta"]["gatescope"] == "scatter")
    hidden = CARDS[mid]["architecture"]["hidden_size"]
    assert len(scatter["data"][0]["customdata"]) == hidden or "bdata" in scatter["data"][0]["customdata"]


def test_interventions_made_on_the_lstm_are_dropped_on_the_gru_with_a_message():
    """Regression: a preset on the LSTM then a switch to the GRU raised "a gru has no clampable
    gate 'f'"."""
    at = pick(fresh(), task_id("sentiment"))
    at.radio(key="view").set_value("intervene").run()
    at.button(key="preset-never_forget").click().run()
    pick(at, task_id("sentiment", "gru"))
    assert not at.exception, at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "GRU" in warning and "f = 1" in warning and "i = 0" in warning
    assert at.session_state["clamps"] == []
    at.button(key="preset-reset_off").click().run()  # the GRU's own presets still work
    assert not at.exception, at.exception
    assert [c["gate"] for c in at.session_state["clamps"]] == ["r"]


def test_clamps_a_cell_can_take_are_kept():
    from app.views.intervene import fitting

    clamps = [{"gate": "f", "value": 1.0, "units": None, "steps": None},
              {"gate": "z", "value": 1.0, "units": [3], "steps": None},
              {"gate": "z", "value": 0.0, "units": [99], "steps": None}]
    kept, dropped = fitting(clamps, "gru", 64)
    assert kept == clamps[1:2] and dropped == [clamps[0], clamps[2]]
    assert fitting(clamps[:1], "lstm", 64) == (clamps[:1], [])


def test_the_gradient_view_names_what_a_character_model_predicts():
    """Regression: the prediction line read "LSTM:   · GRU:   · RNN:" — a predicted space or line
    break printed as nothing."""
    at = pick(fresh(), task_id("charlm"))
    at.text_input(key="sentence").set_value("It was a dark and stormy").run()
    at.radio(key="view").set_value("gradients").run()
    note = next(c.value for c in at.caption if c.value.startswith("The output is the logit"))
    for arch in ("LSTM", "GRU", "RNN"):
        predicted = note.split(f"{arch}: ")[1].split(" · ")[0]
        assert predicted.startswith("“") and predicted.endswith("”") and len(predicted) > 2, note
    assert "“␣”" in note  # after "stormy" the models expect a space, shown as a visible mark


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_gradient_view_says_a_value_model_predicts_a_value_not_a_logit(lang):
    """A value head has no logit and no label: the note says it is the predicted value, in the
    page's language (it read "the logit of what each model predicts there: LSTM: “next␣value”")."""
    at = pick(fresh(), task_id("sunspots"))
    if lang == "zh":
        at.radio(key="lang").set_value("zh").run()
    at.radio(key="view").set_value("gradients").run()
    assert not at.exception, at.exception
    notes = " ".join(c.value for c in at.caption)
    assert "next␣value" not in notes and "logit" not in notes and "对数概率" not in notes, notes
    assert ("predicted next value" if lang == "en" else "预测的下一个值") in notes, notes


def test_a_minimal_pair_made_by_an_insertion_is_aligned_with_a_gap():
    """Regression: "the film was good" / "the film was not good" compared "good" with "not" and
    "." with "good"; the inserted word now faces a gap and the rest lines up."""
    import numpy as np

    from app.views.pairs import aligned, alignment, pair_tokens

    a, b = "the film was good".split(), "the film was not good".split()
    columns = alignment(a, b)
    assert columns == [(0, 0), (1, 1), (2, 2), (None, 3), (3, 4)]
    assert pair_tokens(a, b, columns) == ["the", "film", "was", "+not", "good"]
    va, vb = np.arange(4, dtype=np.float32)[:, None], 10 * np.arange(5, dtype=np.float32)[:, None]
    diff = aligned(va, vb, columns)[:, 0]
    assert np.isnan(diff[3]) and diff[4] == 40 - 3 and diff[2] == 20 - 2
    replaced = alignment("the dog barks".split(), "the dogs bark".split())
    assert pair_tokens("the dog barks".split(), "the dogs bark".split(), replaced) == [
        "the", "dog→dogs", "barks→bark"]
    assert pair_tokens(b, a, alignment(b, a))[3] == "−not"


def test_minimal_pair_charts_line_up_tokens_and_state_the_range_once():
    at = pair_view("the film was good", "the film was not good")
    maps = heatmaps(at)
    for m in maps:  # regression: "B − A: cell state c (colour range ±20) — colour range ±20"
        assert m["layout"]["title"]["text"].count("±") == 1, m["layout"]["title"]["text"]
    labels = [x.split(" ‹", 1)[1][:-1] for x in maps[0]["data"][0]["x"]]
    assert labels == ["the", "film", "was", "+not", "good"]


def heatmap_rows(spec: dict) -> list[str]:
    return list(spec["data"][0]["y"])


def test_side_by_side_shows_the_units_worth_watching_then_all_with_one_click():
    """Readable from the back row: each model's heatmap shows at most DEFAULT_ROWS rows (the card's
    notable unit among them, every row named), not all 512; the "all units" switch shows every unit
    and goes into the link."""
    from app.heatmaps import DEFAULT_ROWS

    at = pick(fresh(), task_id("charlm"))
    at.radio(key="view").set_value("compare").run()
    maps = [s for s in heatmaps(at) if s["layout"]["title"]["text"].startswith(("LSTM", "GRU"))]
    assert maps
    for spec in maps:
        rows = heatmap_rows(spec)
        assert 8 <= len(rows) <= DEFAULT_ROWS, len(rows)
        assert spec["layout"]["yaxis"]["showticklabels"] is True
    lstm = next(s for s in maps if s["layout"]["title"]["text"].startswith("LSTM"))
    gru = next(s for s in maps if s["layout"]["title"]["text"].startswith("GRU"))
    assert heatmap_rows(lstm)[0] == "unit 69" and heatmap_rows(gru)[0] == "unit 161"  # notable on top
    at.toggle(key="all_units").set_value(True).run()
    assert not at.exception, at.exception
    assert all(len(heatmap_rows(s)) == 512 for s in heatmaps(at) if s["layout"]["meta"]["gate"] != "p")
    assert at.query_params.get("units") == "all"
    at.radio(key="view").set_value("explorer").run()  # the choice goes with the user to the explorer
    assert at.toggle(key="all_units").value is True and at.query_params.get("units") == "all"


def test_minimal_pairs_show_the_units_the_pair_moves_most():
    """A pair's heatmap shows at most DEFAULT_ROWS units, the ones whose B − A is largest: the
    largest difference over the shown rows is the largest over every unit."""
    from app.heatmaps import DEFAULT_ROWS

    mid = task_id("sentiment")
    at = pair_view("the film was good", "the film was not good")
    for spec in heatmaps(at):
        rows = heatmap_rows(spec)
        assert len(rows) <= DEFAULT_ROWS
    import numpy as np

    from app.sentence import traced
    from app.views.pairs import aligned, alignment
    from app.zoo import load_model, models_dir

    model = load_model(mid, str(models_dir()))
    ta, tb = traced(mid, "the film was good", model), traced(mid, "the film was not good", model)
    diff = aligned(ta.gates(0, 0)["h"], tb.gates(0, 0)["h"], alignment(ta.tokens, tb.tokens))
    top = int(np.nanargmax(np.nanmax(np.abs(diff), axis=0)))
    h_map = next(s for s in heatmaps(at) if s["layout"]["meta"]["gate"] == "h")
    assert f"unit {top}" in heatmap_rows(h_map)


def test_a_typed_minimal_pair_survives_switches_of_view_architecture_and_language():
    """Regression: the pair lived only in its boxes' state, which Streamlit drops on a run that
    does not draw them: a switch of view or architecture and back gave the default pair again."""
    typed = ("the acting was wonderful", "the acting was not wonderful")
    at = pair_view(*typed)
    at.radio(key="view").set_value("explorer").run()
    at.radio(key="view").set_value("pairs").run()
    assert (at.text_input(key="paira").value, at.text_input(key="pairb").value) == typed
    pick(at, task_id("sentiment", "gru"))
    assert (at.text_input(key="paira").value, at.text_input(key="pairb").value) == typed
    at.radio(key="lang").set_value("zh").run()
    pick(at, task_id("sentiment"))
    assert not at.exception, at.exception
    assert (at.text_input(key="paira").value, at.text_input(key="pairb").value) == typed
    assert (at.query_params.get("paira"), at.query_params.get("pairb")) == typed


def test_interventions_show_the_clamped_units_and_the_ones_they_change_most_then_all():
    """Readable from the back row, and no 80-MB page for a long text: each before/after heatmap
    shows at most DEFAULT_ROWS units — the clamped and silenced ones on top, then the units the
    intervention changes most — the same rows before and after; "all units" shows every one."""
    import numpy as np

    from app.heatmaps import DEFAULT_ROWS
    from app.sentence import traced
    from app.views.intervene import clamped, to_clamps
    from app.zoo import load_model, models_dir

    mid = task_id("charlm")
    at = pick(fresh(), mid)
    at.radio(key="view").set_value("intervene").run()
    at.multiselect(key=f"iv_zero-{mid}").set_value([500, 7]).run()
    assert not at.exception, at.exception
    maps = heatmaps(at)
    assert maps and all(len(heatmap_rows(s)) <= DEFAULT_ROWS for s in maps)
    assert not any(s["layout"].get("shapes") for s in maps)  # whole runs compared: no step cursor
    for gate in {s["layout"]["meta"]["gate"] for s in maps}:
        pair = [heatmap_rows(s) for s in maps if s["layout"]["meta"]["gate"] == gate]
        assert len(pair) == 2 and pair[0] == pair[1], gate  # before and after: the same rows
        assert {"unit 500", "unit 7"} <= set(pair[0]), pair[0][:4]
    model = load_model(mid, str(models_dir()))
    text = at.text_input(key="sentence").value
    before = traced(mid, text, model)
    after = clamped(mid, text, "", model, tuple(to_clamps([])), (500, 7))
    change = np.abs(after.gates(0, 0)["h"] - before.gates(0, 0)["h"]).max(axis=0)
    change[[500, 7]] = -1  # pinned anyway: the most changed of the others must be shown too
    h_rows = next(heatmap_rows(s) for s in maps if s["layout"]["meta"]["gate"] == "h")
    assert f"unit {int(change.argmax())}" in h_rows
    at.toggle(key="all_units").set_value(True).run()
    assert all(len(heatmap_rows(s)) == model.recurrent.hidden_size for s in heatmaps(at))
    assert at.query_params["units"] in ("all", ["all"])


@pytest.mark.parametrize("task, a, b", [("anbn", "the movie", "x"), ("sunspots", "1 2 3", "1 two 3")])
def test_a_minimal_pair_the_model_cannot_read_says_why_and_keeps_the_boxes(task, a, b):
    at = pick(fresh(), task_id(task))
    at.radio(key="view").set_value("pairs").run()
    at.text_input(key="paira").set_value(a).run()
    at.text_input(key="pairb").set_value(b).run()
    assert not at.exception, at.exception
    said = " ".join(i.value for i in at.info)
    assert "sentence A" in said if task == "anbn" else "sentence B" in said, said
    assert not heatmaps(at)  # nothing drawn from unknown tokens
    assert (at.text_input(key="paira").value, at.text_input(key="pairb").value) == (a, b)


@pytest.mark.parametrize("task", sorted({c["task"] for c in CARDS.values()}))
def test_minimal_pairs_open_on_a_pair_every_task_can_read(task):
    """Every task's models open the view on a pair of their own (not two empty boxes), drawn."""
    from app.views.pairs import DEFAULT_PAIRS

    at = pick(fresh(), task_id(task, "gru"))
    at.radio(key="view").set_value("pairs").run()
    assert not at.exception, at.exception
    assert (at.text_input(key="paira").value, at.text_input(key="pairb").value) == DEFAULT_PAIRS[task]
    assert heatmaps(at) and not at.info, [i.value for i in at.info]
    moved = max(np.nanmax(np.abs(z_values(s))) for s in heatmaps(at))
    assert moved > 0.05, task  # the pair moves some unit: not a chart of zeros and a gap


def z_values(spec: dict) -> np.ndarray:
    """A heatmap spec's z, as Plotly's JSON writes it: a typed array ({dtype, bdata}) or lists."""
    z = spec["data"][0]["z"]
    if isinstance(z, dict):
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).astype(np.float64)
    return np.array(z, dtype=np.float64)


def test_the_interventions_output_chart_names_its_one_line_before_any_clamp():
    """Before any intervention the outputs chart has one line (P of the next character): its
    legend must still say what it is (Plotly hides a lone trace's legend by default)."""
    at = pick(fresh(), task_id("charlm"))
    at.radio(key="view").set_value("intervene").run()
    outputs = next(s for s in specs(at) if s["layout"].get("meta", {}).get("gatescope") == "lines")
    assert len(outputs["data"]) == 1 and outputs["layout"].get("showlegend") is True
    assert "next" in outputs["data"][0]["name"], outputs["data"][0]["name"]


def test_a_plain_rnn_says_it_has_no_gate_to_clamp_not_that_nothing_is_clamped_yet():
    """Regression: the RNN's interventions said "No intervention yet" twice (a caption and a box)."""
    at = pick(fresh(), task_id("charlm", "rnn"))
    at.radio(key="view").set_value("intervene").run()
    said = [c.value for c in at.caption] + [i.value for i in at.info]
    assert sum("No intervention yet" in x for x in said) == 1, said
    assert any("no gate to clamp" in x for x in said), said
