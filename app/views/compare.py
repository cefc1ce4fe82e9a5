"""Side by side: one sentence through the LSTM, GRU and RNN of the same task, one shared cursor,
gate roles lined up (LSTM forget ↔ GRU keep-share z, LSTM input ↔ GRU write-share 1 − z; no output
gate in the GRU, no gates at all in the RNN)."""

from __future__ import annotations

import numpy as np
import streamlit as st

import cells
from app import charts, presentation, zoo
from app.i18n import arch_name, chart_words, model_metrics
from app.payload import sequence_id, tokens_only_payload
from app.presentation import controls_container, presenting
from app.sentence import sentence_ui, traced
from app.stepper import anchor_step, synced_stepper
from cells.registry import SPECS

# the rows of this view (string table's roles) -> the role in the cells' specs
SPEC_ROLES = {"keep": "keep", "write": "write", "candidate": "candidate", "output": "read",
              "reset": "reset", "hidden": "hidden"}
# role -> gate that plays it in each cell (None: the cell has nothing in that role); "u" is 1 − z
ROLES: dict[str, dict[str, str | None]] = {
    role: {name: spec.role_gate(of) for name, spec in SPECS.items()} for role, of in SPEC_ROLES.items()
}
# the memory itself: the LSTM's cell state c (the GRUs' and the RNN's memory is h, the row above)
ROLES["cell"] = {name: ("c" if "c" in spec.keys else None) for name, spec in SPECS.items()}
ROLES = {role: ROLES[role] for role in (*[r for r in ROLES if r not in ("cell", "hidden")], "cell", "hidden")}
SHOWN = "cmp_roles"  # the rows shown in the page (a lesson may pick a few)


def role_values(trace: cells.Trace, gate: str) -> tuple[str, np.ndarray]:
    gates = trace.gates(0, 0)
    if gate == "u":  # the write share of a GRU-like cell: 1 − its keep share z
        return "u", 1.0 - gates["z"]
    return gate, gates[gate]


def siblings(model: cells.Model) -> list[cells.Model]:
    """The unidirectional models of the same task, LSTM first; a model that is not shipped (one
    trained in the page or uploaded) first, beside the shipped ones."""
    folder = str(zoo.models_dir())
    task = model.card.task
    entries = [e for e in zoo.catalogue(folder) if e.task == task and not e.arch.startswith("bi")]
    shipped = [zoo.load_model(e.id, folder) for e in entries]
    return shipped if any(m.id == model.id for m in shipped) else [model, *shipped]


STEPPER_HEIGHT = 190  # px: the token strip and the buttons, presenting
HEADING_HEIGHT = 48  # px: a role's heading, presenting


def render(model: cells.Model, L: dict) -> None:
    V = L["compare"]
    present = presenting()
    with controls_container(L):
        reading = sentence_ui(model, L)
    if reading is None:
        return
    text = reading.text
    models = siblings(model)
    traces = [reading.trace if m.id == model.id else traced(m.id, text, m) for m in models]
    tokens = traces[0].tokens
    seq = sequence_id("compare", *(m.id for m in models), text)
    anchor = anchor_step((seq,), seq)
    compact = model.card.tokenizer.kind == "char"
    synced_stepper(tokens_only_payload(tokens, seq, anchor, L["stepper"], compact))
    roles = [role for role, by_cell in ROLES.items() if any(by_cell.get(m.recurrent.cell) for m in models)]
    charts_area = st.container()  # the charts first: the first screen shows them, the choice below
    if present:  # one role, as large as the projector allows; the others in the controls
        with controls_container(L):
            if st.session_state.get("cmp_role") not in roles:
                st.session_state.pop("cmp_role", None)
            roles = [st.radio(V["role"], roles, key="cmp_role", format_func=V["roles"].get)]
    else:
        st.session_state[SHOWN] = [r for r in st.session_state.get(SHOWN, roles) if r in roles]
        roles = st.multiselect(V["shown"], roles, key=SHOWN, format_func=V["roles"].get)
    height = presentation.chart_height(STEPPER_HEIGHT + HEADING_HEIGHT, 300)
    width = presentation.content_width(1 / len(models))
    for role in roles:
        by_cell = ROLES[role]
        charts_area.markdown(f"**{V['roles'][role]}**")
        cols = charts_area.columns(len(models))
        for col, m, tr in zip(cols, models, traces, strict=True):
            gate = by_cell.get(m.recurrent.cell)
            if gate is None:
                col.caption(V["missing"][role].format(cell=arch_name(L, m.recurrent.cell)))
                continue
            name, values = role_values(tr, gate)
            fig = charts.heatmap_figure(values, tr.tokens, name, anchor, height=height,
                                        title=f"{arch_name(L, m.recurrent.cell)}: "
                                        f"{L['gate_titles'][name]}", words=chart_words(L),
                                        kind=m.recurrent.spec.kind(name),
                                        font_size=presentation.font_size(), width=width)
            col.plotly_chart(fig, key=f"cmp-{role}-{m.id}", theme=None, config={"displaylogo": False})
    if present:
        return
    cols = st.columns(len(models))  # below the charts: the first screen shows the first row of them
    for col, m in zip(cols, models, strict=True):
        col.markdown(f"**{arch_name(L, zoo.arch_of(m.card))}** — "
                     f"{model_metrics(L, m.id, m.card.metric_summary)}")
    with st.expander(L["how_to_read"]):
        st.markdown(V["how"])
