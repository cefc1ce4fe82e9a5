"""Gatescope explorer: pick a trained model, type a sentence, step through every gate.

Run from the project root: ``python -m streamlit run app/gatescope.py``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/gatescope.py` puts only app/ on the path
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import streamlit as st  # noqa: E402

import cells  # noqa: E402
from app import charts, zoo  # noqa: E402
from app.colour import text_colour, value_colour  # noqa: E402
from app.i18n import LANGS  # noqa: E402
from app.i18n import t as strings  # noqa: E402
from app.labels import html_safe  # noqa: E402
from app.payload import sequence_id, stepper_payload  # noqa: E402
from app.stepper import stepper_ui  # noqa: E402

MAX_TOKENS = 2000
MAX_CHARS = 100_000
GRID = {  # the order the heatmaps are laid out in, two per row
    "lstm": ["i", "f", "g", "o", "c", "h"],
    "gru": ["r", "z", "n", "h"],
    "sgru": ["z", "n", "h"],
    "rnn": ["h"],
}


@dataclass(frozen=True)
class View:
    layer: int
    directions: tuple[int, ...]
    order: str
    order_by: str
    unit: int
    convention: str  # "z" | "u"


@st.cache_resource(max_entries=64, show_spinner=False)
def traced(model_key: str, text: str, _model: cells.Model) -> cells.Trace:
    return cells.trace(_model, text)


def language_ui() -> dict:
    lang = st.sidebar.radio(
        "Language / 语言", list(LANGS), format_func=LANGS.get, key="lang", horizontal=True
    )
    return strings(lang)


def upload_ui(L: dict) -> cells.Model | None:
    with st.sidebar.expander(L["upload"]):
        files = st.file_uploader(
            L["upload"], accept_multiple_files=True, key="upload", help=L["upload_help"],
            label_visibility="collapsed",
        )
        if not files:
            return None
        try:
            model = zoo.model_from_upload([(f.name, f.getvalue()) for f in files])
        except cells.ModelFileError as e:
            st.error(L["upload_bad"].format(error=e))
            return None
        st.success(L["upload_ok"].format(name=model.card.get("title", model.id)))
        return model if st.checkbox(L["use_upload"], value=True, key="use_upload") else None


def model_ui(L: dict) -> cells.Model | None:
    folder = str(zoo.models_dir())
    entries = zoo.catalogue(folder)
    if not entries:
        st.error(L["no_models"].format(folder=folder))
        return None
    tasks = list(dict.fromkeys(e.task_title for e in entries))
    task = st.sidebar.selectbox(L["task"], tasks, key="task")
    options = [e for e in entries if e.task_title == task]
    entry = st.sidebar.radio(
        L["architecture"], options, format_func=lambda e: zoo.ARCH_NAMES.get(e.arch, e.arch),
        key=f"arch-{task}", horizontal=True,
    )
    return zoo.load_model(entry.id, folder)


def card_ui(model: cells.Model, L: dict) -> None:
    card = model.card
    st.sidebar.markdown(f"**{card.get('title', model.id)}**")
    if card.get("summary"):
        st.sidebar.caption(card["summary"])
    if card.get("metric_summary"):
        st.sidebar.caption(f"{L['metrics']}: {card['metric_summary']}")
    with st.sidebar.expander(L["card"]):
        st.json({k: v for k, v in card.items() if k not in ("tokenizer",)}, expanded=False)


def text_ui(model: cells.Model, L: dict) -> str:
    samples = [str(s) for s in model.card.get("samples", [])]
    key = f"text-{model.id}"
    if key not in st.session_state:
        st.session_state[key] = samples[0] if samples else ""

    def use_example() -> None:
        choice = st.session_state[f"example-{model.id}"]
        if choice != L["example_none"]:
            st.session_state[key] = choice

    if samples:
        st.selectbox(L["example"], [L["example_none"], *samples], key=f"example-{model.id}",
                     on_change=use_example)
    return st.text_area(L["sentence"], key=key, help=L["sentence_help"], max_chars=MAX_CHARS,
                        height=80)


def limit_tokens(model: cells.Model, text: str, L: dict) -> str:
    """The longest prefix of ``text`` with at most MAX_TOKENS tokens; says so in the page."""
    tokens = model.tokenizer(text)
    if len(tokens) > MAX_TOKENS:
        st.warning(L["too_long"].format(n=len(tokens), limit=MAX_TOKENS))
        text = text[: tokens[MAX_TOKENS - 1].end]
        tokens = tokens[:MAX_TOKENS]
    unknown = sum(not tok.known for tok in tokens)
    if unknown and model.embedding is not None:
        st.caption(L["unknown_tokens"].format(n=unknown))
    return text


def view_ui(model: cells.Model, trace: cells.Trace, L: dict) -> View:
    rec = model.recurrent
    cols = st.columns(5)
    layer = 0
    if rec.num_layers > 1:
        layer = cols[0].selectbox(L["layer"], list(range(rec.num_layers)), key="layer")
    directions: tuple[int, ...] = (0,)
    if rec.bidirectional:
        names = {(0,): L["forward"], (1,): L["backward"], (0, 1): L["both"]}
        directions = cols[1].selectbox(L["direction"], list(names), format_func=names.get,
                                       index=2, key="direction")
    options = L["order_options"]
    order = cols[2].selectbox(L["order"], list(options), format_func=options.get, key="order")
    order_by = cols[3].selectbox(L["order_by"], list(rec.gate_names), index=len(rec.gate_names) - 1,
                                 key=f"order_by-{rec.cell}")
    gates = trace.gates(layer, directions[0])
    ranked = charts.unit_order(gates, order, order_by)
    unit = cols[4].selectbox(L["unit"], ranked, key=f"unit-{model.id}", help=L["unit_help"])
    convention = "z"
    if rec.cell in ("gru", "sgru"):
        convention = st.radio(L["convention"], ["z", "u"], horizontal=True, key="convention",
                              format_func=lambda c: L[f"convention_{c}"])
        st.caption(L["convention_note"])
    return View(layer, directions, order, order_by, int(unit), convention)


def shown(gates: dict[str, np.ndarray], key: str, convention: str) -> tuple[str, np.ndarray]:
    """The gate as the chosen convention shows it: PyTorch's z, or u = 1 − z."""
    if key == "z" and convention == "u":
        return "u", 1.0 - gates["z"]
    return key, gates[key]


def anchor_step(view_key: tuple, seq: str) -> int:
    """The step the charts are drawn with: fixed while only the step moves, so that stepping never
    changes (and re-sends) a figure; the browser moves the cursors itself."""
    state = st.session_state
    if state.get("seq") != seq:
        state["seq"], state["step"] = seq, 0
    if state.get("view_key") != view_key:
        state["view_key"], state["anchor"] = view_key, state.get("step", 0)
    return int(state.get("anchor", 0))


def gates_ui(model: cells.Model, trace: cells.Trace, view: View, anchor: int, L: dict) -> None:
    st.subheader(L["gates_heading"])
    if len(view.directions) > 1:
        st.caption(L["bidi_note"])
    order = charts.unit_order(trace.gates(view.layer, view.directions[0]), view.order, view.order_by)
    names = {0: L["forward"], 1: L["backward"]}
    keys = GRID[model.recurrent.cell]
    per_row = 2 if len(view.directions) == 1 else 2
    panels = [(k, d) for k in keys for d in view.directions]
    for row in range(0, len(panels), per_row):
        cols = st.columns(per_row)
        for col, (key, direction) in zip(cols, panels[row : row + per_row], strict=False):
            name, values = shown(trace.gates(view.layer, direction), key, view.convention)
            title = charts.GATE_STYLES[name].title
            if model.recurrent.bidirectional:
                title += f" · {names[direction]}"
            fig = charts.heatmap_figure(values, trace.tokens, name, anchor, order, title=title)
            col.plotly_chart(fig, key=f"heat-{key}-{direction}", theme=None,
                             config={"displaylogo": False})


def output_ui(model: cells.Model, trace: cells.Trace, anchor: int, L: dict) -> None:
    out, head = trace.outputs, model.card.get("head") or {}
    if out is None or len(trace.tokens) == 0:
        return
    if head.get("activation") == "linear":
        nxt = np.array([cells.tokenize.parse_number(tok) for tok in trace.tokens[1:]] + [np.nan])
        fig = charts.series_figure(out[:, 0], nxt, trace.tokens, anchor, L["output_chart"],
                                   L["stepper"]["output_value"])
    elif out.shape[1] > 12:
        nxt = np.array(trace.token_ids[1:] + [-1])
        p = np.where(nxt >= 0, out[np.arange(len(nxt)), np.maximum(nxt, 0)], np.nan)
        fig = charts.series_figure(p, np.full(len(p), np.nan), trace.tokens, anchor, L["p_next"], "p")
    else:
        labels = list(head.get("labels") or [str(k) for k in range(out.shape[1])])
        fig = charts.outputs_figure(out, trace.tokens, labels, anchor, L["output_chart"])
    st.plotly_chart(fig, key="outputs", theme=None, config={"displaylogo": False})


def unit_text_ui(trace: cells.Trace, view: View, L: dict) -> None:
    name, values = shown(trace.gates(view.layer, view.directions[0]), view.order_by, view.convention)
    column = values[:, view.unit]
    zmin, zmax, _ = charts.color_range(charts.GATE_STYLES.get(name, charts.GATE_STYLES["h"]).kind,
                                       values)
    st.markdown(f"**{L['unit_heading'].format(unit=view.unit, gate=name)}**")
    spans = []
    for tok, v in zip(trace.tokens, column, strict=True):
        bg = value_colour(float(v), zmin, zmax)
        spans.append(
            f'<span title="{name} = {v:.3f}" style="background:{bg};color:{text_colour(bg)};'
            f'padding:1px 1px;white-space:pre-wrap">{html_safe(tok) if len(tok) else ""}</span>'
        )
    st.html('<div data-testid="gs-unit-text" style="line-height:1.9;font-family:monospace">'
            + "".join(spans) + "</div>")


def main() -> None:
    st.set_page_config(page_title="Gatescope", page_icon="🔬", layout="wide")
    L = language_ui()
    st.title(L["title"])
    st.caption(L["tagline"])
    uploaded = upload_ui(L)
    model = uploaded or model_ui(L)
    if model is None:
        return
    card_ui(model, L)
    text = text_ui(model, L)
    if not text or not model.tokenizer(text):
        st.info(L["empty"])
        return
    text = limit_tokens(model, text, L)
    trace = traced(model.id, text, model)
    view = view_ui(model, trace, L)
    seq = sequence_id(model.id, text)
    view_key = (seq, view.layer, view.directions, view.order, view.order_by, view.convention)
    anchor = anchor_step(view_key, seq)
    payload = stepper_payload(trace, model.card, view.layer, view.directions[0], view.unit,
                              anchor, 0, seq, view.convention, L["stepper"])
    step = stepper_ui(payload, key=f"stepper-{seq}")
    if step is not None:
        st.session_state["step"] = step
    gates_ui(model, trace, view, anchor, L)
    output_ui(model, trace, anchor, L)
    unit_text_ui(trace, view, L)


main()
