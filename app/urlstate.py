"""The link holds the view: model, sentence, step, layer, direction, unit, view, language and
interventions live in the URL's query string, so opening a link restores the page exactly — also
after a server restart, since nothing is kept on the server.

On a session's first run the query string is copied aside; each control ``take``s its value before
it is drawn (seeding ``st.session_state``), and at the end of every run ``publish`` writes the
current state back.
"""

from __future__ import annotations

import streamlit as st

PENDING = "_url_pending"
MAX_TEXT_IN_URL = 2000


NOW = "_url_now"


def start() -> None:
    """Copy the query string aside, once per session; begin collecting this run's state."""
    if PENDING not in st.session_state:
        st.session_state[PENDING] = {k: st.query_params.get(k) for k in st.query_params}
    st.session_state[NOW] = {}


def note(name: str, value: object) -> None:
    """Record a piece of this run's state for the link."""
    st.session_state.setdefault(NOW, {})[name] = value


def take(name: str) -> str | None:
    """The link's value for ``name``, once (None if the link had none or it was taken)."""
    return st.session_state.get(PENDING, {}).pop(name, None)


def take_int(name: str) -> int | None:
    value = take(name)
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


def seed(widget_key: str, value: object, allowed: list | None = None) -> None:
    """Put a link's value into a widget's state before the widget is drawn."""
    if value is not None and (allowed is None or value in allowed):
        st.session_state[widget_key] = value


def publish(values: dict[str, object] | None = None) -> None:
    """Make the query string hold exactly ``values`` (default: what this run noted)."""
    values = st.session_state.get(NOW, {}) if values is None else values
    wanted = {k: str(v) for k, v in values.items() if v is not None and v != ""}
    text = wanted.get("text")
    if text is not None and len(text) > MAX_TEXT_IN_URL:
        wanted.pop("text")
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)
