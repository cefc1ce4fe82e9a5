"""The "all units" switch shared by every view that draws units as heatmap rows (explorer, side by
side, minimal pairs): off, a heatmap shows at most ``heatmaps.DEFAULT_ROWS`` rows (readable from
the back row); on, every unit. The choice is in the link (``units=all``) and survives a switch of
view, although each view draws its own switch (a widget's state goes with its widget)."""

from __future__ import annotations

import streamlit as st

from app import heatmaps, urlstate

KEY = "all_units"
KEPT = "_all_units"  # the choice, kept while a view without the switch is shown


def all_units_ui(L: dict, hidden: int, help_text: str | None = None) -> bool:
    """Draw the switch (``hidden``: the number of units "all" means) and return its value."""
    urlstate.seed(KEY, {"all": True}.get(urlstate.take("units") or ""))
    if KEY not in st.session_state and st.session_state.get(KEPT):
        st.session_state[KEY] = True
    value = st.toggle(L["all_units"].format(n=hidden), key=KEY,
                      help=(help_text or L["all_units_help"]).format(n=heatmaps.DEFAULT_ROWS))
    st.session_state[KEPT] = value
    urlstate.note("units", "all" if value else None)
    return bool(value)
