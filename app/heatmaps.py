"""The gate heatmaps as ONE payload per sentence, drawn by Plotly.js in the page.

Seven ``st.plotly_chart`` figures cost Streamlit seven new chart elements per sentence (measured ≈ 12×
a minimal rerun, most of it not the bytes). Here the server sends one compact payload — every panel's
values quantised to one byte per cell, base64 — and a ``st.components.v2`` component keeps its Plotly
charts mounted and updates them in place with ``Plotly.react``. Plotly.js itself is a static file
the browser caches (``app/static_assets.py``). Stepping never reaches the server: the stepper moves
the cursor shape of every chart whose ``layout.meta.gatescope`` is ``"heatmap"``, these included.

``heatmap_payload`` is pure (no Streamlit) so that it is unit-tested and its size measured directly.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

import numpy as np
import plotly.colors

from app.charts import CELL_DIVERGING, DIVERGING, SEQUENTIAL, color_range, step_labels
from app.labels import plotly_safe

LEVELS = 254  # bytes 0..254 carry the value; 255 marks a missing one (NaN)
MISSING = 255


@dataclass(frozen=True)
class Panel:
    key: str  # unique within the payload, e.g. "f-0" (gate, direction)
    gate: str  # the symbol shown in the hover: "f", "u", …
    kind: str  # a cells.spec kind: "sigmoid" | "tanh" | "state" | "relu"
    title: str  # already in the page's language
    values: np.ndarray  # (T, H)


def quantise(values: np.ndarray, zmin: float, zmax: float) -> str:
    """Base64 of one byte per value: round((v − zmin) / (zmax − zmin) · 254), clipped; NaN → 255."""
    v = np.asarray(values, dtype=np.float64)
    q = np.clip(np.rint((v - zmin) / (zmax - zmin) * LEVELS), 0, LEVELS)
    q = np.where(np.isfinite(v), q, MISSING).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def dequantise(data: str, shape: tuple[int, int], zmin: float, zmax: float) -> np.ndarray:
    """The inverse of ``quantise`` (what the browser computes), for tests: NaN where 255."""
    q = np.frombuffer(base64.b64decode(data), np.uint8).reshape(shape).astype(np.float64)
    out = zmin + q / LEVELS * (zmax - zmin)
    out[q == MISSING] = np.nan
    return out


def _scale(name: str) -> list[list]:
    """A named Plotly colour scale written out, so the page needs no Python-side name table (and
    Plotly.js's own ``RdBu`` runs the other way than Python's)."""
    return [[float(s), c] for s, c in plotly.colors.get_colorscale(name)]


SCALES = {name: _scale(name) for name in (SEQUENTIAL, DIVERGING, CELL_DIVERGING)}


def heatmap_payload(
    panels: list[Panel],
    tokens: list[str],
    rows: list[int],  # the units to show, top to bottom
    seq: str,
    step: int,
    words: dict[str, str],  # "unit" ({unit}), "step", "range" ({bound}): app.i18n.chart_words
    font_size: int = 14,
    columns: int = 2,
    max_height: int | None = None,  # px per chart: rows shrink (to 8 px) to fit; None: 560 px of rows
    output: dict | None = None,  # the model's output chart: ``classes_chart`` or ``series_chart``
    shared_rows: bool = False,  # side by side, only the first column's charts name the units
) -> dict:
    """Everything the heatmaps component draws for one sentence: the gate panels and, under them,
    the model's output at every step (so that a new sentence is one message and one redraw)."""
    out = {
        "seq": seq,
        "step": int(step),
        "x": step_labels(tokens),  # unique categories, escaped: "3 ‹d›"
        "ticktext": [plotly_safe(tok) for tok in tokens],  # the page thins them to fit its width
        "rows": [int(u) for u in rows],
        "row_labels": [html.escape(words["unit"].format(unit=u), quote=False) for u in rows],
        "font": int(font_size),
        "columns": int(columns),
        "max_height": None if max_height is None else int(max_height),
        "step_word": html.escape(words["step"], quote=False),
        "shared_rows": bool(shared_rows),
        "panels": [],
        "output": output,
    }
    for p in panels:
        zmin, zmax, scale = color_range(p.kind, p.values)
        title = p.title
        if p.kind not in ("sigmoid", "tanh"):  # unbounded: its symmetric range is stated
            title += " — " + words["range"].format(bound=f"{zmax:g}")
        shown = np.asarray(p.values, np.float32)[:, rows].T  # (rows, T)
        out["panels"].append({
            "key": p.key,
            "gate": plotly_safe(p.gate),
            "title": html.escape(title, quote=False),  # our words: escaped, spaces kept
            "zmin": zmin,
            "zmax": zmax,
            "scale": SCALES[scale],
            "shape": [len(rows), len(tokens)],
            "q": quantise(shown, zmin, zmax),
        })
    return out


OUTPUT_ROW_PX = 28  # a class row of the output chart


def classes_chart(probs: np.ndarray, labels: list[str], title: str,
                  wrong: np.ndarray | None = None) -> dict:
    """Class probabilities at every step as a heatmap (one row per class, fixed [0, 1]):
    ``probs`` (T, K), ``labels`` K names already in the page's language; ``wrong`` (T, K) bool:
    the cells where the model's prediction is wrong, marked ✗ on the chart."""
    probs = np.asarray(probs, np.float32)
    if probs.ndim != 2 or probs.shape[1] != len(labels):
        raise ValueError(f"classes_chart: expected probabilities (T, {len(labels)}) for "
                         f"{len(labels)} labels, got shape {probs.shape}")
    return {
        "type": "heatmap",
        "key": "output",
        "gate": "p",
        "title": html.escape(title, quote=False),
        "row_labels": [plotly_safe(lab) for lab in labels],
        "row_px": OUTPUT_ROW_PX,
        "zmin": 0.0,
        "zmax": 1.0,
        "scale": SCALES[SEQUENTIAL],
        "shape": [len(labels), int(probs.shape[0])],
        "q": quantise(probs.T, 0.0, 1.0),  # (K, T)
        "wrong": [] if wrong is None else [[int(t), int(k)] for t, k in np.argwhere(wrong)],
    }


def series_chart(series: list[tuple[str, np.ndarray, bool]], title: str, y_title: str) -> dict:
    """Values at every step as lines: ``(name, values (T,), dotted)`` each; a series with no finite
    value is left out (e.g. the actual next value after the last token only)."""
    lines = []
    for name, values, dotted in series:
        v = np.round(np.asarray(values, np.float64), 4)
        if not np.isfinite(v).any():
            continue
        lines.append({"name": html.escape(name, quote=False), "dotted": bool(dotted),
                      "y": [float(x) if np.isfinite(x) else None for x in v]})
    return {
        "type": "series",
        "key": "output",
        "gate": "output",
        "title": html.escape(title, quote=False),
        "y_title": html.escape(y_title, quote=False),
        "lines": lines,
    }


def dequantise_chart(chart: dict) -> np.ndarray:
    """The (rows, T) values of a heatmap chart or panel of the payload, as the page decodes them."""
    return dequantise(chart["q"], tuple(chart["shape"]), chart["zmin"], chart["zmax"])


DEFAULT_ROWS = 32  # at 1280×720 a heatmap of this many rows keeps every row ≥ 8 px tall
MIN_ROW_PX = 8  # a row readable from the back row
FEW_ROWS = 8  # the fewest rows a heatmap shows by default, however short it is


def chart_room(font: int) -> int:
    """The px of a server-drawn heatmap (``charts.heatmap_figure``) that are not rows: its title
    (one line), the x labels (upright ones of about four characters) and the margins."""
    return int(6.5 * font + 20)


def rows_that_fit(height: int, font: int) -> int:
    """How many rows of at least ``MIN_ROW_PX`` a heatmap of ``height`` px holds (at most
    ``DEFAULT_ROWS``, at least ``FEW_ROWS``)."""
    return max(FEW_ROWS, min(DEFAULT_ROWS, (height - chart_room(font)) // MIN_ROW_PX))


def height_for_rows(rows: int, font: int) -> int:
    """The height a heatmap needs to draw ``rows`` rows at least ``MIN_ROW_PX`` tall each."""
    return chart_room(font) + int(rows * MIN_ROW_PX * 1.1)


def rows_and_height(height: int, font: int, presenting: bool, all_units: bool) -> tuple[int | None, int]:
    """(the most rows a server-drawn heatmap shows, None: all; its height): presenting, the rows
    that fit the height the screen leaves; else ``DEFAULT_ROWS``, the chart grown to hold them."""
    if all_units:
        return None, height
    if presenting:
        return rows_that_fit(height, font), height
    return DEFAULT_ROWS, max(height, height_for_rows(DEFAULT_ROWS, font))


def shown_units(
    order: list[int],  # every unit, in the order the user chose (index, variance, …)
    values: np.ndarray,  # (T, H) the gate the order is computed from
    notable: list[int],  # the card's notable units of this layer and direction
    limit: int | None = DEFAULT_ROWS,  # None: all units
    score: np.ndarray | None = None,  # (H,) how telling each unit is; default: its variance
) -> list[int]:
    """The units a heatmap shows: with a ``limit``, the card's notable units, then the most telling
    (largest ``score``: by default the variance over the sentence) up to ``limit``, laid out in
    ``order`` with the notable units on top; without one, every unit in ``order``."""
    hidden = len(order)
    if limit is None or limit >= hidden:
        return list(order)
    pinned = [u for u in dict.fromkeys(notable) if 0 <= u < hidden][:limit]
    if score is None:
        score = np.asarray(values, np.float64).var(axis=0) if len(values) else np.zeros(hidden)
    score = np.nan_to_num(np.asarray(score, np.float64), nan=-np.inf)
    active = [int(u) for u in np.argsort(-score, kind="stable") if int(u) not in pinned]
    chosen = set(active[: limit - len(pinned)])
    return pinned + [u for u in order if u in chosen]
