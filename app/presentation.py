"""Presentation mode for projectors: large type, high contrast, controls tucked away."""

from __future__ import annotations

import streamlit as st

from app import urlstate

CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px !important; }
[data-testid="stAppViewContainer"] { background: #ffffff; color: #000000; }
[data-testid="stMarkdownContainer"] p, label, .stCaption {
  font-size: 1.15rem !important; color: #000 !important;
}
h1 { font-size: 3rem !important; }
[data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {
  display: none;
}
</style>
"""


def presentation_ui(L: dict) -> bool:
    urlstate.seed("present", {"1": True, "0": False}.get(urlstate.take("present") or ""))
    on = st.sidebar.toggle(L["present"], key="present", help=L["present_help"])
    urlstate.note("present", "1" if on else None)
    if on:
        st.html(CSS)
        st.button(L["present_exit"], key="present_exit", on_click=_leave)
    return on


def _leave() -> None:
    st.session_state["present"] = False


def controls_container(L: dict):
    """Where a view puts its controls: tucked into an expander while presenting."""
    if st.session_state.get("present"):
        return st.expander(L["controls"])
    return st.container()
