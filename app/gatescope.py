"""Gatescope: pick a trained model, type a sentence, step through every gate.

Run from the project root: ``python -m streamlit run app/gatescope.py``.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/gatescope.py` puts only app/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app import presentation, static_assets, urlstate  # noqa: E402
from app.sidebar import card_ui, language_ui, model_ui, upload_ui  # noqa: E402
from app.views import (  # noqa: E402
    compare,
    explorer,
    findunit,
    gradients,
    intervene,
    pairs,
    saturation,
)

VIEWS = {
    "explorer": explorer,
    "compare": compare,
    "pairs": pairs,
    "gradients": gradients,
    "intervene": intervene,
    "saturation": saturation,
    "findunit": findunit,
}


def view_picker_ui(L: dict) -> str:
    urlstate.seed("view", urlstate.take("view"), list(VIEWS))
    view = st.sidebar.radio(L["view"], list(VIEWS), format_func=L["views"].get, key="view")
    urlstate.note("view", view)
    return view


def main() -> None:
    st.set_page_config(page_title="Gatescope", page_icon="🔬", layout="wide")
    urlstate.start()
    link_notice = st.container()  # what the link held that the page could not use (end of run)
    L = language_ui()
    presentation.start()
    view = view_picker_ui(L)
    if view == "explorer":  # its charts are drawn by Plotly.js in the page: fetch it first
        static_assets.preload_ui()
    presenting = presentation.presentation_ui(L, {k: L["views"][k] for k in VIEWS})
    if not presenting:  # one line, so that the first screen is the view's chart
        st.html(f'<p class="gs-header"><b>{html.escape(L["title"])}</b>'
                f'<span>{html.escape(L["tagline"])}</span></p>')
    uploaded = upload_ui(L)
    model = uploaded or model_ui(L)
    if model is not None:
        card_ui(model, L)
        VIEWS[view].render(model, L)
    with link_notice:
        urlstate.report_ui(L)
    if model is not None:
        urlstate.publish()


main()
