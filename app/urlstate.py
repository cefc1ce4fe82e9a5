"""The link holds the view: model, sentence, step, layer, direction, unit, view, language and
interventions live in the URL's query string, so opening a link restores the page exactly — also
after a server restart, since nothing is kept on the server.

On a session's first run the query string is copied aside; each control ``take``s its value before
it is drawn (seeding ``st.session_state``), and at the end of every run ``publish`` writes the
current state back.

A link is text anyone can write. Each value is checked the way its widget would check it: what a
widget could not hold is dropped (never seeded, never raised), the rest of the link still applies,
and the page says what was left out (``drop``, ``report_ui``) in the page's language.
"""

from __future__ import annotations

import json
import re
import unicodedata

import streamlit as st

PENDING = "_url_pending"
NOW = "_url_now"
LAST = "_url_last"  # (name, raw value) of the latest ``take``: what ``seed`` reports if it refuses
DROPPED = "_url_dropped"  # ["name=value", …]: what this session's link held that the page refused
MAX_TEXT_IN_URL = 2000
MAX_VALUE_CHARS = 200_000  # a link value longer than this is dropped unread
MAX_SHOWN = 40  # characters of a dropped value quoted in the page
MAX_STEP = 1_000_000  # more than any sentence the page reads; far below 2**31 (the JS's integers)
KEEP_CONTROLS = "\n\t"
MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&])")


def start() -> None:
    """Copy the query string aside, once per session; begin collecting this run's state."""
    if PENDING not in st.session_state:
        st.session_state[PENDING] = {k: st.query_params.get(k) for k in st.query_params}
        st.session_state[DROPPED] = []
        for name in st.query_params:  # "view=a&view=b": the last one is used, the others named
            values = st.query_params.get_all(name)
            for value in values[:-1]:
                if value != values[-1]:
                    drop(name, value)
    st.session_state[NOW] = {}


def note(name: str, value: object) -> None:
    """Record a piece of this run's state for the link."""
    st.session_state.setdefault(NOW, {})[name] = value


def take(name: str) -> str | None:
    """The link's value for ``name``, once (None if the link had none or it was taken)."""
    value = st.session_state.get(PENDING, {}).pop(name, None)
    if value is not None and len(value) > MAX_VALUE_CHARS:
        drop(name, value)
        value = None
    st.session_state[LAST] = (name, value)
    return value


def take_int(name: str, lo: int | None = None, hi: int | None = None) -> int | None:
    """The link's integer for ``name``, if it is one within [lo, hi]; else None (and dropped)."""
    value = take(name)
    if value is None:
        return None
    try:
        number = int(value.strip())  # "1e400", "NaN", 5,000 digits: ValueError
    except ValueError:
        number = None
    if number is None or (lo is not None and number < lo) or (hi is not None and number > hi):
        drop(name, value)
        return None
    return number


def take_text(name: str, max_chars: int) -> str | None:
    """The link's text for ``name`` as the text box would hold it: control characters (but line
    breaks and tabs) removed, at most ``max_chars`` characters; what was changed is reported."""
    value = take(name)
    if value is None:
        return None
    clean = "".join(ch for ch in value if ch in KEEP_CONTROLS or unicodedata.category(ch) != "Cc")
    if clean != value or len(clean) > max_chars:
        drop(name, value)
    return clean[:max_chars]


def seed(widget_key: str, value: object, allowed: list | None = None) -> None:
    """Put a link's value into a widget's state before the widget is drawn. A value the widget
    could not hold (not in ``allowed``), or a link value the caller could not map (``value`` None
    although the latest ``take`` found one), is dropped and reported."""
    name, raw = st.session_state.pop(LAST, (None, None))
    if value is not None and (allowed is None or value in allowed):
        st.session_state[widget_key] = value
    elif name is not None and raw not in (None, ""):
        drop(name, raw)


def drop(name: str, value: object) -> None:
    """Say that the link's ``name`` held ``value`` and the page could not use it."""
    text = value if isinstance(value, str) else json_like(value)
    text = "".join(ch if _visible(ch) else "�" for ch in text[: MAX_SHOWN + 1])
    shown = f"{name}={text[:MAX_SHOWN]}" + ("…" if len(text) > MAX_SHOWN else "")
    dropped = st.session_state.setdefault(DROPPED, [])
    if shown not in dropped and len(dropped) < 20:
        dropped.append(shown)


def json_like(value: object) -> str:
    """A JSON value as the link wrote it (None -> null, True -> true, NaN -> NaN)."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)[: MAX_SHOWN + 1]
    except (TypeError, ValueError, RecursionError):
        return repr(value)[: MAX_SHOWN + 1]


def _visible(ch: str) -> bool:
    return ch == " " or unicodedata.category(ch)[0] not in "CZ"


def report_ui(L: dict) -> None:
    """A short warning naming what the link held that the page left out (none: nothing shown).
    The values are the link's text, shown as text (Markdown escaped)."""
    dropped = st.session_state.get(DROPPED) or []
    if dropped:
        fields = "; ".join(MARKDOWN.sub(r"\\\1", d) for d in dropped)
        st.warning(L["link_dropped"].format(fields=fields), icon="⚠️")


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
