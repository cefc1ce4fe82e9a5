"""Pure Plotly figure builders (no Streamlit): one heatmap per gate or state, units × tokens.

Conventions (DESIGN.md): sigmoid gates on a fixed [0, 1] sequential scale; tanh quantities on a fixed
[−1, 1] diverging scale centred on 0; the unbounded cell state on a symmetric range stated on the
chart. Colour-blind-safe scales; tokens along x, units along y, the current step marked by a cursor
shape that the browser moves without a rerun (``layout.meta.gatescope == "heatmap"``).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from app import i18n
from app.labels import plotly_safe
from cells.registry import SPECS

SEQUENTIAL = "Viridis"  # colour-blind safe, perceptually uniform
DIVERGING = "RdBu"  # ColorBrewer, colour-blind safe
CELL_DIVERGING = "PuOr"  # ColorBrewer, colour-blind safe; differs from tanh quantities on purpose
CURSOR_COLOR = "#ff1f9e"
MAX_TICK_LABELS = 60
# The words the charts write on axes, hovers and legends; pages pass their language's (i18n.chart_words)
WORDS = {"unit": "unit {unit}", "step": "step", "model": "model", "actual": "actual",
         "range": "colour range ±{bound}"}


@dataclass(frozen=True)
class GateStyle:
    title: str
    kind: str  # a cells.spec kind: "sigmoid" | "tanh" | "state" (unbounded) | "relu" ([0, ∞))


TITLES: dict[str, str] = i18n.t("en")["gate_titles"]  # fallbacks; pages pass their language's
# every key of the cells' (default) specs, with the kind its spec gives it; u = 1 − z is a sigmoid
KINDS: dict[str, str] = {g.key: g.kind for spec in SPECS.values() for g in spec.gates} | {"u": "sigmoid"}
GATE_STYLES: dict[str, GateStyle] = {k: GateStyle(TITLES.get(k, k), kind) for k, kind in KINDS.items()}
# one exponent format on every log axis: 10⁻⁴ and 10⁻¹⁶ alike (the default wrote "100μ" beside
# "10⁻¹⁶", since SI prefixes stop at 10⁻¹⁵)
LOG_TICKS = {"exponentformat": "power", "showexponent": "all"}
BOUNDED = ("sigmoid", "tanh")  # kinds on a fixed scale; the others get a symmetric range stated


def nice_bound(value: float) -> float:
    """The smallest of 1, 2, 3, 5 × 10^k at or above ``value`` (at least 1)."""
    if not math.isfinite(value) or value <= 1:
        return 1.0
    exp = math.floor(math.log10(value))
    for m in (1, 2, 3, 5, 10):
        if m * 10**exp >= value:
            return float(m * 10**exp)
    return float(10 ** (exp + 1))


def color_range(kind: str, values: np.ndarray) -> tuple[float, float, str]:
    """(zmin, zmax, colorscale) for a gate kind; an unbounded state's range is symmetric."""
    if kind == "sigmoid":
        return 0.0, 1.0, SEQUENTIAL
    if kind == "tanh":
        return -1.0, 1.0, DIVERGING
    finite = np.isfinite(values)  # NaN marks a gap (e.g. a token only one of a pair has)
    bound = nice_bound(float(np.abs(values[finite]).max()) if finite.any() else 1.0)
    return -bound, bound, CELL_DIVERGING


def step_labels(tokens: list[str]) -> list[str]:
    """Unique, escaped x categories: ``"3 ‹d›"`` (step, token)."""
    return [f"{t} ‹{plotly_safe(tok)}›" for t, tok in enumerate(tokens)]


def cursor_shape(step: int) -> dict:
    return dict(
        type="rect",
        xref="x",
        yref="paper",
        x0=step - 0.5,
        x1=step + 0.5,
        y0=0,
        y1=1,
        line=dict(color=CURSOR_COLOR, width=3),
        fillcolor="rgba(0,0,0,0)",
        name="cursor",
    )


def heatmap_figure(
    values: np.ndarray,  # (T, H)
    tokens: list[str],
    gate: str,
    step: int,
    unit_order: list[int] | None = None,
    title: str | None = None,
    height: int | None = None,
    range_label: str | None = None,
    words: dict[str, str] | None = None,
    kind: str | None = None,
) -> go.Figure:
    """Units (rows, in ``unit_order``) × tokens (columns) heatmap of one gate, cursor at ``step``.
    ``kind``: the gate's kind in its cell's spec (default: the kind its key has in most cells)."""
    words = words or WORDS
    range_label = range_label or words["range"]
    style = GATE_STYLES.get(gate, GateStyle(gate, "tanh"))
    kind = kind or style.kind
    steps, hidden = values.shape
    order = list(range(hidden)) if unit_order is None else list(unit_order)
    zmin, zmax, scale = color_range(kind, values)
    label = title or style.title
    if kind not in BOUNDED:
        label += " — " + range_label.format(bound=f"{zmax:g}")
    x = step_labels(tokens)
    y = [words["unit"].format(unit=u) for u in order]
    z = np.ascontiguousarray(values.T[order], dtype=np.float32)  # (H, T)
    every = max(1, math.ceil(steps / MAX_TICK_LABELS))
    ticktext = [plotly_safe(tok) for tok in tokens[::every]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=y,
            zmin=zmin,
            zmax=zmax,
            colorscale=scale,
            colorbar=dict(thickness=12, len=0.9),
            hovertemplate=words["step"] + " %{x}<br>%{y}<br>" + gate + " = %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=dict(text=html.escape(label, quote=False), font=dict(size=15)),
        height=height or int(min(460, max(220, 90 + 2.2 * hidden))),
        margin=dict(l=60, r=10, t=40, b=40),
        shapes=[cursor_shape(step)],
        meta={"gatescope": "heatmap", "gate": gate},
        xaxis=dict(tickvals=x[::every], ticktext=ticktext, tickangle=0, type="category"),
        yaxis=dict(autorange="reversed", type="category", showticklabels=hidden <= 64),
        uirevision=gate,
    )
    return fig


def outputs_figure(
    outputs: np.ndarray,  # (T, K)
    tokens: list[str],
    labels: list[str],
    step: int,
    title: str,
    words: dict[str, str] | None = None,
) -> go.Figure:
    """Class probabilities (labels × tokens, fixed [0, 1]) with the same cursor as the gates."""
    words = words or WORDS
    fig = heatmap_figure(outputs, tokens, gate="p", step=step, title=title, words=words)
    fig.update_traces(
        y=[plotly_safe(label) for label in labels],
        zmin=0.0,
        zmax=1.0,
        colorscale=SEQUENTIAL,
        hovertemplate=words["step"] + " %{x}<br>%{y}<br>p = %{z:.3f}<extra></extra>",
    )
    fig.update_layout(height=int(min(360, 90 + 28 * len(labels))), yaxis=dict(showticklabels=True))
    return fig


def series_figure(
    predicted: np.ndarray,  # (T,)
    actual_next: np.ndarray,  # (T,), NaN where unknown
    tokens: list[str],
    step: int,
    title: str,
    y_title: str,
    words: dict[str, str] | None = None,
) -> go.Figure:
    """A per-step value against the truth, for value heads and for p(actual next character)."""
    words = words or WORDS
    x = step_labels(tokens)
    hover = words["step"] + " %{x}<br>%{y:.3f}<extra>%{fullData.name}</extra>"
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=predicted, mode="lines+markers", name=html.escape(words["model"]),
                             hovertemplate=hover))
    if np.isfinite(actual_next).any():
        fig.add_trace(go.Scatter(x=x, y=actual_next, mode="lines", name=html.escape(words["actual"]),
                                 line=dict(dash="dot"), hovertemplate=hover))
    every = max(1, math.ceil(len(tokens) / MAX_TICK_LABELS))
    fig.update_layout(
        title=dict(text=html.escape(title, quote=False), font=dict(size=15)),
        height=260,
        margin=dict(l=60, r=10, t=40, b=40),
        shapes=[cursor_shape(step)],
        meta={"gatescope": "heatmap", "gate": "output"},
        xaxis=dict(tickvals=x[::every], ticktext=[plotly_safe(t) for t in tokens[::every]],
                   type="category"),
        yaxis=dict(title=y_title),
        legend=dict(orientation="h", y=1.12, x=1, xanchor="right"),
        uirevision="output",
    )
    return fig


def unit_order(gates: dict[str, np.ndarray], how: str, by: str = "h", kind: str | None = None
               ) -> list[int]:
    """Units ordered by index, variance, mean activation or saturation of gate ``by`` (of
    ``kind`` in its cell's spec; default: the kind its key has in most cells)."""
    values = gates[by]  # (T, H)
    hidden = values.shape[1]
    if how == "index" or values.shape[0] == 0:
        return list(range(hidden))
    if how == "variance":
        score = values.var(axis=0)
    elif how == "mean":
        score = values.mean(axis=0)
    elif how == "saturation":
        if (kind or GATE_STYLES.get(by, GateStyle(by, "tanh")).kind) == "sigmoid":
            score = ((values < 0.1) | (values > 0.9)).mean(axis=0)
        else:
            score = (np.abs(values) > 0.9).mean(axis=0)
    else:
        raise ValueError(f"order: expected index, variance, mean or saturation, got {how!r}")
    return [int(u) for u in np.argsort(-score, kind="stable")]


def lines_figure(
    series: dict[str, np.ndarray],  # name -> (T,)
    tokens: list[str],
    title: str,
    y_title: str,
    log: bool = False,
    mark: int | None = None,
    words: dict[str, str] | None = None,
) -> go.Figure:
    """One line per series over the tokens (e.g. gradient norms of RNN, GRU and LSTM)."""
    words = words or WORDS
    x = step_labels(tokens)
    fig = go.Figure()
    for name, values in series.items():
        fig.add_trace(go.Scatter(
            x=x, y=values, mode="lines+markers", name=html.escape(name),
            hovertemplate=words["step"] + " %{x}<br>%{y:.3g}<extra>%{fullData.name}</extra>"))
    every = max(1, math.ceil(len(tokens) / MAX_TICK_LABELS))
    fig.update_layout(
        title=dict(text=html.escape(title, quote=False), font=dict(size=15)),
        height=340,
        margin=dict(l=60, r=10, t=50, b=40),
        xaxis=dict(tickvals=x[::every], ticktext=[plotly_safe(t) for t in tokens[::every]],
                   type="category"),
        yaxis=dict(title=y_title, type="log" if log else "linear",
                   **LOG_TICKS if log else {}),
        legend=dict(orientation="h", y=1.1, x=1, xanchor="right"),
        shapes=[cursor_shape(mark)] if mark is not None else [],
        meta={"gatescope": "lines"},
    )
    return fig


def matrix_figure(
    values: np.ndarray,  # (T, T): row t (read at), column s (written at)
    tokens: list[str],
    title: str,
    hover: str,
) -> go.Figure:
    """A token × token triangle on the fixed [0, 1] scale (e.g. how much of step s survives at t)."""
    x = step_labels(tokens)
    fig = go.Figure(go.Heatmap(z=np.asarray(values, np.float32), x=x, y=x, zmin=0.0, zmax=1.0,
                               colorscale=SEQUENTIAL, hovertemplate=hover + "<extra></extra>"))
    every = max(1, math.ceil(len(tokens) / MAX_TICK_LABELS))
    ticks = dict(tickvals=x[::every], ticktext=[plotly_safe(t) for t in tokens[::every]],
                 type="category")
    fig.update_layout(
        title=dict(text=html.escape(title, quote=False), font=dict(size=15)),
        height=420, margin=dict(l=60, r=10, t=50, b=40),
        xaxis=ticks, yaxis=dict(**ticks, autorange="reversed"),
        meta={"gatescope": "matrix"},
    )
    return fig
