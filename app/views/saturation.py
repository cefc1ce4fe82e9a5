"""Gate saturation (Karpathy, Johnson and Fei-Fei 2015): for every unit of a sigmoid gate, the
fraction of steps below 0.1 against the fraction above 0.9, over the sentence or a sample of the
task's text. Select units in the scatter to see them over the sentence."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import cells
from app import charts, presentation
from app.expanders import how_to_read_ui
from app.i18n import chart_words
from app.presentation import controls_container, presenting
from app.sample_text import task_sample
from app.sentence import sentence_ui
from cells.saturation import saturation, saturation_over_texts


@st.cache_resource(max_entries=32, show_spinner=False)
def sample_saturation(model_id: str, gate: str, _model: cells.Model) -> tuple[np.ndarray, np.ndarray]:
    texts = task_sample(_model.card.task, _model.card.samples)
    return saturation_over_texts(_model, texts, 0, 0, gate)


RADIO_HEIGHT = 80  # px: the source and gate choices, presenting


def scatter_figure(low: np.ndarray, high: np.ndarray, title: str, x_title: str, y_title: str,
                   unit_label: str = "unit {unit}", font_size: int = charts.FONT,
                   width: int = charts.WIDTH, height: int = 420) -> go.Figure:
    units = np.arange(len(low))
    fig = go.Figure(go.Scatter(
        x=low, y=high, mode="markers", customdata=units,
        marker=dict(size=9, color=high - low, colorscale=charts.DIVERGING, cmin=-1, cmax=1,
                    line=dict(width=0.5, color="#333")),
        hovertemplate=unit_label.format(unit="%{customdata}")
        + "<br>< 0.1: %{x:.2f}<br>> 0.9: %{y:.2f}<extra></extra>",
    ))
    fig.add_shape(type="line", x0=0, y0=1, x1=1, y1=0, line=dict(dash="dot", color="#999"))
    fig.update_layout(height=height, margin=dict(l=60, r=10, b=50),
                      # shares: both axes stay 0…1 and the square plot shrinks to fit, rather
                      # than the scale anchor stretching an axis's range to the chart's width
                      xaxis=dict(title=x_title, range=[-0.03, 1.03], constrain="domain"),
                      yaxis=dict(title=y_title, range=[-0.03, 1.03], scaleanchor="x",
                                 constrain="domain"),
                      dragmode="select", meta={"gatescope": "scatter"})
    return charts.readable(fig, title, font_size, width)


def render(model: cells.Model, L: dict) -> None:
    V = L["saturation"]
    rec = model.recurrent
    if not rec.sigmoid_gates:
        st.info(V["no_gates"])
        return
    with controls_container(L):
        reading = sentence_ui(model, L)
    if reading is None:
        return
    trace = reading.trace
    cols = st.columns(2)
    source = cols[0].radio(V["source"], ["sentence", "sample"], key="sat_source", horizontal=True,
                           format_func=V["sources"].get)
    gates = list(rec.sigmoid_gates)
    gate = cols[1].radio(V["gate"], gates, key="sat_gate", horizontal=True,
                         format_func=lambda g: L["gate_titles"][g])
    if source == "sample":
        low, high = sample_saturation(model.id, gate, model)
    else:
        low, high = saturation(trace.gates(0, 0)[gate])
    words = chart_words(L)
    font, present = presentation.font_size(), presenting()
    # presenting: the scatter and the units picked in it side by side, filling the projector
    left, right = st.columns(2) if present else (st.container(), st.container())
    height = presentation.chart_height(RADIO_HEIGHT, 480)
    fig = scatter_figure(low, high, V["chart"].format(gate=L["gate_titles"][gate]), V["x"], V["y"],
                         unit_label=words["unit"], font_size=font,
                         width=presentation.content_width(0.5 if present else 1), height=height)
    event = left.plotly_chart(fig, key=f"sat-{gate}-{source}", theme=None, on_select="rerun",
                              selection_mode=("points", "box", "lasso"), config={"displaylogo": False})
    picked = sorted({int(p["customdata"]) for p in (event.selection.points if event else [])
                     if "customdata" in p})
    if not picked:
        right.caption(V["pick"])
    else:
        values = trace.gates(0, 0)[gate]  # (T, H)
        series = {words["unit"].format(unit=u): values[:, u] for u in picked[:12]}
        right.plotly_chart(charts.lines_figure(
            series, trace.tokens, V["picked"].format(gate=L["gate_titles"][gate]), gate, words=words,
            font_size=font, width=presentation.content_width(0.5 if present else 1),
            height=height if present else None), key="sat-picked", theme=None)
    if not present:
        how_to_read_ui(L, V["how"], "saturation")
