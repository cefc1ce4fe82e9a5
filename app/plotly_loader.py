"""The script of a component that draws with Plotly.js: the shared loader (``plotly_loader.js``,
one promise per page) followed by the component's own script."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def with_plotly_loader(script: str) -> str:
    """``app/<script>``'s text with ``loadPlotly(url)`` defined before it."""
    return (HERE / "plotly_loader.js").read_text("utf-8") + "\n" + (HERE / script).read_text("utf-8")
