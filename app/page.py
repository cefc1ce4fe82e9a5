"""The page: the header, the sidebar (language, view, model), a lesson's panel and the view.
``app/gatescope.py`` runs ``main`` for every run of the page."""

from __future__ import annotations

import html

import streamlit as st

from app import lesson_ui, presentation, serving, static_assets, urlstate
from app.sidebar import card_ui, language_ui, model_ui, upload_ui
from app.views import (
    compare,
    explorer,
    findunit,
    gradients,
    intervene,
    pairs,
    saturation,
    train,
)

VIEWS = {
    "explorer": explorer,
    "compare": compare,
    "pairs": pairs,
    "gradients": gradients,
    "intervene": intervene,
    "saturation": saturation,
    "findunit": findunit,
    "train": train,
}


def view_picker_ui(L: dict) -> str:
    urlstate.seed("view", urlstate.take("view"), list(VIEWS))
    view = st.sidebar.radio(L["view"], list(VIEWS), format_func=L["views"].get, key="view")
    urlstate.note("view", view)
    return view


@st.fragment
def view_fragment(view: str, model, L: dict) -> None:
    """The view, as a fragment: a change of one of its own controls (a new sentence, a unit, the
    stepper's step) reruns the view alone; the sidebar, the header and the card are neither rebuilt
    nor re-sent (about a third of a rerun's server time with a class on the server). The link is
    published from here too, since a fragment's rerun does not reach the end of ``main``."""
    VIEWS[view].render(model, L)
    urlstate.publish()


def main() -> None:
    st.set_page_config(page_title="Gatescope", page_icon="🔬", layout="wide")
    urlstate.start()
    lesson_ui.start()  # a lesson link's stop, before the widgets take the link's values
    link_notice = st.container()  # what the link held that the page could not use (end of run)
    L = language_ui()
    presentation.start()
    view = view_picker_ui(L)
    if view == "explorer":  # its charts are drawn by Plotly.js in the page: fetch it first
        static_assets.preload_ui()
    presenting = presentation.presentation_ui(L, {k: L["views"][k] for k in VIEWS})
    if not presenting and lesson_ui.current() is None:  # one line: the first screen is the chart
        # the last, empty column keeps the lessons box clear of Streamlit's ⋮ menu (top right)
        header, index, _ = st.columns([3, 1, 0.06], vertical_alignment="center")
        header.html(f'<p class="gs-header"><b>{html.escape(L["title"])}</b>'
                    f'<span>{html.escape(L["tagline"])}</span></p>')
        with index:
            lesson_ui.first_screen_ui(L)
    lesson_ui.index_ui(L)
    lesson_ui.panel_ui(L)
    uploaded = upload_ui(L)
    model = uploaded or train.trained_model_ui(L) or model_ui(L)
    if model is not None:
        card_ui(model, L, train.trained_texts(model, L))
        if presenting:  # the view's controls go into the bar's popover, outside any fragment
            VIEWS[view].render(model, L)
        else:
            view_fragment(view, model, L)
    with link_notice:
        urlstate.report_ui(L)
    if model is not None:
        urlstate.publish()
    serving.tune_gc()  # once per server process, after the first run has imported everything

