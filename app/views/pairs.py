"""Minimal pairs: two sentences that differ in one word, the per-gate differences aligned in time."""

from __future__ import annotations

import numpy as np
import streamlit as st

import cells
from app import charts, presentation, urlstate
from app.i18n import chart_words, label_name
from app.payload import sequence_id, tokens_only_payload
from app.presentation import controls_container, presenting
from app.sentence import MAX_TOKENS, tokens_of, traced
from app.stepper import anchor_step, synced_stepper

DEFAULT_PAIRS = {
    "sentiment": ("the movie was good .", "the movie was not good ."),
    "agreement": ("the dog that mrs. smith kept", "the dogs that mrs. smith kept"),
    "charlm": ("The dog that she kept was", "The dogs that she kept were"),
}


def aligned(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # (Ta, H), (Tb, H) -> (max T, H)
    """b − a position by position; NaN where one sentence is shorter."""
    steps = max(len(a), len(b))
    out = np.full((steps, a.shape[1]), np.nan, np.float32)
    n = min(len(a), len(b))
    out[:n] = b[:n] - a[:n]
    return out


def pair_tokens(a: list[str], b: list[str]) -> list[str]:
    """One label per position: the token itself where both agree, else "a→b"."""
    steps = max(len(a), len(b))
    pa, pb = a + [""] * (steps - len(a)), b + [""] * (steps - len(b))
    return [x if x == y else f"{x}→{y}" for x, y in zip(pa, pb, strict=True)]


def pair_ui(model: cells.Model, L: dict) -> tuple[str, str]:
    V = L["pairs"]
    default = DEFAULT_PAIRS.get(model.card.task, ("", ""))
    cols = st.columns(2)
    texts = []
    for col, name, value in zip(cols, ("a", "b"), default, strict=True):
        key = f"pair{name}-{model.id}"
        urlstate.seed(key, urlstate.take_text(f"pair{name}", 5000))
        if key not in st.session_state:
            st.session_state[key] = value
        texts.append(col.text_input(V[f"sentence_{name}"], key=key, max_chars=5000))
        urlstate.note(f"pair{name}", texts[-1])
    return texts[0], texts[1]


STEPPER_HEIGHT = 190  # px: the token strip and the buttons, presenting
VERDICT_HEIGHT = 40  # px: the outputs at the last token, presenting


def render(model: cells.Model, L: dict) -> None:
    V = L["pairs"]
    present = presenting()
    with controls_container(L):
        text_a, text_b = pair_ui(model, L)
    tok_a, tok_b = tokens_of(model.id, text_a, model), tokens_of(model.id, text_b, model)
    if not tok_a or not tok_b:
        st.info(L["empty"])
        return
    if max(len(tok_a), len(tok_b)) > MAX_TOKENS:
        st.warning(V["too_long"].format(limit=MAX_TOKENS))
        return
    ta, tb = traced(model.id, text_a, model), traced(model.id, text_b, model)
    tokens = pair_tokens(ta.tokens, tb.tokens)
    seq = sequence_id("pairs", model.id, text_a, text_b)
    anchor = anchor_step((seq,), seq)
    compact = model.card.tokenizer.kind == "char"
    synced_stepper(tokens_only_payload(tokens, seq, anchor, L["stepper"], compact))
    card = model.card
    if ta.outputs is not None and card.head_kind == "classes" and card.head.activation == "softmax":
        labels = [label_name(L, lab) for lab in card.output_labels]
        last_a, last_b = ta.outputs[-1], tb.outputs[-1]
        st.markdown(V["verdicts"].format(
            a=", ".join(f"{lab} {p:.2f}" for lab, p in zip(labels, last_a, strict=True)),
            b=", ".join(f"{lab} {p:.2f}" for lab, p in zip(labels, last_b, strict=True))))
    gates = list(model.recurrent.gate_names)
    columns = 2
    if present:  # one gate, as large as the projector allows; the others in the controls
        with controls_container(L):
            gates = [st.radio(V["gate"], gates, key="pair_gate", index=len(gates) - 1,
                              format_func=L["gate_titles"].get)]
        columns = 1
    cols = st.columns(columns)
    height = presentation.chart_height(STEPPER_HEIGHT + VERDICT_HEIGHT, 300)
    width = presentation.content_width(1 / columns)
    for k, gate in enumerate(gates):
        diff = aligned(ta.gates(0, 0)[gate], tb.gates(0, 0)[gate])
        bound = charts.nice_bound(float(np.nanmax(np.abs(diff))) if np.isfinite(diff).any() else 1)
        title = V["difference"].format(gate=L["gate_titles"][gate], bound=f"{bound:g}")
        fig = charts.heatmap_figure(np.nan_to_num(diff), tokens, gate, anchor, height=height, title=title,
                                    words=chart_words(L), font_size=presentation.font_size(), width=width)
        fig.update_traces(zmin=-bound, zmax=bound, colorscale=charts.DIVERGING)
        cols[k % columns].plotly_chart(fig, key=f"pair-{gate}", theme=None, config={"displaylogo": False})
    if not present:
        with st.expander(L["how_to_read"]):
            st.markdown(V["how"])
