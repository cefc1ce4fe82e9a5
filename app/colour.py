"""Colours for HTML views, matching the chart scales (Viridis for [0, 1], RdBu for [−1, 1])."""

from __future__ import annotations

import numpy as np

VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
RDBU = ["#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac"]


def _hex(c: str) -> np.ndarray:
    return np.array([int(c[k : k + 2], 16) for k in (1, 3, 5)], float)


def interpolate(stops: list[str], x: float) -> str:
    """Colour at ``x`` in [0, 1] along evenly spaced ``stops``."""
    x = float(np.clip(x if np.isfinite(x) else 0.5, 0.0, 1.0)) * (len(stops) - 1)
    k = min(int(x), len(stops) - 2)
    rgb = _hex(stops[k]) * (1 - (x - k)) + _hex(stops[k + 1]) * (x - k)
    return "#" + "".join(f"{int(round(v)):02x}" for v in rgb)


def value_colour(value: float, zmin: float, zmax: float) -> str:
    stops = VIRIDIS if zmin >= 0 else RDBU
    return interpolate(stops, (value - zmin) / (zmax - zmin))


def text_colour(background: str) -> str:
    r, g, b = _hex(background)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"
