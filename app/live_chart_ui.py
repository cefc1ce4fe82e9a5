"""Mount the live chart component (``live_chart.js``): one stable element that holds a Plotly
figure and updates it in place (``Plotly.react``) each time the server sends a new one, for a
chart that changes every second (the Train view's loss while it trains)."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from app import static_assets
from app.plotly_loader import with_plotly_loader

HERE = Path(__file__).parent
static_assets.ensure_plotly_js()
_component = st.components.v2.component(
    "gatescope_live_chart",
    css=".gs-live-error { color: #b00020; font-weight: 600; }",
    js=with_plotly_loader("live_chart.js"),
    isolate_styles=False,  # Plotly puts its CSS in the document head; a shadow root would hide it
)


def live_chart_ui(fig: go.Figure, key: str) -> None:
    """Draw ``fig`` under ``key``, or update the chart already drawn there in place."""
    figure = json.loads(fig.to_json())  # plain JSON (Plotly's encoder: no NumPy left)
    _component(data={"figure": {"data": figure["data"], "layout": figure["layout"]},
                     "plotly_url": static_assets.URL}, key=key)
