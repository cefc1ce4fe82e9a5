"""Interventions: clamp a gate (all units or chosen ones, over a range of steps) or silence a unit,
rerun, and compare before/after heatmaps and outputs."""

from __future__ import annotations

import numpy as np
import streamlit as st

import cells
from app import charts, heatmaps, presentation, urlstate
from app.expanders import how_to_read_ui
from app.i18n import arch_name, chart_words, label_name
from app.iv_link import link_value, parse_link, value_range  # noqa: F401  (parse_link: the link's reader)
from app.payload import next_token_probability
from app.presentation import controls_container, presenting
from app.sentence import sentence_ui
from app.units_ui import all_units_ui
from cells.intervene import CLAMPABLE, Clamp, trace_clamped
from cells.registry import SPECS

KEY = "clamps"
OUTPUTS_HEIGHT = 230  # px: the outputs before and after, presenting


def _presets() -> dict[str, tuple[set[str], list[tuple[str, float]]]]:
    """name -> the cells it applies to and its clamps as (gate, value): each cell's spec lists
    its presets."""
    out: dict[str, tuple[set[str], list[tuple[str, float]]]] = {}
    for spec in SPECS.values():
        for name, items in spec.presets:
            out.setdefault(name, (set(), list(items)))[0].add(spec.name)
    return out


PRESETS = _presets()


def to_clamps(clamps: list[dict]) -> list[Clamp]:
    return [Clamp(gate=c["gate"], value=float(c["value"]),
                  units=None if c["units"] is None else tuple(c["units"]),
                  steps=None if c["steps"] is None else (c["steps"][0], c["steps"][1]))
            for c in clamps]


@st.cache_resource(max_entries=32, show_spinner=False)
def clamped(model_id: str, text: str, spec: str, _model: cells.Model,
            _clamps: tuple[Clamp, ...], _zero: tuple[int, ...]) -> cells.Trace:
    return trace_clamped(_model, text, list(_clamps), [(0, 0, u) for u in _zero])


def fitting(clamps: list[dict], cell: str, hidden: int) -> tuple[list[dict], list[dict]]:
    """(the clamps this cell can take, the ones it cannot): a clamp made on another model may name
    a gate this cell has no clampable version of, or units beyond its hidden size."""
    def fits(c: dict) -> bool:
        return c["gate"] in CLAMPABLE[cell] and all(0 <= u < hidden for u in c["units"] or ())

    return [c for c in clamps if fits(c)], [c for c in clamps if not fits(c)]


def editor_ui(model: cells.Model, steps: int, L: dict) -> list[dict]:
    V = L["intervene"]
    cell = model.recurrent.cell
    gates = list(CLAMPABLE[cell])
    clamps: list[dict] = st.session_state.setdefault(KEY, [])
    kept, dropped = fitting(clamps, cell, model.recurrent.hidden_size)
    if dropped:  # made on another model: say so, and keep the ones this cell can take
        clamps[:] = kept
        st.warning(V["dropped"].format(
            cell=arch_name(L, cell),
            clamps=", ".join(f"{c['gate']} = {c['value']:g}" for c in dropped)))
    if st.session_state.get("iv_gate") not in gates:  # the gate picker of another cell
        st.session_state.pop("iv_gate", None)
    hidden = model.recurrent.hidden_size
    st.session_state["iv_units"] = [u for u in st.session_state.get("iv_units", []) if u < hidden]
    if not gates:  # a plain RNN: nothing to clamp, units to silence
        st.caption(V["no_gates"])
        return clamps

    def add(items: list[tuple[str, float]], units=None, span=None) -> None:
        for gate, value in items:
            clamps.append({"gate": gate, "value": value, "units": units, "steps": span})

    presets = [(n, items) for n, (cells_, items) in PRESETS.items() if cell in cells_]
    # the presets side by side at their own widths, wrapping when the row is full (no label cut,
    # in the page or in the bar's popover); then the editor in one row
    if presets:
        st.markdown(f"**{V['presets']}**")
        row = st.container(horizontal=True, key="iv_presets")
        for name, items in presets:
            row.button(V["preset_names"][name], key=f"preset-{name}", on_click=add, args=(items,))
        row.button(V["clear"], key="iv_clear", on_click=clamps.clear)
    cols = st.columns([1.2, 1, 2, 2, 1.4], vertical_alignment="bottom")
    gate = cols[0].selectbox(V["gate"], gates, key="iv_gate",
                             format_func=lambda g: L["gate_titles"][g])
    low, high = value_range(model.recurrent.spec, gate)
    value = cols[1].number_input(V["value"], min_value=low, max_value=high, value=1.0, step=0.1,
                                 key="iv_value")
    units = cols[2].multiselect(V["units"], list(range(model.recurrent.hidden_size)), key="iv_units")
    span = cols[3].slider(V["steps"], 0, max(steps - 1, 1), (0, max(steps - 1, 1)), key="iv_steps")
    cols[4].button(V["add"], key="iv_add", on_click=lambda: add(
        [(gate, float(value))], sorted(units) or None, [span[0], span[1] + 1]))
    return clamps


def render(model: cells.Model, L: dict) -> None:
    """The sentence, then the outputs over it (before, and after the interventions), then the
    presets and the editor, then each gate before and after. Presenting: the outputs and the
    clamped gate before and after fill the projector; the editor is in the controls."""
    V = L["intervene"]
    present = presenting()
    rec = model.recurrent
    restored = parse_link(urlstate.take("iv"), rec.spec, rec.hidden_size)
    if restored is not None:  # what the link held that the widgets could not: dropped, and said
        st.session_state[KEY], st.session_state[f"iv_zero-{model.id}"], dropped = restored
        for where, bad in dropped:
            urlstate.drop(f"iv.{where}" if where != "iv" else "iv", bad)
    with controls_container(L):
        reading = sentence_ui(model, L)
    if reading is None:
        return
    text, before = reading.text, reading.trace
    outputs_area = st.container()  # first: a chart in the first screen, above the editor
    with controls_container(L):
        clamps = editor_ui(model, before.steps, L)
        zero = st.multiselect(V["zero"], list(range(rec.hidden_size)), key=f"iv_zero-{model.id}")
    urlstate.note("iv", link_value(clamps, zero))
    after = None
    if clamps or zero:
        spec = link_value(clamps, zero) or ""
        after = clamped(model.id, text, spec, model, tuple(to_clamps(clamps)), tuple(zero))
    with outputs_area:
        outputs_ui(model, before, after, L)
    if after is None:
        st.info(V["none"])
        return
    if not present:
        st.markdown(f"**{V['active']}**")
    for c in clamps:
        units = V["all"] if c["units"] is None else ", ".join(map(str, c["units"]))
        start, end = (0, before.steps) if c["steps"] is None else c["steps"]
        st.caption(V["clamp_line"].format(gate=c["gate"], value=c["value"], units=units, start=start,
                                          end=end - 1))
    gates = list(rec.gate_names)
    if present:  # the gate clamped first (else the hidden state), before and after
        gates = [next((c["gate"] for c in clamps if c["gate"] in gates), gates[-1])]
    with controls_container(L) if present else st.container():
        all_units = all_units_ui(L, rec.hidden_size, V["all_units_help"])
    font = presentation.font_size()
    limit, height = heatmaps.rows_and_height(
        presentation.chart_height(OUTPUTS_HEIGHT + 40 * len(clamps), 280), font, present, all_units)
    # pinned on top: the units the user clamped or silenced, then the card's notable ones
    chosen = [u for c in clamps for u in c["units"] or ()] + list(zero) + model.card.notable_in()
    for gate in gates:
        was, now = before.gates(0, 0)[gate], after.gates(0, 0)[gate]  # (T, H) each
        units = heatmaps.shown_units(list(range(rec.hidden_size)), was, chosen, limit,
                                     score=np.abs(now - was).max(axis=0) if len(was) else None)
        cols = st.columns(2)
        for col, values, label in ((cols[0], was, V["before"]), (cols[1], now, V["after"])):
            fig = charts.heatmap_figure(values, before.tokens, gate, 0, units, height=height,
                                        title=f"{L['gate_titles'][gate]} — {label}",
                                        words=chart_words(L), kind=rec.spec.kind(gate),
                                        font_size=font, width=presentation.content_width(0.5))
            fig.layout.shapes = ()  # no cursor: whole runs compared (update_layout(shapes=[]) keeps it)
            col.plotly_chart(fig, key=f"iv-{gate}-{label}", theme=None, config={"displaylogo": False})
    if not present:
        how_to_read_ui(L, V["how"], "intervene")


def outputs_ui(model: cells.Model, before: cells.Trace, after: cells.Trace | None, L: dict) -> None:
    """The outputs at every step as trained and, when there is an intervention, after it."""
    V = L["intervene"]
    kind = model.card.head_kind
    if before.outputs is None:
        return
    runs = [(V["before"], before)] + ([] if after is None else [(V["after"], after)])
    series: dict[str, np.ndarray] = {}
    if kind == "value":
        series = {name: tr.outputs[:, 0] for name, tr in runs}
    elif kind == "classes":
        for k, raw in enumerate(model.card.output_labels):
            for name, tr in runs:
                series[f"{label_name(L, str(raw))} · {name}"] = tr.outputs[:, k]
    else:
        series = {f"{L['p_next']} · {name}": next_token_probability(tr) for name, tr in runs}
    fig = charts.lines_figure(series, before.tokens, V["outputs"], "", words=chart_words(L),
                              font_size=presentation.font_size(), width=presentation.content_width(),
                              height=(OUTPUTS_HEIGHT if after is not None  # the gates below it
                                      else presentation.chart_height(90, 0)) if presenting() else None)
    st.plotly_chart(fig, key="iv-outputs", theme=None, config={"displaylogo": False})
