"""The browser window's height, for presentation mode: a ``st.components.v2`` component reports it
(``app/screen.js``) and ``presentation.chart_height`` fills it. Never below the 720 px the layout is
made for, so a small or unknown screen keeps the 1280×720 layout."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent
KEY = "_screen_height"  # session key: the last height the browser reported (px)
DESIGN = 720  # px: the projector the presentation layout is made for
MAX = 2160  # px: a taller report is not a screen (ignored)
REPORT = False  # mount the reporter (see screen_ui)

_component = st.components.v2.component("gatescope_screen", js=(HERE / "screen.js").read_text("utf-8"))


def screen_height() -> int:
    """The height (px) the presentation layout fills: the reported one, at least ``DESIGN``."""
    return max(DESIGN, int(st.session_state.get(KEY) or DESIGN))


def accepted_height(value: object) -> int | None:
    """A reported height as a whole number of px, or None if it is not one a screen could have."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if 200 <= value <= MAX else None


def screen_ui() -> None:
    """Mount the reporter (hidden); keep the height it reports in the session.

    Not mounted for now (see ``REPORT``): its report reruns the page once after the page opens, and
    a key or click in that moment (PageDown on a lesson, Train's start) was lost in CI runs at
    1440×900. Until the report no longer races with the teacher's first input, presentation mode
    keeps the 1280×720 layout on every screen."""
    if not REPORT:
        return
    result = _component(data={"height": st.session_state.get(KEY) or 0}, key="gs-screen",
                        default={"height": None}, on_height_change=lambda: None)
    height = accepted_height(getattr(result, "height", None))
    if height is not None:
        st.session_state[KEY] = height
