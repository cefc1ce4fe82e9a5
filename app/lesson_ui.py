"""The lessons in the page: the index (sidebar and first screen), the current stop's explanation
with previous/next, the counting control, and the presenter's keys (PageDown/PageUp).

A stop is applied like a link (``apply``): its values go where a link's go (urlstate's pending
values), and the widgets take them on the next run, so the normal views draw the stop and every
control stays the user's. The lesson and its stop are in the link (``lesson=<id>&stop=<k>``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import lessons, presentation, urlstate, zoo
from app.charts import PRESENT_FONT, text_em
from app.expanders import lazy_expander

CURRENT = "_lesson"  # {"id": lesson id, "stop": k} while a lesson is open
NONCE = "_lesson_nonce"  # bumped by every applied stop: the stepper restarts at the stop's step
COUNT_N, COUNT_LANG = "lesson_n", "lesson_lang"  # the counting control's widgets
HERE = Path(__file__).parent
_keys = st.components.v2.component("gatescope_lesson_keys", js=(HERE / "lesson_keys.js").read_text("utf-8"))


def current() -> tuple[lessons.Lesson, int] | None:
    found = st.session_state.get(CURRENT)
    lesson = lessons.by_id(found["id"]) if found else None
    return (lesson, found["stop"]) if lesson else None


def nonce() -> int:
    return int(st.session_state.get(NONCE, 0))


def start() -> None:
    """On a session's first run: open the lesson and stop the link names (``lesson``, ``stop``);
    the link's other values win over the stop's (they are what the user had changed)."""
    wanted = urlstate.take("lesson")
    k = urlstate.take_int("stop", 0, 7) if wanted is not None else None
    if wanted is None:
        return
    lesson = lessons.by_id(wanted)
    if lesson is None:
        urlstate.drop("lesson", wanted)
        return
    if k is not None and k >= len(lesson.stops):
        urlstate.drop("stop", str(k))
        k = None
    apply(lesson.id, k or 0, link_wins=True)


def apply(lesson_id: str, k: int, link_wins: bool = False) -> None:
    """Open stop ``k`` of a lesson: its values become the widgets' next values."""
    lesson = lessons.by_id(lesson_id)
    stop = lesson.stops[k]
    samples = ()
    if stop.sample is not None:
        samples = tuple(zoo.load_model(stop.model, str(zoo.models_dir())).card.samples)
    state = st.session_state
    pending = state.setdefault(urlstate.PENDING, {})
    values = stop.link(samples)
    state[urlstate.PENDING] = {**values, **pending} if link_wins else {**pending, **values}
    for key, value in stop.state.items():
        state[key] = list(value) if isinstance(value, list) else value
    if stop.counting is not None:
        state[COUNT_N], state[COUNT_LANG] = stop.counting.n, stop.counting.lang
    restart_stepper()
    state[CURRENT] = {"id": lesson_id, "stop": k}


def restart_stepper() -> None:
    """The next run draws from the link's step: a new anchor, a fresh stepper in the browser."""
    state = st.session_state
    state["seq"] = state["view_key"] = None
    for key in [k for k in state if isinstance(k, str) and k.startswith("stepper-")]:
        del state[key]
    state[NONCE] = nonce() + 1


def close() -> None:
    st.session_state.pop(CURRENT, None)


def index_ui(L: dict) -> None:
    """The sidebar's list of lessons, one button each."""
    W = L["lesson_ui"]
    box = lazy_expander(W["index"], key="lesson_index_open", parent=st.sidebar)
    if box is None:
        return
    with box:
        for n, lesson in enumerate(lessons.lessons(), start=1):
            st.button(f"{n}. {L['lessons'][lesson.id]['title']}", key=f"lesson-open-{lesson.id}",
                      on_click=apply, args=(lesson.id, 0), use_container_width=True)
        st.caption(W["keys"])


def first_screen_ui(L: dict) -> None:
    """One line on the first screen: pick a lesson (drawn when none is open)."""
    W = L["lesson_ui"]
    ids = [lesson.id for lesson in lessons.lessons()]
    names = {i: f"{n}. {L['lessons'][i]['title']}" for n, i in enumerate(ids, start=1)}

    def chosen() -> None:
        pick = st.session_state.pop("lesson_pick", None)
        if pick is not None:
            apply(pick, 0)

    st.selectbox(W["index"], ids, index=None, format_func=names.get, placeholder=W["choose"],
                 key="lesson_pick", on_change=chosen, label_visibility="collapsed")


def panel_ui(L: dict) -> None:
    """The open lesson: its title, where we are, the stop's explanation, previous/next, the stop
    buttons (each stop one click), the counting control; in the link as lesson/stop."""
    presentation.set_lesson_room(0)
    found = current()
    if found is None:
        return
    lesson, k = found
    W, texts = L["lesson_ui"], L["lessons"][lesson.id]
    n = len(lesson.stops)
    urlstate.note("lesson", lesson.id)
    urlstate.note("stop", k)
    with st.container(key="gs-lesson", border=True):
        with st.container(horizontal=True, vertical_alignment="center", key="gs-lesson-bar"):
            st.markdown(f":material/school: **{texts['title']}** · {W['stop_of'].format(k=k + 1, n=n)}")
            st.button(W["prev"], key="lesson-prev", on_click=apply, args=(lesson.id, k - 1),
                      disabled=k == 0, icon=":material/arrow_back:")
            for j in range(n):
                st.button(str(j + 1), key=f"lesson-stop-{j}", on_click=apply, args=(lesson.id, j),
                          type="primary" if j == k else "tertiary", help=W["stop_link"].format(k=j + 1))
            st.button(W["next"], key="lesson-next", on_click=apply, args=(lesson.id, k + 1),
                      disabled=k == n - 1, icon=":material/arrow_forward:", type="primary")
            st.button("", key="lesson-close", on_click=close, icon=":material/close:", help=W["close"])
        st.markdown(texts["stops"][k])
        stop = lesson.stops[k]
        if stop.counting is not None:
            with counting_ui(L):
                wrong_ui(lessons.counting_model(stop.model, st.session_state[COUNT_LANG]), L)
    presentation.set_lesson_room(panel_height(texts["stops"][k], stop.counting is not None))
    st.html("<style>.st-key-lesson-keys { display: none; }</style>")  # listens, draws nothing
    _keys(data={"next": k < n - 1, "prev": k > 0}, key="lesson-keys")


# The panel's px when presenting (20 px text, 1280 px wide), so that the view's chart below leaves
# room for it: border, padding and the row of buttons; each line of the stop's text; the counting
# row (n, the language and the verdict side by side). Measured in chromium at 1280×720.
PANEL_BASE, PANEL_LINE, PANEL_COUNTING, PANEL_TEXT_WIDTH = 62, 32, 100, 1180


def panel_height(text: str, counting: bool) -> int:
    """About how tall the open lesson's panel is when presenting (its text wraps at the width)."""
    lines = max(1, -(-int(text_em(text) * PRESENT_FONT) // PANEL_TEXT_WIDTH))
    return PANEL_BASE + PANEL_LINE * lines + (PANEL_COUNTING if counting else 0)


def counting_ui(L: dict):
    """n and the language; the string is built from them (the model keeps its cell). Returns the
    row's last column, for the verdict."""
    W = L["lesson_ui"]

    def rebuilt() -> None:
        state = st.session_state
        model = state.get(urlstate.NOW, {}).get("model") or "anbn-lstm"
        lang, n = state[COUNT_LANG], int(state[COUNT_N])
        state.setdefault(urlstate.PENDING, {}).update(
            {"model": lessons.counting_model(model, lang), "text": lessons.Counting(lang, n).text()})
        restart_stepper()

    cols = st.columns([1, 2, 3], vertical_alignment="bottom")
    cols[0].number_input(W["n"], 1, lessons.MAX_COUNT_N, key=COUNT_N, on_change=rebuilt,
                         help=W["n_help"])
    cols[1].radio(W["language"], list(W["langs"]), key=COUNT_LANG, format_func=W["langs"].get,
                  horizontal=True, on_change=rebuilt)
    return cols[2]


def wrong_ui(model_id: str, L: dict) -> None:
    """The counting model's wrong steps on the string the control built (also when presenting,
    where the output chart is not drawn)."""
    from app.i18n import arch_name
    from app.sentence import traced
    from app.views.explorer import wrong_predictions

    state = st.session_state
    text = lessons.Counting(state[COUNT_LANG], int(state[COUNT_N])).text()
    model = zoo.load_model(model_id, str(zoo.models_dir()))
    wrong = wrong_predictions(model, traced(model.id, text, model))
    steps = [] if wrong is None else [int(t) for t in wrong.any(axis=1).nonzero()[0]]
    W = L["lesson_ui"]
    name = arch_name(L, model.recurrent.cell)
    line = W["wrong_steps"].format(model=name, steps=", ".join(map(str, steps[:12]))) if steps \
        else W["all_right"].format(model=name)
    st.markdown(line)
