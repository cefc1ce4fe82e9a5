"""Presentation mode for a 1280×720 projector: chart text ≥ 20 px, no scrolling on any view, one
click between views (a bar of view buttons, since the sidebar is hidden), the controls in a popover.

Also the page's compact layout in normal mode (small header, little padding), so that the first
1280×720 screen holds a chart and not only controls and a title.
"""

from __future__ import annotations

import streamlit as st

from app import screen, urlstate
from app.charts import FONT, PRESENT_FONT

SCREEN = (1280, 720)  # the projector the presentation layout is made for (px)
BAR_HEIGHT = 64  # the presentation bar with its gap (px)
SIDEBAR = 300  # Streamlit's sidebar in normal mode (px)
PADDING_X = 24  # the main area's padding on each side (px), as COMPACT sets it
CONTROLS = "_present_controls"  # session key: this run's controls popover
LESSON_ROOM = "_present_lesson_px"  # session key: px the open lesson's panel takes (presenting)

# Both modes: less padding around the page, the header's toolbar floating over the content.
COMPACT = """
<style>
[data-testid="stMainBlockContainer"] { padding: 1rem 1.5rem 2rem 1.5rem !important; max-width: none; }
[data-testid="stHeader"] { background: transparent; pointer-events: none; }
[data-testid="stHeader"] * { pointer-events: none; }
[data-testid="stHeader"] button, [data-testid="stHeader"] a { pointer-events: auto; }
.gs-header { display: flex; align-items: baseline; gap: 0.75rem; flex-wrap: wrap; margin: 0; }
.gs-header b { font-size: 1.6rem; }
.gs-header span { opacity: 0.7; }
</style>
"""

PRESENT = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 20px !important; }
[data-testid="stAppViewContainer"] { background: #ffffff; color: #000000; }
[data-testid="stMarkdownContainer"] p, label, .stCaption { color: #000 !important; }
[data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 6px 16px 0 16px !important; max-width: none; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.4rem; }
.st-key-gs-present-bar { gap: 6px !important; }
.st-key-gs-present-bar button { font-size: 16px !important; min-height: 36px; padding: 2px 10px; }
.st-key-gs-present-bar button p { font-size: 16px !important; }
.st-key-gs-screen { display: none !important; }
/* the bar's controls: a wide popover, as tall as the screen allows, so that a view's controls
   (the interventions' editor, one row as on the page) are seen without scrolling inside it */
[data-testid="stPopoverBody"] { width: min(1000px, calc(100vw - 48px)) !important; max-width: none !important;
  max-height: calc(100vh - 64px) !important; }
/* a control on the page itself (the gradients' step), read from the back row like the charts */
[data-testid="stMain"] [data-testid="stWidgetLabel"] p,
[data-testid="stMain"] [data-testid="stSliderThumbValue"],
[data-testid="stMain"] [role="radiogroup"] p { font-size: 20px !important; }
/* ...but not in an open lesson's panel, whose room above the view is counted at their old size */
.st-key-gs-lesson [data-testid="stWidgetLabel"] p, .st-key-gs-lesson [data-testid="stSliderThumbValue"],
.st-key-gs-lesson [role="radiogroup"] p { font-size: 0.875rem !important; }
/* an open lesson: a tight panel, its buttons like the bar's, so that the view below keeps room */
.st-key-gs-lesson { padding: 6px 12px !important; gap: 0.3rem !important; }
.st-key-gs-lesson button { font-size: 16px !important; min-height: 36px; padding: 2px 10px; }
.st-key-gs-lesson button p { font-size: 16px !important; }
</style>
"""


def start() -> bool:
    """Seed presentation mode from the link (``present=1``), once; whether the page presents."""
    urlstate.seed("present", {"1": True, "0": False}.get(urlstate.take("present") or ""))
    return presenting()


def presenting() -> bool:
    return bool(st.session_state.get("present"))


def font_size() -> int:
    """Chart text for this page: ≥ 20 px on a projector, 14 px otherwise."""
    return PRESENT_FONT if presenting() else FONT


def content_width(columns: float = 1.0, present: bool | None = None) -> int:
    """About how wide (px) a chart in ``columns`` of the page's width is drawn at 1280×720, in the
    page as it is (``present`` None) or as it would be presenting or not."""
    present = presenting() if present is None else present
    width = SCREEN[0] - 2 * PADDING_X - (0 if present else SIDEBAR)
    return int(width * columns)


def chart_height(reserved: int, normal: int) -> int:
    """The height of a view's main chart: when presenting, what is left of the screen after the
    bar, an open lesson's panel and ``reserved`` px of the view's other rows; else ``normal``. The
    screen is 720 px (a projector) while ``app.screen`` does not report the browser's own
    (``screen.REPORT``), so a taller screen keeps the 720-px layout."""
    if not presenting():
        return normal
    return max(220, screen.screen_height() - BAR_HEIGHT - lesson_room() - reserved - 12)


def lesson_room() -> int:
    """The px an open lesson's panel takes above the view when presenting (0: none open)."""
    return int(st.session_state.get(LESSON_ROOM, 0)) if presenting() else 0


def set_lesson_room(px: int) -> None:
    st.session_state[LESSON_ROOM] = px


def presentation_ui(L: dict, views: dict[str, str]) -> bool:
    """The sidebar's toggle; when presenting, the bar of views, the controls and the way out.
    ``views``: view key -> its name in the page's language, in order."""
    on = st.sidebar.toggle(L["present"], key="present", help=L["present_help"])
    urlstate.note("present", "1" if on else None)
    st.html(COMPACT)
    st.session_state.pop(CONTROLS, None)
    if on:
        st.html(PRESENT)
        screen.screen_ui()  # before the views: their charts fill the screen it reports
        _bar(L, views)
    return on


def _bar(L: dict, views: dict[str, str]) -> None:
    current = st.session_state.get("view")
    with st.container(horizontal=True, key="gs-present-bar", vertical_alignment="center"):
        for key, name in views.items():
            st.button(name, key=f"present-view-{key}", on_click=_show, args=(key,),
                      type="primary" if key == current else "secondary")
        st.session_state[CONTROLS] = st.popover(L["controls"], icon=":material/tune:")
        st.button(L["present_leave"], key="present_exit", on_click=_leave, icon=":material/close:",
                  help=L["present_exit"])


def _show(view: str) -> None:
    st.session_state["view"] = view


def _leave() -> None:
    st.session_state["present"] = False


def controls_container(L: dict):
    """Where a view puts its controls: the bar's popover while presenting, else the page."""
    popover = st.session_state.get(CONTROLS) if presenting() else None
    return popover if popover is not None else st.container()
