"""The lessons: every stop is valid for its model and view, every stop's sentence reads without
unknown tokens (a vocabulary change that breaks a stop fails here), every lesson's measured claim
still holds, and the page opens, steps through and links lessons (AppTest)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import cells
from app import lessons
from app.i18n import LANGS, t
from app.views.compare import ROLES
from cells.gradients import input_gradient_norms
from cells.tasks import counting
from tests.conftest import APP, MODELS

VIEWS = ("explorer", "compare", "pairs", "gradients", "intervene", "saturation", "findunit")
ALL_STOPS = [(lesson.id, k) for lesson in lessons.lessons() for k in range(len(lesson.stops))]


def model(model_id: str) -> cells.Model:
    return _models.setdefault(model_id, cells.load(MODELS / model_id))


_models: dict[str, cells.Model] = {}


def stop_of(lesson_id: str, k: int) -> lessons.Stop:
    return lessons.by_id(lesson_id).stops[k]


def texts_of(stop: lessons.Stop) -> list[str]:
    m = model(stop.model)
    link = stop.link(tuple(m.card.samples))
    return [link[k] for k in ("text", "paira", "pairb") if k in link]


def readers(stop: lessons.Stop) -> list[cells.Model]:
    """The models that read the stop's text: the compare and gradients views read it with every
    unidirectional model of the task."""
    m = model(stop.model)
    if stop.view not in ("compare", "gradients"):
        return [m]
    ids = [p.parent.name for p in sorted(MODELS.glob("*/card.json"))]
    same = [model(i) for i in ids if json.loads((MODELS / i / "card.json").read_text())["task"]
            == m.card.task]
    return [x for x in same if not x.recurrent.bidirectional]


def trace_of(lesson_id: str, k: int, model_id: str | None = None, which: int = 0) -> cells.Trace:
    stop = stop_of(lesson_id, k)
    return cells.trace(model(model_id or stop.model), texts_of(stop)[which])


def test_eight_lessons_of_three_to_eight_stops_each_with_both_languages():
    ids = [lesson.id for lesson in lessons.lessons()]
    assert ids == ["forgetting", "lstm_gates", "gru_convention", "sgru", "bilstm", "counting",
                   "she", "sunspots"]
    for lang in LANGS:
        table = t(lang)["lessons"]
        for lesson in lessons.lessons():
            assert table[lesson.id]["title"]
            assert len(table[lesson.id]["stops"]) == len(lesson.stops), (lang, lesson.id)
            assert all(s.strip() for s in table[lesson.id]["stops"])


def test_the_loader_refuses_a_bad_stop():  # control: the checks can fail
    good = {"model": "anbn-lstm", "view": "explorer", "text": "$ab"}
    with pytest.raises(ValueError, match="expected 3-8 stops"):
        lessons.parse({"lessons": [{"id": "x", "stops": [good]}]})
    with pytest.raises(ValueError, match="got \\['colour'\\]"):
        lessons.parse({"lessons": [{"id": "x", "stops": [{**good, "colour": 1}] * 3}]})
    with pytest.raises(ValueError, match="exactly one of text"):
        lessons.parse({"lessons": [{"id": "x", "stops": [{"model": "m", "view": "explorer"}] * 3}]})


@pytest.mark.parametrize("lesson_id,k", ALL_STOPS)
def test_every_stop_fits_its_model_and_view(lesson_id, k):
    stop = stop_of(lesson_id, k)
    m = model(stop.model)
    assert stop.view in VIEWS
    tr = trace_of(lesson_id, k)
    rec, v = m.recurrent, stop.values
    if "by" in v:
        assert v["by"] in rec.gate_names
    if "unit" in v:
        assert 0 <= v["unit"] < rec.hidden_size
    if "step" in v:
        assert 0 <= v["step"] < max(len(tr.tokens), *(len(trace_of(lesson_id, k, which=j).tokens)
                                                      for j in range(len(texts_of(stop)))))
    if "gstep" in v:
        assert 0 <= v["gstep"] < len(tr.tokens)
    if "conv" in v:
        assert v["conv"] in rec.spec.conventions
    if "dir" in v:
        assert rec.bidirectional and v["dir"] in ("f", "b", "fb")
    for role in stop.state.get("cmp_roles", []):
        assert role in ROLES


@pytest.mark.parametrize("lesson_id,k", ALL_STOPS)
def test_every_stop_reads_without_unknown_tokens(lesson_id, k):
    stop = stop_of(lesson_id, k)
    for text in texts_of(stop):
        for reader in readers(stop):
            unknown = [tok.text for tok in reader.tokenizer(text) if not tok.known]
            assert unknown == [], f"{lesson_id} stop {k}: {reader.id} does not know {unknown}"


def test_unknown_tokens_are_caught():  # control: a word outside the vocabulary is reported
    m = model("agreement-lstm")
    text = "The dogs, realizing someone was in the house,"  # the seed article's clause
    assert [tok.text for tok in m.tokenizer(text) if not tok.known] == ["realizing"]


# ---- each lesson's claim, measured --------------------------------------------------------------

def gradient_ratio(model_id: str, text: str, step: int) -> float:
    """‖∂ output / ∂ x_0‖ / ‖∂ output / ∂ x_step‖ for the predicted class at ``step``."""
    m = model(model_id)
    tr = cells.trace(m, text)
    norms = input_gradient_norms(m, tr.layer_inputs[0], step, int(np.argmax(tr.outputs[step])),
                                 trace=tr)
    return float(norms[0] / norms[step])


def shown(x: float, decimals: int = 2) -> str:
    """A value as the lesson texts quote it: fixed decimals, a real minus sign."""
    return f"{x:.{decimals}f}".replace("-", "−")


def significant(x: float, digits: int) -> str:
    """A small ratio as the lesson texts quote it: 0.00087, 0.057, 0.22."""
    return np.format_float_positional(x, precision=digits, unique=False, fractional=False,
                                      trim="-")


def quoted(lesson_id: str, k: int, *numbers: str) -> None:
    """Every number is in the stop's explanation, in every language."""
    for lang in LANGS:
        text = t(lang)["lessons"][lesson_id]["stops"][k]
        missing = [n for n in numbers if n not in text]
        assert missing == [], f"{lang} {lesson_id} stop {k}: {missing} not in {text!r}"


def test_quoted_is_a_check_that_can_fail():  # control
    with pytest.raises(AssertionError, match="0.123"):
        quoted("lstm_gates", 0, "0.123")


@pytest.mark.parametrize("k,factor", [(0, 10), (1, 10), (4, 5)])
def test_forgetting_the_rnn_gradient_decays_faster_than_the_lstm_and_gru(k, factor):
    stop = stop_of("forgetting", k)
    task = model(stop.model).card.task
    text, step = texts_of(stop)[0], stop.values["gstep"]
    rnn = gradient_ratio(f"{task}-rnn", text, step)
    assert rnn < gradient_ratio(f"{task}-lstm", text, step) / factor
    assert rnn < gradient_ratio(f"{task}-gru", text, step) / factor


def test_forgetting_the_character_models_ratios_are_quoted():
    stop = stop_of("forgetting", 4)
    text, step = texts_of(stop)[0], stop.values["gstep"]
    quoted("forgetting", 4, *(significant(gradient_ratio(f"charlm-{arch}", text, step), 1)
                              for arch in ("rnn", "lstm", "gru")))


@pytest.mark.parametrize("k,rnn_digits", [(0, 2), (1, 1)])
def test_forgetting_the_quoted_gradient_ratios_are_measured(k, rnn_digits):
    stop = stop_of("forgetting", k)
    text, step = texts_of(stop)[0], stop.values["gstep"]
    assert step == len(trace_of("forgetting", k).tokens) - 1  # the verdict before the verb
    ratios = {arch: gradient_ratio(f"agreement-{arch}", text, step)
              for arch in ("rnn", "lstm", "gru", "sgru")}
    quoted("forgetting", k, significant(ratios["rnn"], rnn_digits),
           *(significant(ratios[a], 2) for a in ("lstm", "gru", "sgru")))


def test_forgetting_one_word_more_and_the_rnn_loses_the_number():
    stop = stop_of("forgetting", 2)
    knew, saw = texts_of(stop)[0], texts_of(stop_of("forgetting", 1))[0]
    assert knew == saw.replace("saw", "knew")
    tr, step, unit = trace_of("forgetting", 2), stop.values["step"], stop.values["unit"]
    assert tr.tokens[step] == "that" and tr.tokens[step - 1] == "knew"
    assert unit == model("agreement-rnn").card.notable_units[0].unit
    h = tr.gates(0, 0)["h"][:, unit]
    assert h[step - 1] > 0.995 and h[step] < 0  # the plural is lost at "that"
    assert tr.outputs[-1, 1] < 0.02  # wrong: singular where "were" is needed
    assert cells.trace(model("agreement-rnn"), saw).outputs[-1, 1] > 0.99  # right with "saw"
    for arch in ("lstm", "gru"):
        assert cells.trace(model(f"agreement-{arch}"), knew).outputs[-1, 1] > 0.995
    quoted("forgetting", 2, str(unit), shown(h[step - 1]),
           shown(h[step]), shown(tr.outputs[-1, 1]))


def test_forgetting_the_low_data_numbers_are_the_tables():
    table = json.loads((MODELS / "agreement_low_data_table.json").read_text())
    acc = {cell: [run["accuracy"] for run in runs] for cell, runs in table["cells"].items()}
    gated = [a for cell in ("lstm", "gru", "sgru") for a in acc[cell]]
    assert max(acc["rnn"]) < min(gated)  # every RNN run below every gated run
    quoted("forgetting", 2, f"{100 * min(acc['rnn']):.0f}–{100 * max(acc['rnn']):.0f}%",
           f"{100 * min(gated):.0f}–{100 * max(gated):.0f}%")


def test_forgetting_the_lstm_keeps_where_the_rnn_lost_it():
    tr, stop = trace_of("forgetting", 3), stop_of("forgetting", 3)
    step, unit = stop.values["step"], stop.values["unit"]
    assert texts_of(stop) == texts_of(stop_of("forgetting", 2)) and step == 10
    g = tr.gates(0, 0)
    assert g["c"][step, unit] > 0.5 and tr.outputs[step:, 1].min() > 0.99
    quoted("forgetting", 3, str(unit), shown(g["f"][step, unit]), shown(g["c"][step, unit]),
           shown(g["f"][step + 1:, unit].min()), shown(g["f"][step + 1:, unit].max()))


LSTM_UNIT = 27  # agreement-lstm's card: h high for a plural subject


def test_lstm_gates_use_the_cards_unit_and_quote_the_gates():
    assert model("agreement-lstm").card.notable_units[0].unit == LSTM_UNIT
    assert all(s.values["unit"] == LSTM_UNIT for s in lessons.by_id("lstm_gates").stops)
    g = trace_of("lstm_gates", 0).gates(0, 0)
    col = {k: v[:, LSTM_UNIT] for k, v in g.items()}
    dogs = stop_of("lstm_gates", 0).values["step"]
    assert trace_of("lstm_gates", 0).tokens[dogs] == "dogs"
    assert col["f"][dogs] < 0.3 and col["i"][dogs] > 0.7  # cleared, then written
    quoted("lstm_gates", 0, shown(col["f"][dogs]))
    quoted("lstm_gates", 1, shown(col["i"][dogs]))
    assert abs(col["f"][dogs] * col["c"][dogs - 1] + col["i"][dogs] * col["g"][dogs]
               - col["c"][dogs]) < 1e-5
    quoted("lstm_gates", 2, shown(col["g"][dogs]), shown(col["f"][dogs]), shown(col["c"][dogs - 1]),
           shown(col["i"][dogs]), shown(col["c"][dogs]), shown(col["c"][dogs + 1]))


def test_lstm_gates_the_cell_state_carries_the_plural_across_the_distractors():
    tr = trace_of("lstm_gates", 3)
    g, unit, cat = tr.gates(0, 0), LSTM_UNIT, stop_of("lstm_gates", 3).values["step"]
    assert tr.tokens[cat] == "cat"
    assert g["f"][3:, unit].min() > 0.9 and g["i"][cat, unit] < 0.05  # kept, not overwritten
    singular = cells.trace(model("agreement-lstm"), texts_of(stop_of("lstm_gates", 3))[0]
                           .replace("dogs", "dog"))
    assert g["c"][cat, unit] > 1 and singular.gates(0, 0)["c"][cat, unit] < -1  # the sign
    assert tr.outputs[-1, 1] > 0.99 and singular.outputs[-1, 0] > 0.99  # plural / singular
    quoted("lstm_gates", 3, shown(g["f"][cat, unit]), shown(g["i"][cat, unit]),
           shown(g["c"][cat, unit]), shown(singular.gates(0, 0)["c"][cat, unit]))
    last = stop_of("lstm_gates", 4).values["step"]
    assert last == len(tr.tokens) - 1 == stop_of("lstm_gates", 5).values["step"]
    card_r = model("agreement-lstm").card.notable_units[0].correlation
    quoted("lstm_gates", 4, shown(g["o"][last, unit]), shown(g["h"][last, unit]), f"+{card_r:.3f}")
    quoted("lstm_gates", 5, shown(g["f"][last, unit]), shown(g["c"][last - 1, unit]),
           shown(g["i"][last, unit]), shown(g["g"][last, unit]), shown(tr.outputs[-1, 1]))


GRU_UNIT = 20  # agreement-gru's and agreement-sgru's cards: h high for a plural subject


def test_the_grus_units_are_the_cards():
    for arch in ("gru", "sgru"):
        assert model(f"agreement-{arch}").card.notable_units[0].unit == GRU_UNIT
    for lesson_id in ("gru_convention", "sgru"):
        assert all(s.values.get("unit", GRU_UNIT) == GRU_UNIT
                   for s in lessons.by_id(lesson_id).stops)


@pytest.mark.parametrize("lesson_id,k", [("gru_convention", 4), ("sgru", 2)])
def test_the_grus_unit_holds_the_subjects_number(lesson_id, k):
    tr = trace_of(lesson_id, k)
    h = tr.gates(0, 0)["h"][:, GRU_UNIT]
    assert h[3:].min() > 0.9 and tr.outputs[-1, 1] > 0.99  # plural from "the" on
    if lesson_id == "gru_convention":
        card_r = model("agreement-gru").card.notable_units[0].correlation
        quoted(lesson_id, k, shown(h[3:].min()), shown(h[3:].max()), shown(tr.outputs[-1, 1]),
               f"+{card_r:.3f}")


def test_gru_convention_u_is_one_minus_z_at_the_stop():
    tr, stop = trace_of("gru_convention", 1), stop_of("gru_convention", 1)
    step = stop.values["step"]
    assert tr.tokens[step] == "dogs"
    z = tr.gates(0, 0)["z"][step, GRU_UNIT]
    assert z < 0.2  # u = 1 − z > 0.8: most of the candidate is written
    quoted("gru_convention", 0, shown(z))
    quoted("gru_convention", 1, shown(1 - z))


def test_gru_convention_the_reset_gate_lets_the_number_into_the_candidate():
    tr, step = trace_of("gru_convention", 2), stop_of("gru_convention", 2).values["step"]
    assert tr.tokens[step] == "cat" == tr.tokens[stop_of("gru_convention", 3).values["step"]]
    g = tr.gates(0, 0)
    assert g["r"][step, GRU_UNIT] > 0.9 and g["n"][3:, GRU_UNIT].min() >= 0.995
    quoted("gru_convention", 2, shown(g["r"][step, GRU_UNIT]))
    quoted("gru_convention", 3, shown(g["n"][step, GRU_UNIT]))


def test_sgru_writes_at_the_subject_and_not_at_the_distractor():
    tr = trace_of("sgru", 0)
    g = {k: v[:, GRU_UNIT] for k, v in tr.gates(0, 0).items()}
    dogs, cat = stop_of("sgru", 0).values["step"], stop_of("sgru", 1).values["step"]
    assert tr.tokens[dogs] == "dogs" and tr.tokens[cat] == "cat"
    assert 1 - g["z"][dogs] > 0.9 and 1 - g["z"][cat] < 0.05 and g["n"][cat] < -0.9
    quoted("sgru", 0, shown(1 - g["z"][dogs]), shown(g["n"][dogs]))
    quoted("sgru", 1, shown(g["n"][cat]), shown(1 - g["z"][cat]), shown(g["h"][cat]),
           shown(g["h"][dogs:].min()), shown(g["h"][dogs:].max()))
    assert tr.outputs[-1, 1] > 0.99
    for arch in ("gru", "sgru"):  # "both score 100% on the test set"
        assert model(f"agreement-{arch}").card.metrics["accuracy"] == 1.0


def test_bilstm_directions_have_read_different_parts():
    tr, stop = trace_of("bilstm", 1), stop_of("bilstm", 1)
    step, unit = stop.values["step"], stop.values["unit"]
    forward = tr.gates(0, 0)["h"][:, unit]
    assert forward[step] - forward[step - 1] > 0.3  # the forward half reacts at "dull"
    assert abs(tr.gates(0, 1)["h"][step, unit] - forward[step]) > 0.3


def test_counting_the_lstm_cell_counts():
    tr, stop = trace_of("counting", 0), stop_of("counting", 0)
    c = tr.gates(0, 0)["c"][:, stop.values["unit"]]
    assert np.corrcoef(c, counting.count_a_minus_b(tr.tokens))[0, 1] > 0.999


def test_counting_the_gru_breaks_past_the_bound_and_the_lstm_does_not():
    for k, wrong_expected in ((4, True), (5, False), (6, True)):
        stop = stop_of("counting", k)
        n, lang = stop.counting.n, stop.counting.lang
        assert n > counting.TRAIN_MAX_N
        tr = cells.trace(model(stop.model), stop.counting.text())
        wrong = ((tr.outputs > 0.5) != (counting.targets(lang, n) > 0.5)).any(axis=1)
        assert wrong.any() == wrong_expected, (k, np.nonzero(wrong))
        if wrong_expected:
            assert wrong[stop.values["step"]]  # the stop shows a wrong step


def test_she_the_gru_remembers_the_first_pronoun_longer_than_the_lstm():
    stop = stop_of("she", 0)
    a, b = texts_of(stop)
    step = stop.values["step"]  # in B; A is one character shorter
    gap = {}
    for arch in ("gru", "lstm", "rnn"):
        m = model(f"charlm-{arch}")
        gap[arch] = np.abs(cells.trace(m, b).gates(0, 0)["h"][step]
                           - cells.trace(m, a).gates(0, 0)["h"][step - 1]).max()
    # the GRU keeps the pronoun most, the LSTM some, the RNN almost nothing
    assert gap["gru"] > 1.5 * gap["lstm"] > 0.05 > 0.01 > gap["rnn"]
    quoted("she", 0, shown(gap["gru"]))
    quoted("she", 1, shown(gap["lstm"]), significant(gap["rnn"], 1))
    unit = stop_of("she", 2).values["unit"]
    m = model("charlm-gru")
    tb, ta = cells.trace(m, b), cells.trace(m, a)
    assert np.abs(tb.gates(0, 0)["h"][step] - ta.gates(0, 0)["h"][step - 1]).argmax() == unit
    h = list(m.card.output_labels).index("h")  # p("h") after ", and s": "She …" raises it a little
    p_b, p_a = float(tb.outputs[step][h]), float(ta.outputs[step - 1][h])
    assert p_b > p_a
    quoted("she", 2, str(unit), shown(p_b), shown(p_a))


def test_sunspots_the_lstm_beats_last_year_on_the_lesson_stretch():
    tr = trace_of("sunspots", 0)
    values = np.array([float(x) for x in texts_of(stop_of("sunspots", 0))[0].split(",")])
    rmse = np.sqrt(np.mean((tr.outputs[:-1, 0] - values[1:]) ** 2))
    naive = np.sqrt(np.mean((values[:-1] - values[1:]) ** 2))
    assert rmse < 0.6 * naive
    assert int(np.argmax(values)) == stop_of("sunspots", 0).values["step"]


# ---- the page ------------------------------------------------------------------------------------

TIMEOUT = 120


def fresh(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_index_opens_a_lesson_and_next_previous_walk_it():
    at = fresh()
    assert at.selectbox(key="lesson_pick").placeholder  # the first screen's index
    at.session_state["lesson_index_open"] = True  # the sidebar's list, opened
    at.run()
    at.button(key="lesson-open-lstm_gates").click().run()
    assert not at.exception, at.exception
    assert at.query_params["lesson"] == "lstm_gates" and at.query_params["stop"] == "0"
    assert at.query_params["model"] == "agreement-lstm" and at.query_params["by"] == "f"
    assert at.session_state["unit-agreement-lstm"] == LSTM_UNIT
    assert any("0.20" in m.value for m in at.markdown)
    at.button(key="lesson-next").click().run()
    assert at.query_params["stop"] == "1" and at.query_params["by"] == "i"
    at.button(key="lesson-prev").click().run()
    assert at.query_params["stop"] == "0" and at.query_params["by"] == "f"
    assert at.button(key="lesson-prev").disabled
    at.selectbox(key="order_by-lstm").set_value("o").run()  # the user can still change anything
    assert at.query_params["by"] == "o" and at.query_params["lesson"] == "lstm_gates"


def test_a_lesson_link_opens_its_stop_in_chinese():
    at = fresh(lesson="counting", stop="4", lang="zh")
    assert at.query_params["model"] == "anbn-gru"
    assert at.session_state["_sentence"] == counting.string("anbn", 70)
    assert at.session_state["lesson_n"] == 70
    assert any("超出训练范围" in m.value for m in at.markdown)
    assert not at.warning


def test_a_lesson_links_own_values_win_over_the_stops():
    at = fresh(lesson="lstm_gates", stop="0", by="h")
    assert at.query_params["by"] == "h" and at.query_params["stop"] == "0"


@pytest.mark.parametrize("query,dropped", [({"lesson": "nope"}, "lesson=nope"),
                                           ({"lesson": "sgru", "stop": "7"}, "stop=7"),
                                           ({"lesson": "sgru", "stop": "-1"}, "stop=\\-1")])
def test_bad_lesson_values_are_dropped_and_said(query, dropped):
    at = fresh(**query)
    assert any(dropped in w.value for w in at.warning), [w.value for w in at.warning]


def test_the_counting_control_builds_the_string():
    at = fresh(lesson="counting", stop="0")
    at.number_input(key="lesson_n").set_value(12).run()
    assert at.session_state["_sentence"] == counting.string("anbn", 12)
    at.radio(key="lesson_lang").set_value("anbncn").run()
    assert not at.exception, at.exception
    assert at.query_params["model"] == "anbncn-lstm"
    assert at.session_state["_sentence"] == counting.string("anbncn", 12)


def test_a_counting_stop_names_the_wrong_steps_also_for_the_projector():
    at = fresh(lesson="counting", stop="4", present="1")
    assert any("✗ wrong at step 138, 139" in m.value for m in at.markdown), [m.value for m in at.markdown]
    at.button(key="lesson-next").click().run()
    assert any("LSTM: right at every step" in m.value for m in at.markdown)


def test_side_by_side_rows_start_their_plots_level_under_short_titles():
    at = fresh(lesson="sgru", stop="3")  # four cells in narrow columns; rows "write" and "hidden"
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(specs) == 3 + 4  # the RNN has no gate that writes
    titles = [s["layout"]["title"]["text"].replace("<br>", " ").replace("\u00a0", " ") for s in specs]
    # the long "update gate u = 1 − z (textbook: share of candidate written)" wrapped to four lines
    # and ran out of its column; the row's heading says what the row compares
    assert titles[:3] == ["LSTM: i", "GRU: u = 1 − z", "simplified GRU: u = 1 − z"], titles
    assert len({s["layout"]["margin"]["t"] for s in specs[:3]}) == 1  # every plot starts level
    assert len({s["layout"]["margin"]["t"] for s in specs[3:]}) == 1
