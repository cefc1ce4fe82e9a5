"""Find the unit: for tasks with a known hidden variable (the count in aⁿbⁿ, the subject's number in
agreement, inside-a-quotation in prose), rank every unit of every gate and state by how well it
tracks that variable, and show the best one in the explorer in one click."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

import cells
from app import charts, presentation
from app.expanders import how_to_read_ui
from app.i18n import chart_words, notable_text, task_name
from app.labels import markdown_safe, signed
from app.presentation import controls_container, presenting
from app.sentence import sentence_ui
from cells import probe, tasks

# task -> (variable name in the string table, extractor over the tokens), from cells.tasks' registry
VARIABLES: dict[str, list[tuple[str, Callable]]] = {
    task: [(v.name, v.extract) for v in tasks.hidden_variables(task)]
    for task in tasks.tasks_with_hidden_variables()
}
TOP = 10
CHOICE_HEIGHT = 140  # px: the variable's choice and the button, presenting


def ranking(trace: cells.Trace, target: np.ndarray, layer: int, direction: int
            ) -> list[tuple[str, int, float, float]]:
    """(gate, unit, score, correlation) over every gate and state of one layer, best first."""
    rows = []
    for gate, values in trace.gates(layer, direction).items():
        rows += [(gate, u, s, r) for u, s, r in probe.rank_units(values, target)]
    return sorted(rows, key=lambda row: (-row[2], row[0], row[1]))


def show_in_explorer(model_id: str, cell: str, gate: str, unit: int) -> None:
    st.session_state["view"] = "explorer"
    st.session_state[f"unit-{model_id}"] = unit
    st.session_state[f"order_by-{cell}"] = gate


def render(model: cells.Model, L: dict) -> None:
    V = L["findunit"]
    present = presenting()
    task = model.card.task
    variables = VARIABLES.get(task)
    if not variables:
        st.info(V["no_variable"].format(tasks=V["list_sep"].join(task_name(L, k, k) for k in VARIABLES)))
        return
    with controls_container(L):
        reading = sentence_ui(model, L)
    if reading is None:
        return
    trace = reading.trace
    names = [name for name, _ in variables]
    name = st.radio(V["variable"], names, key="fu_var", horizontal=True, format_func=V["variables"].get)
    target = dict(variables)[name](trace.tokens)
    if np.ptp(target) == 0 if len(target) else True:
        st.warning(V["constant"])
        return
    rows = ranking(trace, target, 0, 0)
    gate, unit, score, corr = rows[0]
    st.button(V["show"].format(gate=L["gate_titles"][gate], unit=unit, r=signed(corr, 2)), key="fu_show",
              on_click=show_in_explorer, args=(model.id, model.recurrent.cell, gate, unit),
              type="primary")
    values = trace.gates(0, 0)[gate][:, unit]
    scale = float(np.abs(values).max() or 1) / float(np.abs(target).max() or 1)
    words = chart_words(L)
    series = {V["variables"][name] + f" (× {scale:.2g})": target * scale,
              f"{L['gate_titles'][gate]} · {words['unit'].format(unit=unit)}": values}
    fig = charts.lines_figure(series, trace.tokens, V["chart"], "", words=words,
                              font_size=presentation.font_size(), width=presentation.content_width(),
                              height=presentation.chart_height(CHOICE_HEIGHT, 360))
    st.plotly_chart(fig, key="fu-chart", theme=None, config={"displaylogo": False})
    if present:  # the projector shows the chart; the table is one click away in the page
        return
    st.markdown(f"**{V['table']}**")
    st.table([{V["cols"][0]: L["gate_titles"][g], V["cols"][1]: u, V["cols"][2]: signed(r, 3)}
              for g, u, _, r in rows[:TOP]])
    notable = [n for n in model.card.notable_units if n.what]
    if notable:
        st.caption(V["card_says"] + " " + " · ".join(
            V["notable"].format(unit=words["unit"].format(unit=n.unit),
                                what=markdown_safe(notable_text(L, model.id, n.unit, n.what)))
            for n in notable))
    how_to_read_ui(L, V["how"], "findunit")
