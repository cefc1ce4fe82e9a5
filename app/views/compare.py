"""Side by side: one sentence through the LSTM, GRU and RNN of the same task, one shared cursor,
gate roles lined up (LSTM forget ↔ GRU keep-share z, LSTM input ↔ GRU write-share 1 − z; no output
gate in the GRU, no gates at all in the RNN)."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import cells
from app import charts, heatmaps, presentation, zoo
from app.expanders import how_to_read_ui
from app.i18n import SYMBOLS, arch_name, chart_words, model_metrics
from app.labels import markdown_safe
from app.payload import sequence_id, tokens_only_payload
from app.presentation import controls_container, presenting
from app.sentence import sentence_ui, traced
from app.stepper import anchor_step, synced_stepper
from app.units_ui import all_units_ui
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
COLUMN_GAP = 16  # px: Streamlit's gap between columns


def named_title(L: dict, cell: str, gate: str) -> str:
    """"GRU: update gate u = 1 − z": the cell and the gate, without the gate's note (the role's
    heading above the row says what the row compares)."""
    words = {**L["gates"][gate], "symbol": unbroken(SYMBOLS.get(gate, gate))}
    return f"{arch_name(L, cell)}: {L['gate_formats']['title'].format(**words)}"


def short_title(L: dict, cell: str, gate: str) -> str:
    """"GRU: u = 1 − z": the heading above the row names the gates in words."""
    return f"{arch_name(L, cell)}: {unbroken(SYMBOLS.get(gate, gate))}"


def unbroken(symbol: str) -> str:
    """"u = 1 − z" with no-break spaces: a wrapped title keeps it on one line."""
    return symbol.replace(" ", "\u00a0")


def row_figures(L: dict, drawn: list[tuple[cells.Model, cells.Trace, str, np.ndarray, list[int]]],
                step: int, height: int, font: int, width: int) -> list[go.Figure]:
    """One row's heatmaps, one per (model, trace, gate, values (T, H), units shown), each ``width``
    px wide: titled as ``named_title`` where every title of the row stays on one line, else as
    ``short_title`` — narrow columns keep their titles short and their plots high. A title starts
    after the y axis's labels and wraps in what is left of the column (``charts.readable``)."""
    for form in (named_title, short_title):
        figures = []
        for m, tr, name, values, units in drawn:
            title = form(L, m.recurrent.cell, name)
            fig = charts.heatmap_figure(values, tr.tokens, name, step, units, height=height, title=title,
                                        words=chart_words(L), kind=m.recurrent.spec.kind(name),
                                        font_size=font, width=width)
            # the title as heatmap_figure wrote it (with its colour range, if any), wrapped again;
            # these titles have spaces, so every line break stands for one
            written = html.unescape(fig.layout.title.text.replace("<br>", " "))
            figures.append(charts.readable(fig, written, font, width - COLUMN_GAP))
        if not any("<br>" in fig.layout.title.text for fig in figures):
            break
    return figures


def units_shown(model: cells.Model, values: np.ndarray, limit: int | None) -> list[int]:
    """The rows of one model's heatmap (``heatmaps.shown_units``): its card's notable units, then
    the units that change most over the sentence in this gate, in index order; None: all."""
    return heatmaps.shown_units(list(range(values.shape[1])), values, model.card.notable_in(), limit)


def same_top(figures: list) -> None:
    """One row's charts start their plots at the same height: every top margin grows to the row's
    largest (a title of more lines), the titles stay at the top."""
    top = max((fig.layout.margin.t or 0 for fig in figures), default=0)
    for fig in figures:
        fig.update_layout(margin=dict(t=top))


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
    with controls_container(L) if present else st.container():
        all_units = all_units_ui(L, max(m.recurrent.hidden_size for m in models))
    font = presentation.font_size()
    screen = presentation.chart_height(STEPPER_HEIGHT + HEADING_HEIGHT, 300)
    limit, height = heatmaps.rows_and_height(screen, font, present, all_units)
    width = presentation.content_width(1 / len(models))
    for role in roles:
        by_cell = ROLES[role]
        charts_area.markdown(f"**{V['roles'][role]}**")
        cols = charts_area.columns(len(models))
        shown = [(col, m, tr, by_cell.get(m.recurrent.cell))
                 for col, m, tr in zip(cols, models, traces, strict=True)]
        for col, m, _, gate in shown:
            if gate is None:
                col.caption(V["missing"][role].format(cell=arch_name(L, m.recurrent.cell)))
        drawn = [(col, m, tr, *role_values(tr, gate)) for col, m, tr, gate in shown if gate is not None]
        drawn = [(*d, units_shown(d[1], d[4], limit)) for d in drawn]
        figures = row_figures(L, [d[1:] for d in drawn], anchor, height, font, width)
        row = [(col, fig, f"cmp-{role}-{m.id}") for (col, m, *_), fig in zip(drawn, figures, strict=True)]
        same_top([fig for _, fig, _ in row])
        for col, fig, key in row:
            col.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False})
    if present:
        return
    cols = st.columns(len(models))  # below the charts: the first screen shows the first row of them
    for col, m in zip(cols, models, strict=True):
        col.markdown(f"**{arch_name(L, zoo.arch_of(m.card))}** — "
                     f"{markdown_safe(model_metrics(L, m.id, m.card.metric_summary))}")
    how_to_read_ui(L, V["how"], "compare")
