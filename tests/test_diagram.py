"""The cell diagram (``app/diagram.py``): derived from each cell spec's roles, every number it shows
is one of the unit's equation parts, the update gate follows the chosen convention, the lines join
the right gates to the right operations, nothing overlaps or leaves the canvas, and its words come
from the string files (a Chinese diagram shows no English)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import cells
from app import i18n
from app.diagram import MAX_WIDTH, NUMBER_PX, PRESENT_NUMBER_PX, cell_diagram, label_extent
from app.payload import stepper_payload, tokens_only_payload
from cells.explain import unit_equations
from cells.registry import ALL_SPECS
from cells.spec import CellSpec, GateSpec
from tests.test_i18n_page import english_words
from tests.test_spec import TORCH  # every spec's torch twin

IDS = {"ids": lambda s: f"{s.name}-{s.nonlinearity}"}
CASES = [(s, c) for s in ALL_SPECS for c in s.conventions]
CASE_IDS = [f"{s.name}-{s.nonlinearity}-{c}" for s, c in CASES]
MAX_HEIGHT = 220  # it sits above the step panel at 1280×720


def trace_of(spec: CellSpec) -> cells.Trace:
    torch.manual_seed(0)
    rec = cells.from_torch(TORCH[(spec.name, spec.nonlinearity)]())
    assert rec.spec is spec
    x = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    return cells.run(rec, x)


def payload(spec: CellSpec, convention: str = "z", lang: str = "en", present: bool = False) -> dict:
    return stepper_payload(trace_of(spec), None, 0, 0, 2, 0, 0, "seq", convention,
                           i18n.t(lang)["stepper"], present=present)


def boxes(d: dict) -> dict[str, dict]:
    """The boxes that show a value, by the equation key they show."""
    return {n["key"]: n for n in d["nodes"] if n["shape"] == "box" and n["key"]}


def node(d: dict, node_id: str) -> dict:
    return next(n for n in d["nodes"] if n["id"] == node_id)


def ends_at(point: list[float], n: dict) -> bool:
    """Whether ``point`` lies on the edge of node ``n`` (within 1 unit)."""
    dx, dy = abs(point[0] - n["x"]), abs(point[1] - n["y"])
    return dx <= n["w"] / 2 + 1 and dy <= n["h"] / 2 + 1 and (
        abs(dx - n["w"] / 2) <= 1 or abs(dy - n["h"] / 2) <= 1 or n["shape"] == "op")


def keys_into(d: dict, node_id: str) -> set[str]:
    """The equation keys of the weighted lines that end at ``node_id``."""
    n = node(d, node_id)
    return {e["key"] for e in d["edges"] if e["key"] and ends_at(e["points"][-1], n)}


def words(d: dict) -> list[str]:
    return ([line for n in d["nodes"] for line in n["lines"]] + [e["word"] for e in d["edges"]]
            + [n.get("title", "") for n in d["nodes"]] + [name for _, name in d["legend"]])


# --- every number on it is one of the unit's equation parts --------------------------------------

@pytest.mark.parametrize(("spec", "convention"), CASES, ids=CASE_IDS)
def test_every_key_on_the_diagram_is_an_equation_part_of_its_cell(spec, convention):
    p = payload(spec, convention)
    d = p["diagram"]
    eq = unit_equations(trace_of(spec), 0, 0, 2)
    shown = [n["key"] for n in d["nodes"] if n["key"]]
    shown += [k for e in d["edges"] for k in (e["key"], e["label_key"]) if k]
    assert shown, "the diagram shows no number"
    missing = sorted(set(shown) - set(eq))
    assert missing == [], f"{spec.name}: keys not in unit_equations: {missing}"
    for key in shown:  # and the payload carries exactly those numbers
        np.testing.assert_allclose(p["eq"][key], eq[key], atol=1e-4)
    for item in (*d["nodes"], *d["edges"]):
        assert item["kind"] is None or item["kind"] in d["scales"], item
    assert boxes(d)["h"]["kind"] == spec.kind("h")


@pytest.mark.parametrize("spec", ALL_SPECS, **IDS)
def test_every_gate_and_state_of_the_cell_is_on_it(spec):
    d = payload(spec)["diagram"]
    shown = set(boxes(d))
    for gate in spec.block_gates:
        if gate != "h":
            assert gate in shown or (gate == "z" and "u" in shown), (spec.name, gate, shown)
    for state in spec.states:
        assert {state, f"{state}_prev"} <= shown, (spec.name, state, shown)
    for key in shown & {*spec.block_gates, "u"} - {"h"}:  # each gate's line leaves its own box
        starts = [e for e in d["edges"] if e["key"] == key and ends_at(e["points"][0], boxes(d)[key])]
        assert starts, (spec.name, key)


# --- the update gate in the chosen convention; the simplified GRU has no reset gate ---------------

@pytest.mark.parametrize("spec", [s for s in ALL_SPECS if "u" in s.conventions], **IDS)
@pytest.mark.parametrize("convention", ["z", "u"])
def test_the_update_gate_is_drawn_in_the_chosen_convention(spec, convention):
    d = payload(spec, convention)["diagram"]
    other = {"z": "u", "u": "z"}[convention]
    assert convention in boxes(d) and other not in boxes(d)
    assert f"{convention} = σ" in boxes(d)[convention]["lines"]
    assert node(d, "one_minus")["lines"] == [f"1 − {convention}"]
    # whichever is shown, the old state is multiplied by z and the candidate by u = 1 − z
    assert keys_into(d, "keep") == {"z", "h_prev"}
    assert keys_into(d, "write") == {"u", "n"}
    assert keys_into(d, "add") == {"kept", "written"}


def test_the_simplified_gru_has_no_reset_gate_and_the_gru_has_one():
    sgru = next(s for s in ALL_SPECS if s.name == "sgru")
    gru = next(s for s in ALL_SPECS if s.name == "gru")
    d = payload(sgru)["diagram"]
    keys = {n["key"] for n in d["nodes"]} | {e["key"] for e in d["edges"]}
    assert "r" not in keys and "n.recurrent" not in keys
    assert not any(n["id"] == "reset" for n in d["nodes"])
    d = payload(gru)["diagram"]
    assert "r" in boxes(d) and keys_into(d, "reset") == {"r", "h_prev"}
    assert "n.recurrent" in keys_into(d, boxes(d)["n"]["id"])


def test_the_lstm_keeps_f_times_c_writes_i_times_g_and_reads_o_times_tanh_c():
    spec = next(s for s in ALL_SPECS if s.name == "lstm")
    d = payload(spec)["diagram"]
    assert keys_into(d, "keep") == {"f", "c_prev"}
    assert keys_into(d, "write") == {"i", "g"}
    assert keys_into(d, "add") == {"kept", "written"}
    assert keys_into(d, "read") == {"o", "tanh_c"}
    assert keys_into(d, "c") == {"c"} and keys_into(d, "h") == {"h"}
    labelled = {e["label_key"]: e["word"] for e in d["edges"] if e["label_key"]}
    assert labelled == {"kept": "kept", "written": "written"}
    # the memory line runs along the top, the gates in a row below it
    assert node(d, "c_prev")["y"] == node(d, "keep")["y"] == node(d, "add")["y"] == node(d, "c")["y"]
    assert len({boxes(d)[g]["y"] for g in "ifgo"}) == 1
    assert all(boxes(d)[g]["y"] > node(d, "c")["y"] for g in "ifgo")


@pytest.mark.parametrize("spec", [s for s in ALL_SPECS if s.name == "rnn"], **IDS)
def test_a_vanilla_rnn_shows_its_nonlinearity(spec):
    d = payload(spec)["diagram"]
    act = node(d, "act")
    if spec.nonlinearity == "relu":
        assert act["lines"][0].replace(" ", "") == "max(0,·)"
    else:
        assert act["lines"] == ["tanh"]
    assert keys_into(d, "act") == {"h.pre"} and keys_into(d, "h") == {"h"}
    assert not any(n["id"] in ("keep", "write", "add") for n in d["nodes"])


# --- derived from roles, not from a cell's name ----------------------------------------------------

def test_a_planted_cell_with_other_symbols_is_drawn_from_its_roles():
    planted = CellSpec(
        name="planted", title="planted",
        gates=(GateSpec("w", "sigmoid", "write", 0), GateSpec("k", "sigmoid", "keep", 1),
               GateSpec("q", "tanh", "candidate", 2), GateSpec("p", "sigmoid", "read", 3),
               GateSpec("m", "state", "memory"), GateSpec("h", "tanh", "hidden")),
        grid=("w", "k", "q", "p", "m", "h"), caption_gates=(), presets=(), step_panel=())
    d = cell_diagram(planted, "z", i18n.t("en")["stepper"])
    assert keys_into(d, "keep") == {"k", "m_prev"}
    assert keys_into(d, "write") == {"w", "q"}
    assert keys_into(d, "read") == {"p", "tanh_m"}


# --- it fits, nothing overlaps, it is drawn larger for a projector --------------------------------

def extent(n: dict) -> tuple[float, float, float, float]:
    if n["shape"] == "label":
        return n["x"] - 10, n["y"] - 8, n["x"] + 10, n["y"] + 8
    return n["x"] - n["w"] / 2, n["y"] - n["h"] / 2, n["x"] + n["w"] / 2, n["y"] + n["h"] / 2


@pytest.mark.parametrize(("spec", "convention"), CASES, ids=CASE_IDS)
def test_it_fits_its_canvas_and_no_two_nodes_overlap(spec, convention):
    d = payload(spec, convention)["diagram"]
    assert d["height"] <= MAX_HEIGHT and d["width"] <= MAX_WIDTH
    # the labels on the lines too, at their widest ("<word> +0.000"), in both languages
    labels = [label_extent(e) for e in d["edges"] if e["label_at"]]
    zh = payload(spec, convention, lang="zh")["diagram"]
    labels += [label_extent(e) for e in zh["edges"] if e["label_at"]]
    assert len(labels) == 2 * sum(1 for e in d["edges"] if e["label_at"]) > 0
    rects = [extent(n) for n in d["nodes"]] + labels
    for x0, y0, x1, y1 in rects:
        assert 0 <= x0 and x1 <= d["width"] and 0 <= y0 and y1 <= d["height"], (x0, y0, x1, y1)
    for e in d["edges"]:
        for x, y in e["points"]:
            assert 0 <= x <= d["width"] and 0 <= y <= d["height"]
    for a in range(len(rects)):
        for b in range(a + 1, len(rects)):
            ra, rb = rects[a], rects[b]
            apart = ra[2] <= rb[0] or rb[2] <= ra[0] or ra[3] <= rb[1] or rb[3] <= ra[1]
            if a >= len(d["nodes"]) and b >= len(d["nodes"]):
                continue  # the English and the Chinese label of one line
            assert apart, (a, b, ra, rb, [n["id"] for n in d["nodes"]])


def test_the_label_extent_can_tell_an_overlap():
    spec = next(s for s in ALL_SPECS if s.name == "lstm")
    d = payload(spec)["diagram"]
    kept = next(e for e in d["edges"] if e["label_key"] == "kept")
    x0, y0, x1, y1 = label_extent(kept)
    assert x1 - x0 > 60 and 10 < y1 - y0 < 20  # "kept +0.000" at 14 px
    moved = {**kept, "label_at": [node(d, "keep")["x"], node(d, "keep")["y"]]}
    ox0, oy0, ox1, oy1 = extent(node(d, "keep"))
    mx0, my0, mx1, my1 = label_extent(moved)
    assert not (mx1 <= ox0 or ox1 <= mx0 or my1 <= oy0 or oy1 <= my0)


@pytest.mark.parametrize(("spec", "convention"), CASES, ids=CASE_IDS)
def test_every_box_is_named_in_its_tooltip_and_the_legend(spec, convention):
    d = payload(spec, convention)["diagram"]
    short = i18n.t("en")["stepper"]["gate_short"]
    named = {n["key"].removesuffix("_prev"): n["title"] for n in d["nodes"]
             if n["shape"] == "box" and n.get("title")}
    assert "h" in named and all(named[k] == short[k] for k in named), named
    assert dict(d["legend"]) == named
    for n in d["nodes"]:  # a box's own words are its symbol and function, not its name
        if n.get("title"):
            assert n["title"] not in n["lines"], n


def test_numbers_are_drawn_larger_when_presenting():
    spec = ALL_SPECS[0]
    assert payload(spec)["diagram"]["number_px"] == NUMBER_PX >= 14
    assert payload(spec, present=True)["diagram"]["number_px"] == PRESENT_NUMBER_PX >= 20


def test_the_colour_scales_are_the_heatmaps():
    from app.charts import color_range
    from app.heatmaps import SCALES

    spec = next(s for s in ALL_SPECS if s.name == "lstm")
    trace = trace_of(spec)
    d = payload(spec)["diagram"]
    assert d["scales"]["sigmoid"] == {"lo": 0.0, "hi": 1.0, "stops": SCALES["Viridis"]}
    assert d["scales"]["tanh"] == {"lo": -1.0, "hi": 1.0, "stops": SCALES["RdBu"]}
    lo, hi, name = color_range("state", trace.gates(0, 0)["c"])
    assert d["scales"]["state"] == {"lo": lo, "hi": hi, "stops": SCALES[name]}


def test_no_diagram_without_equations():
    assert tokens_only_payload(["a"], "s", 0, i18n.t("en")["stepper"], False)["diagram"] is None


# --- words from the string files --------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "convention"), CASES, ids=CASE_IDS)
def test_a_chinese_diagram_shows_no_english(spec, convention):
    zh = words(payload(spec, convention, lang="zh")["diagram"])
    assert [w for text in zh for w in english_words(text)] == []
    en = words(payload(spec, convention, lang="en")["diagram"])
    assert [w for text in en for w in english_words(text)] != []  # control: English is found
