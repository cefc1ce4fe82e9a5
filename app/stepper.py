"""The stepper: a ``st.components.v2`` component (inline HTML/CSS/JS, no build step) that steps
through time in the browser. Streamlit reruns only when the step settles, to keep its copy in sync."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent
_component = st.components.v2.component(
    "gatescope_stepper",
    css=(HERE / "stepper.css").read_text("utf-8"),
    js=(HERE / "stepper.js").read_text("utf-8"),
)


def stepper_ui(payload: dict, key: str = "stepper") -> int | None:
    """Mount the stepper; return the step the browser last reported (None before it has)."""
    result = _component(data=payload, key=key, default={"step": payload["step"]},
                        on_step_change=lambda: None)
    step = getattr(result, "step", None)
    return None if step is None else int(step)
