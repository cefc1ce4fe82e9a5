"""Colours for HTML views, matching the chart scales (Viridis for [0, 1], RdBu for [−1, 1])."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
RDBU = ["#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac"]


@lru_cache(maxsize=64)
def _rgb(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def _hex(c: str) -> np.ndarray:
    return np.array(_rgb(c), float)


def interpolate(stops: list[str], x: float) -> str:
    """Colour at ``x`` in [0, 1] along evenly spaced ``stops``."""
    x = min(max(float(x), 0.0), 1.0) if math.isfinite(x) else 0.5
    x *= len(stops) - 1
    k = min(int(x), len(stops) - 2)
    a, b = _rgb(stops[k]), _rgb(stops[k + 1])
    w = x - k
    return "#" + "".join(f"{int(round(u * (1 - w) + v * w)):02x}" for u, v in zip(a, b, strict=True))


def value_colour(value: float, zmin: float, zmax: float) -> str:
    stops = VIRIDIS if zmin >= 0 else RDBU
    return interpolate(stops, (value - zmin) / (zmax - zmin))


def text_colour(background: str) -> str:
    r, g, b = _hex(background)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"
