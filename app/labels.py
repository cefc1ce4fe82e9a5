"""User text is data, never markup: make it safe and visible for chart labels and hovers.

Plotly renders a subset of HTML in labels and hovers (``<b>``, ``<br>``, entities), so ``&``, ``<``
and ``>`` are escaped; invisible or layout-changing characters (control characters, NUL, bidi
marks, line breaks) are shown as visible symbols so that they can neither hide nor reorder text.
"""

from __future__ import annotations

import html
import string
import unicodedata

VISIBLE = {" ": "␣", "\n": "⏎", "\t": "⇥", "\r": "␍", "\x00": "␀"}


def visible(token: str) -> str:
    """A token as a person should see it: whitespace and invisible characters made visible."""
    out = []
    for ch in token:
        if ch in VISIBLE:
            out.append(VISIBLE[ch])
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(f"U+{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def plotly_safe(text: str) -> str:
    """Visible, HTML-escaped text for Plotly labels (Plotly decodes the entities back)."""
    return html.escape(visible(text), quote=False)


def html_safe(text: str) -> str:
    """Visible, HTML-escaped text for st.html / markdown with HTML (quotes escaped too)."""
    return html.escape(visible(text), quote=True)


def markdown_safe(text: str) -> str:
    """User text for a Markdown message (a sentence, an uploaded card's words, a file's name):
    visible, every ASCII punctuation mark backslash-escaped, so that no link, maths, colour or
    emphasis comes of it."""
    shown = " ".join(visible(part) for part in text.split(" "))  # spaces stay spaces
    return "".join("\\" + ch if ch in string.punctuation else ch for ch in shown)


def signed(value: float, digits: int) -> str:
    """A signed number as the page writes it: "+0.91", "−1.00" (a minus sign, not a hyphen)."""
    return f"{value:+.{digits}f}".replace("-", "\u2212")
