"""Minimal pairs: two sentences that differ in one word, the per-gate differences aligned in time."""

from __future__ import annotations

from difflib import SequenceMatcher

import numpy as np
import streamlit as st

import cells
from app import charts, heatmaps, presentation, urlstate
from app.expanders import how_to_read_ui
from app.i18n import chart_words, label_name
from app.labels import markdown_safe
from app.payload import sequence_id, tokens_only_payload
from app.presentation import controls_container, presenting
from app.sentence import MAX_TOKENS, cannot_read, tokens_of, traced
from app.stepper import anchor_step, synced_stepper
from app.units_ui import all_units_ui

DEFAULT_PAIRS = {
    "sentiment": ("the movie was good .", "the movie was not good ."),
    "agreement": ("The dog that the cat chased", "The dogs that the cat chased"),
    "charlm": ("The dog that she kept was", "The dogs that she kept were"),
    # each pair differs early, so that the states after the change differ (a change at the end
    # leaves nothing to compare but its gap)
    "anbn": ("$aaabbb", "$aaaabbb"),  # one a more: every b after it reads a counter one higher
    "anbncn": ("$aaabbbccc", "$aaaabbbccc"),
    "names": ("Nowak", "Novak"),  # Polish, then (one letter changed) Slovak or Croatian
    "sunspots": ("44.3, 63.9, 69, 77.8, 64.9, 35.7, 21.2, 11.1, 5.7, 8.7",
                 "44.3, 63.9, 69, 177.8, 64.9, 35.7, 21.2, 11.1, 5.7, 8.7"),  # one year's value
}


GAP_COLOUR = "#8c8c8c"  # a neutral grey no diverging colour comes near
Column = tuple[int | None, int | None]  # (position in A, position in B); None: a gap


def alignment(a: list[str], b: list[str]) -> list[Column]:
    """The two token sequences lined up (difflib): equal tokens share a column, a replaced run pairs
    off position by position, and a token only one sentence has faces a gap (None) in the other."""
    columns: list[Column] = []
    for op, a0, a1, b0, b1 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            columns += list(zip(range(a0, a1), range(b0, b1), strict=True))
            continue
        for k in range(max(a1 - a0, b1 - b0)):
            columns.append((a0 + k if a0 + k < a1 else None, b0 + k if b0 + k < b1 else None))
    return columns


def aligned(a: np.ndarray, b: np.ndarray, columns: list[Column]) -> np.ndarray:
    """B − A column by column ((Ta, H), (Tb, H) -> (len(columns), H)); NaN at a gap."""
    out = np.full((len(columns), a.shape[1]), np.nan, np.float32)
    for k, (i, j) in enumerate(columns):
        if i is not None and j is not None:
            out[k] = b[j] - a[i]
    return out


def largest_difference(diff: np.ndarray) -> np.ndarray:
    """(H,) each unit's largest |B − A| over the aligned positions (0 where every one is a gap):
    the units a minimal pair moves most are the ones worth showing."""
    finite = np.where(np.isfinite(diff), np.abs(diff), 0.0)
    return finite.max(axis=0) if len(finite) else np.zeros(diff.shape[1])


def pair_tokens(a: list[str], b: list[str], columns: list[Column]) -> list[str]:
    """One label per column: the token where both agree, "a→b" where it changed, "+b" where only B
    has it, "−a" where only A has it."""
    labels = []
    for i, j in columns:
        if i is None:
            labels.append(f"+{b[j]}")
        elif j is None:
            labels.append(f"−{a[i]}")
        else:
            labels.append(a[i] if a[i] == b[j] else f"{a[i]}→{b[j]}")
    return labels


MAX_PAIR_CHARS = 5000  # per sentence of a pair (a minimal pair is two short sentences)


def pair_ui(model: cells.Model, L: dict) -> tuple[str, str]:
    """The two sentences' boxes. Each sentence lives in the session, one pair per task (the default
    pairs are a task's), and its box is re-seeded from it on every run: a box's own state goes
    when another view or model is shown, the typed pair stays (as ``app.sentence`` keeps the
    sentence)."""
    V = L["pairs"]
    state = st.session_state
    default = DEFAULT_PAIRS.get(model.card.task, ("", ""))
    cols = st.columns(2)
    texts = []
    for col, name, value in zip(cols, ("a", "b"), default, strict=True):
        kept, box = f"_pair{name}-{model.card.task}", f"pair{name}"
        urlstate.seed(kept, urlstate.take_text(f"pair{name}", MAX_PAIR_CHARS))
        state.setdefault(kept, value)
        state[box] = state[kept]
        col.text_input(V[f"sentence_{name}"], key=box, max_chars=MAX_PAIR_CHARS,
                       on_change=keep_typed, args=(box, kept))
        texts.append(state[kept])
        urlstate.note(f"pair{name}", texts[-1])
    return texts[0], texts[1]


def keep_typed(box: str, kept: str) -> None:
    """The box's callback: what was typed becomes the kept sentence."""
    st.session_state[kept] = st.session_state[box]


STEPPER_HEIGHT = 190  # px: the token strip and the buttons, presenting
VERDICT_HEIGHT = 40  # px: the outputs at the last token, presenting


def render(model: cells.Model, L: dict) -> None:
    V = L["pairs"]
    present = presenting()
    with controls_container(L):
        text_a, text_b = pair_ui(model, L)
    tok_a, tok_b = tokens_of(model.id, text_a, model), tokens_of(model.id, text_b, model)
    if not tok_a or not tok_b:
        st.info(V["empty"])
        return
    if max(len(tok_a), len(tok_b)) > MAX_TOKENS:
        st.warning(V["too_long"].format(limit=MAX_TOKENS))
        return
    for which, text in (("A", text_a), ("B", text_b)):
        reason = cannot_read(model, text)  # prose into aⁿbⁿ, words into the sunspot model
        if reason is not None:
            st.info(V["unreadable"][reason.why].format(which=which, piece=markdown_safe(reason.piece)))
            return
    ta, tb = traced(model.id, text_a, model), traced(model.id, text_b, model)
    matched = alignment(ta.tokens, tb.tokens)  # the two sentences' token positions, aligned
    tokens = pair_tokens(ta.tokens, tb.tokens, matched)
    seq = sequence_id("pairs", model.id, text_a, text_b)
    anchor = anchor_step((seq,), seq)
    compact = model.card.tokenizer.kind == "char"
    synced_stepper(tokens_only_payload(tokens, seq, anchor, L["stepper"], compact))
    card = model.card
    verdict = ta.outputs is not None and card.head_kind == "classes" and card.head.activation == "softmax"
    if verdict:
        labels = [markdown_safe(label_name(L, lab)) for lab in card.output_labels]
        last_a, last_b = ta.outputs[-1], tb.outputs[-1]
        st.markdown(V["verdicts"].format(
            a=", ".join(f"{lab} {p:.2f}" for lab, p in zip(labels, last_a, strict=True)),
            b=", ".join(f"{lab} {p:.2f}" for lab, p in zip(labels, last_b, strict=True))))
    gates = list(model.recurrent.gate_names)
    columns = 2
    if present:  # one gate, as large as the projector allows; the others in the controls
        with controls_container(L):
            if st.session_state.get("pair_gate") not in gates:  # a lesson's stop may set it
                st.session_state["pair_gate"] = gates[-1]
            gates = [st.radio(V["gate"], gates, key="pair_gate", format_func=L["gate_titles"].get)]
        columns = 1
    cols = st.columns(columns)
    with controls_container(L) if present else st.container():
        all_units = all_units_ui(L, model.recurrent.hidden_size, V["all_units_help"])
    font = presentation.font_size()
    screen = presentation.chart_height(STEPPER_HEIGHT + (VERDICT_HEIGHT if verdict else 0), 300)
    limit, height = heatmaps.rows_and_height(screen, font, present, all_units)
    width = presentation.content_width(1 / columns)
    notable = card.notable_in()
    for k, gate in enumerate(gates):
        diff = aligned(ta.gates(0, 0)[gate], tb.gates(0, 0)[gate], matched)  # (positions, H)
        units = heatmaps.shown_units(list(range(diff.shape[1])), diff, notable, limit,
                                     score=largest_difference(diff))
        # a difference is unbounded: the chart states its symmetric range once in the title
        fig = charts.heatmap_figure(diff, tokens, gate, anchor, units, height=height, kind="state",
                                    title=V["difference"].format(gate=L["gate_titles"][gate]),
                                    words=chart_words(L), font_size=font, width=width)
        fig.update_traces(colorscale=charts.DIVERGING)
        fig.update_layout(plot_bgcolor=GAP_COLOUR)  # a gap (NaN) shows the background
        cols[k % columns].plotly_chart(fig, key=f"pair-{gate}", theme=None, config={"displaylogo": False})
    if not present:
        how_to_read_ui(L, V["how"], "pairs")
