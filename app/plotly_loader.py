"""The script of a component that draws with Plotly.js: the shared loader (``plotly_loader.js``,
one promise per page) followed by the component's own script."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def with_plotly_loader(script: str, *before: str) -> str:
    """``app/<script>``'s text with ``loadPlotly(url)`` defined before it, after the scripts
    ``before`` (``app/<name>`` each) that it uses too."""
    parts = [*before, "plotly_loader.js", script]
    return "\n".join((HERE / name).read_text("utf-8") for name in parts)
