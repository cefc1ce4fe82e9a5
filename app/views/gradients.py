"""Vanishing gradients: how strongly the output at a chosen step depends on each earlier input
(log scale), RNN against LSTM against GRU on the same task; and memory lifetime: how much of what
was written at step s survives at step t (running product of LSTM forget gates / GRU keep-shares)."""

from __future__ import annotations

import numpy as np
import streamlit as st

import cells
from app import charts, presentation, urlstate, zoo
from app.expanders import how_to_read_ui
from app.i18n import arch_name, chart_words, label_name
from app.labels import visible
from app.payload import sequence_id
from app.presentation import controls_container, presenting
from app.sentence import markdown_safe, sentence_ui, tokens_of, traced
from app.views.compare import siblings
from cells.gradients import input_gradient_norms
from cells.registry import SPECS

MAX_GRADIENT_TOKENS = 400
SLIDER_HEIGHT = 90  # px: the step slider, presenting
NOTE_HEIGHT = 40  # px: the caption under the chart, presenting
TARGET = "_grad_step"  # the chosen step, kept across sentences and views


@st.cache_resource(max_entries=32, show_spinner=False)
def gradient_norms(model_id: str, text: str, step: int, _model: cells.Model) -> tuple[np.ndarray, int]:
    """‖∂ logit / ∂ x_s‖ for the class (or next character) the model predicts at ``step``."""
    trace = traced(model_id, text, _model)
    output = None
    if trace.outputs is not None and _model.head is not None:
        output = int(np.argmax(trace.outputs[step]))
    x = trace.layer_inputs[0]  # (T, I): the embedded tokens the trace was made from
    return input_gradient_norms(_model, x, step, output, trace=trace), output


def render(model: cells.Model, L: dict) -> None:
    V = L["gradients"]
    present = presenting()
    with controls_container(L):
        reading = sentence_ui(model, L)
    if reading is None:
        return
    text = reading.text
    tokens = tokens_of(model.id, text, model)
    if len(tokens) > MAX_GRADIENT_TOKENS:
        st.warning(V["too_long"].format(limit=MAX_GRADIENT_TOKENS))
        text = text[: tokens[MAX_GRADIENT_TOKENS - 1].end]
    models = siblings(model)
    trace = traced(models[0].id, text, models[0])
    step = target_step_ui(trace, text, V)
    series, notes = {}, []
    for m in models:
        norms, output = gradient_norms(m.id, text, step, m)
        name = arch_name(L, zoo.arch_of(m.card))
        series[name] = np.where(norms > 0, norms, np.nan)[: step + 1]
        if output is not None:
            notes.append(f"{name}: {predicted_label(L, m, output)}")
    no_rnn = all(SPECS[m.recurrent.cell].sigmoid_gates for m in models)  # no gateless (plain) RNN
    if model.card.head_kind == "value":  # no logit, no label: the value the head predicts
        captions = [V["target_note_value"]] if notes else []
    else:
        captions = [V["target_note"] + " " + " · ".join(notes)] if notes else []
    captions += [V["no_rnn"]] if no_rnn else []
    fig = charts.lines_figure(series, trace.tokens[: step + 1], V["chart"].format(step=step),
                              V["y"], log=True, mark=step, words=chart_words(L),
                              font_size=presentation.font_size(), width=presentation.content_width(),
                              height=presentation.chart_height(
                                  SLIDER_HEIGHT + NOTE_HEIGHT * len(captions), 360))
    st.plotly_chart(fig, key="gradients", theme=None, config={"displaylogo": False})
    for caption in captions:
        st.caption(caption)
    if present:  # the projector shows the gradients; the lifetimes are one click away in the page
        return
    lifetime_ui(models, text, L)
    how_to_read_ui(L, V["how"], "gradients")


def target_step_ui(trace: cells.Trace, text: str, V: dict) -> int:
    """The step whose output the chart explains: kept across sentences (cut to the last step), in
    the link as ``gstep``. The slider is a new widget per sentence — its options are the tokens —
    so the browser never shows a step the chart is not drawn at."""
    state, steps = st.session_state, trace.steps
    urlstate.seed(TARGET, urlstate.take_int("gstep"), list(range(steps)))
    key = f"grad_step-{sequence_id(trace.tokens, text)}"
    state[key] = min(state.get(TARGET, steps - 1), steps - 1)
    step = st.select_slider(V["target"], options=list(range(steps)), key=key,
                            format_func=lambda t: f"{t}: {visible(trace.tokens[t])}",
                            on_change=lambda: state.update({TARGET: state[key]}))
    urlstate.note("gstep", step)
    return int(step)


def predicted_label(L: dict, model: cells.Model, output: int) -> str:
    """What a model predicts, readable: a class name, or the next token quoted and made visible (a
    character model's most likely next character is often a space)."""
    labels = model.card.output_labels
    label = labels[output] if output < len(labels) else str(output)
    if model.card.head_kind == "classes":
        return label_name(L, label)
    return f"“{markdown_safe(visible(label))}”"


def lifetime_ui(models: list[cells.Model], text: str, L: dict) -> None:
    from cells.memory import lifetime_mean

    V = L["gradients"]
    st.markdown(f"#### {V['lifetime']}")
    st.caption(V["lifetime_how"])
    gated = [m for m in models if m.recurrent.spec.role_gate("keep") is not None]
    cols = st.columns(max(1, len(gated)))
    for col, m in zip(cols, gated, strict=False):
        trace = traced(m.id, text, m)
        matrix = lifetime_mean(trace, 0, 0).T  # (T, T): row t read at, column s written at
        name = arch_name(L, zoo.arch_of(m.card))
        fig = charts.matrix_figure(np.tril(matrix), trace.tokens, f"{name}", V["lifetime_hover"],
                                   width=presentation.content_width(1 / max(1, len(gated))))
        col.plotly_chart(fig, key=f"lifetime-{m.id}", theme=None, config={"displaylogo": False})
    if len(gated) < len(models):  # a cell with no keep gate (the vanilla RNN)
        st.caption(V["lifetime_rnn"])
