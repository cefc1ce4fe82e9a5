"""Mount the heatmaps component (``heatmaps.js``): one stable element whose Plotly charts stay in the
page and are updated in place when the sentence or the view changes."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import static_assets
from app.plotly_loader import with_plotly_loader

HERE = Path(__file__).parent
static_assets.ensure_plotly_js()
_component = st.components.v2.component(
    "gatescope_heatmaps",
    css=(HERE / "heatmaps.css").read_text("utf-8"),
    js=with_plotly_loader("heatmaps.js", "sentence_route.js"),  # a new sentence drawn at Enter
    isolate_styles=False,  # Plotly puts its CSS in the document head; a shadow root would hide it
)


def heatmaps_ui(payload: dict, key: str = "heatmaps") -> None:
    """Draw (or update in place) the heatmaps of ``payload`` (``app.heatmaps.heatmap_payload``)."""
    # slot: the page keeps the charts of a slot that leaves (another view) for its return
    _component(data={**payload, "plotly_url": static_assets.URL, "slot": key}, key=key)
