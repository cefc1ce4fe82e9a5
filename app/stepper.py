"""The stepper: a ``st.components.v2`` component (inline HTML/CSS/JS, no build step) that steps
through time in the browser. Streamlit reruns only when the step settles, to keep its copy in sync."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import lesson_ui, presentation, urlstate

HERE = Path(__file__).parent
_component = st.components.v2.component(
    "gatescope_stepper",
    css=(HERE / "stepper.css").read_text("utf-8") + (HERE / "stepper_present.css").read_text("utf-8"),
    js=(HERE / "sentence_route.js").read_text("utf-8") + "\n" + (HERE / "stepper.js").read_text("utf-8"),
)


def stepper_ui(payload: dict, key: str = "stepper") -> int | None:
    """Mount the stepper; return the step the browser last reported for this payload's sentence
    (None before it has). The key stays the same across sentences, models and views, so that the
    page updates one stepper instead of building a new one: the browser reports its step with the
    sentence's id (``{"t": step, "seq": id}``) and a step of another sentence is ignored."""
    result = _component(data=payload, key=key, default={"step": None},
                        on_step_change=lambda: None)
    return reported_step(getattr(result, "step", None), payload["seq"])


def reported_step(value: object, seq: str) -> int | None:
    """The step in the stepper's state ``value`` if it belongs to sentence ``seq``, else None."""
    if not isinstance(value, dict) or value.get("seq") != seq:
        return None
    step = value.get("t")
    return step if isinstance(step, int) and not isinstance(step, bool) else None


def anchor_step(view_key: tuple, seq: str) -> int:
    """The step the charts are drawn with: fixed while only the step moves, so that stepping never
    changes (and re-sends) a figure; the browser moves the cursors itself."""
    state = st.session_state
    if state.get("seq") != seq:  # a new sentence starts at step 0, or where the link says
        state["seq"], state["step"] = seq, urlstate.take_int("step", 0, urlstate.MAX_STEP) or 0
    if state.get("view_key") != view_key:
        state["view_key"], state["anchor"] = view_key, state.get("step", 0)
    return int(state.get("anchor", 0))


def framed(payload: dict, present: bool, lesson_nonce: int) -> dict:
    """``payload`` as the page mounts it: a big Play on a projector (``present``), and a nonce that
    a new lesson stop changes, so that the browser's stepper restarts at the stop's step."""
    return {**payload, "present": present, "nonce": f'{payload.get("nonce", 0)}-{lesson_nonce}'}


def synced_stepper(payload: dict) -> int:
    """Mount the stepper for ``payload["seq"]``; keep the server's step and the link in sync."""
    return synced(framed(payload, presentation.presenting(), lesson_ui.nonce()))


def synced(payload: dict) -> int:
    """Mount the stepper for an already ``framed`` payload; keep the server's step and the link in
    sync."""
    step = stepper_ui(payload)
    if step is not None:
        st.session_state["step"] = step
    current = int(st.session_state.get("step", 0))
    urlstate.note("step", current)
    return current
