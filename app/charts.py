"""Pure Plotly figure builders (no Streamlit): one heatmap per gate or state, units × tokens.

Conventions (DESIGN.md): sigmoid gates on a fixed [0, 1] sequential scale; tanh quantities on a fixed
[−1, 1] diverging scale centred on 0; the unbounded cell state on a symmetric range stated on the
chart. Colour-blind-safe scales; tokens along x, units along y, the current step marked by a cursor
shape that the browser moves without a rerun (``layout.meta.gatescope == "heatmap"``).
"""

from __future__ import annotations

import html
import math
import unicodedata
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from app import i18n
from app.labels import plotly_safe, visible
from cells.registry import SPECS

SEQUENTIAL = "Viridis"  # colour-blind safe, perceptually uniform
DIVERGING = "RdBu"  # ColorBrewer, colour-blind safe
CELL_DIVERGING = "PuOr"  # ColorBrewer, colour-blind safe; differs from tanh quantities on purpose
CURSOR_COLOR = "#ff1f9e"
MAX_TICK_LABELS = 60
FONT = 14  # chart text in px: titles, ticks, colour bars, legends, hovers (DESIGN.md: ≥ 14)
PRESENT_FONT = 20  # the same on a projector (≥ 20)
WIDTH = 900  # the plot width (px) a builder assumes when a view does not say
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


def _wide(ch: str) -> bool:
    """A wide (CJK) character: 1 em, and a line may break beside it."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def text_em(text: str) -> float:
    """Rough width of ``text`` in em of a sans-serif font: wide (CJK) characters 1 em, others ~0.6."""
    return sum(1.0 if _wide(ch) else 0.6 for ch in text)


def tick_every(labels: list[str], font_size: int = FONT, width: int = WIDTH) -> int:
    """Show every n-th x label so that the longest label (plus a gap) fits its share of ``width``:
    labels never overlap."""
    if not labels:
        return 1
    per_label = font_size * (max(text_em(x) for x in labels) + 1.0)  # px, with one em of gap
    fit = math.ceil(len(labels) * per_label / max(width, 100))
    return max(1, fit, math.ceil(len(labels) / MAX_TICK_LABELS))


NO_LINE_START = "，。、：；！？）》」』】…,.:;!?)"  # punctuation that closes: never first on a line
NO_LINE_END = "（《「『【("  # punctuation that opens: never last on a line


def _last_break(line: str) -> int:
    """Where ``line`` may be broken last (0: nowhere): at a space, or beside a wide (CJK)
    character, which may end or start a line; never inside a Latin word."""
    for i in range(len(line) - 1, 0, -1):
        if line[i] in NO_LINE_START or line[i - 1] in NO_LINE_END:
            continue
        if line[i] == " " or _wide(line[i]) or _wide(line[i - 1]):
            return i
    return 0


def wrap_title(text: str, font_size: int, width: int) -> tuple[str, int]:
    """(escaped title with <br> line breaks, number of lines) so that no line is wider than
    ``width`` px at ``font_size``: a title is wrapped, never clipped. Breaks at a space when the
    line has one, else between characters (Chinese has no spaces)."""
    limit = max(8.0, width / font_size)  # em per line
    lines, line = [], ""
    for ch in text:
        if text_em(line + ch) > limit and line.strip():
            cut = _last_break(line) if ch != " " else len(line)
            if cut > 0:
                lines.append(line[:cut])
                line = line[cut:].lstrip(" ")
            else:  # one long word: cut it
                lines.append(line)
                line = ""
            if ch == " ":
                continue
        line += ch
    lines.append(line)
    return "<br>".join(html.escape(x.strip(), quote=False) for x in lines), len(lines)


def readable(fig: go.Figure, title: str, font_size: int = FONT, width: int = WIDTH,
             top: int = 0) -> go.Figure:
    """Readable text on a figure: every text at ``font_size`` (title a little larger), the title
    wrapped to ``width`` and the top margin grown to hold it (plus ``top`` px, e.g. a legend)."""
    title_size = font_size + 2
    # the title starts at the left margin (Plotly anchors it there), so it has the rest of the width
    left = fig.layout.margin.l if fig.layout.margin.l is not None else 80
    text, lines = wrap_title(title, title_size, width - left - 20)
    fig.update_layout(
        font=dict(size=font_size),
        # at the top of the figure; Plotly lifts a title of several lines by about one line above
        # its anchor (measured in chromium), so the anchor goes down by as much (else it is clipped)
        title=dict(text=text, font=dict(size=title_size), x=0, xanchor="left", xref="paper",
                   y=1 - (6 + (0.9 * title_size if lines > 1 else 0)) / (fig.layout.height or 450),
                   yanchor="top", yref="container"),
        hoverlabel=dict(font=dict(size=font_size)),
        legend=dict(font=dict(size=font_size)),
    )
    fig.update_layout(margin=dict(t=int(lines * title_size * 1.3 + 14 + top)))
    fig.update_xaxes(tickfont=dict(size=font_size), title_font=dict(size=font_size), automargin=True)
    fig.update_yaxes(tickfont=dict(size=font_size), title_font=dict(size=font_size), automargin=True)
    fig.update_traces(colorbar=dict(tickfont=dict(size=font_size)), selector=dict(type="heatmap"))
    return fig


UPRIGHT_MAX_EM = 6.0  # upright x labels are cut to about 10 characters ("…"), as in heatmaps.js


def x_ticks(x: list[str], tokens: list[str], font_size: int = FONT, width: int = WIDTH) -> dict:
    """The x axis of a tokens chart: category axis, labels thinned so that they never overlap.
    Level labels take the longest label plus one em each; where that would leave words out,
    upright labels (a line's height each) show more, so a sentence of words keeps every word where
    it fits; labels of single characters stay level, even with a few longer ones among them
    (``heatmaps.js``'s ``ticks`` does the same in the page)."""
    shown = [visible(tok) for tok in tokens]
    ems = [text_em(s) for s in shown]
    level = tick_every(shown, font_size, width)
    # an upright label takes a line's height; 1.6 em each, as ``width`` is an estimate here
    upright = max(1, math.ceil(len(shown) * font_size * 1.6 / max(width, 100)),
                  math.ceil(len(shown) / MAX_TICK_LABELS))
    middle = sorted(ems)[(len(ems) - 1) // 2] if ems else 0.0  # the (lower) median label
    turn = middle > 1.2 and upright < level  # characters stay level (a few longer ones too)
    every = upright if turn else level
    text = [cut_label(s, UPRIGHT_MAX_EM) if turn and em > UPRIGHT_MAX_EM else s
            for s, em in zip(shown, ems, strict=True)]
    axis = dict(tickvals=x[::every], ticktext=[html.escape(t, quote=False) for t in text[::every]],
                type="category")
    if turn:
        axis["tickangle"] = -90
    return axis


def cut_label(label: str, max_em: float) -> str:
    """The start of ``label`` that fits ``max_em`` (with room for "…"), then "…"."""
    out = ""
    for ch in label:
        if text_em(out + ch) > max_em - 0.6:
            break
        out += ch
    return out + "…"


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
    font_size: int = FONT,
    width: int = WIDTH,
) -> go.Figure:
    """Units (rows, in ``unit_order``) × tokens (columns) heatmap of one gate, cursor at ``step``.
    ``kind``: the gate's kind in its cell's spec (default: the kind its key has in most cells).
    ``font_size``: every text of the chart (≥ 20 when presenting); ``width``: about how wide the
    chart is drawn (px), to thin the x labels and wrap the title."""
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
        height=height or int(min(460, max(220, 90 + 2.2 * len(order)))),
        margin=dict(l=60, r=10, b=40),
        shapes=[cursor_shape(step)],
        meta={"gatescope": "heatmap", "gate": gate},
        xaxis=x_ticks(x, tokens, font_size, width - 8 * font_size),
        yaxis=dict(autorange="reversed", type="category", showticklabels=len(order) <= 64),
        uirevision=gate,
    )
    return readable(fig, label, font_size, width)


def outputs_figure(
    outputs: np.ndarray,  # (T, K)
    tokens: list[str],
    labels: list[str],
    step: int,
    title: str,
    words: dict[str, str] | None = None,
    font_size: int = FONT,
    width: int = WIDTH,
) -> go.Figure:
    """Class probabilities (labels × tokens, fixed [0, 1]) with the same cursor as the gates."""
    words = words or WORDS
    fig = heatmap_figure(outputs, tokens, gate="p", step=step, title=title, words=words,
                         font_size=font_size, width=width)
    fig.update_traces(
        y=[plotly_safe(label) for label in labels],
        zmin=0.0,
        zmax=1.0,
        colorscale=SEQUENTIAL,
        hovertemplate=words["step"] + " %{x}<br>%{y}<br>p = %{z:.3f}<extra></extra>",
    )
    fig.update_layout(height=int(min(360, 60 + 5 * font_size + 2 * font_size * len(labels))),
                      yaxis=dict(showticklabels=True))
    return readable(fig, title, font_size, width)  # again: the title's place depends on the height


def series_figure(
    predicted: np.ndarray,  # (T,)
    actual_next: np.ndarray,  # (T,), NaN where unknown
    tokens: list[str],
    step: int,
    title: str,
    y_title: str,
    words: dict[str, str] | None = None,
    font_size: int = FONT,
    width: int = WIDTH,
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
    fig.update_layout(
        height=200 + 4 * font_size,
        margin=dict(l=60, r=10, b=40),
        shapes=[cursor_shape(step)],
        meta={"gatescope": "heatmap", "gate": "output"},
        xaxis=x_ticks(x, tokens, font_size, width - 4 * font_size),
        yaxis=dict(title=y_title),
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"),
        uirevision="output",
    )
    return readable(fig, title, font_size, width, top=int(1.6 * font_size))


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
    font_size: int = FONT,
    width: int = WIDTH,
    height: int | None = None,
) -> go.Figure:
    """One line per series over the tokens (e.g. gradient norms of RNN, GRU and LSTM)."""
    words = words or WORDS
    x = step_labels(tokens)
    fig = go.Figure()
    for name, values in series.items():
        fig.add_trace(go.Scatter(
            x=x, y=values, mode="lines+markers", name=html.escape(name),
            hovertemplate=words["step"] + " %{x}<br>%{y:.3g}<extra>%{fullData.name}</extra>"))
    legend_rows = math.ceil(sum(text_em(n) + 3 for n in series) * font_size / max(width, 100))
    fig.update_layout(
        height=height or 340,
        margin=dict(l=60, r=10, b=40),
        xaxis=x_ticks(x, tokens, font_size, width - 4 * font_size),
        yaxis=dict(title=y_title, type="log" if log else "linear",
                   **log_ticks(list(series.values())) if log else {}),
        # shown for one line too (Plotly hides a lone trace's legend): its name says what it is
        showlegend=True,
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"),
        shapes=[cursor_shape(mark)] if mark is not None else [],
        meta={"gatescope": "lines"},
    )
    return readable(fig, title, font_size, width, top=int(legend_rows * 1.5 * font_size))


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
MAX_LOG_TICKS = 9


def log_ticks(series: list[np.ndarray]) -> dict:
    """A log axis's ticks, every label at the axis's font size and in one format: 1, 2 and 5 ×
    10^k inside the data's range (3 and 7 too over about one decade; only the powers of ten when
    there are too many), written as plain numbers ("0.02") when every one is between 0.001 and
    10,000, else as powers ("2×10⁻⁵"). Plotly's own ticks over one to two decades are digits
    ("4 3 2 10⁻¹ 9 8 …") drawn smaller, which a class cannot read as values; under one decade
    (fewer than three of these ticks) Plotly's own are plain numbers, and they are kept."""
    values = np.concatenate([np.asarray(v, np.float64).ravel() for v in series]) if series else []
    values = values[np.isfinite(values) & (values > 0)] if len(values) else values
    if not len(values):
        return dict(LOG_TICKS)
    lo, hi = float(values.min()), float(values.max())
    powers = range(math.floor(math.log10(lo)), math.floor(math.log10(hi)) + 1)

    def within(multiples: tuple[int, ...]) -> list[float]:
        return [t for k in powers for m in multiples if lo <= (t := float(f"{m}e{k}")) <= hi]

    ticks = within((1, 2, 5))
    if len(ticks) < 5:  # about one decade: 3 and 7 too, so that its top and bottom are named
        ticks = within((1, 2, 3, 5, 7))
    if len(ticks) < 3:  # under half a decade: evenly stepped values, near evenly spaced there
        ticks, text = even_ticks(lo, hi)
        return dict(tickmode="array", tickvals=ticks, ticktext=text) if len(ticks) > 1 else dict(LOG_TICKS)
    if len(ticks) > MAX_LOG_TICKS:
        ticks = within((1,))
        ticks = ticks[:: math.ceil(len(ticks) / MAX_LOG_TICKS)]
    plain = all(1e-3 <= t < 1e4 for t in ticks)
    return dict(tickmode="array", tickvals=ticks, ticktext=[tick_text(t, plain) for t in ticks])


MAX_EVEN_TICKS = 6


def even_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """The multiples in [lo, hi] of the smallest step of 1, 2 or 5 × 10^k that gives at most
    MAX_EVEN_TICKS of them ("0.1, 0.15, 0.2, 0.25" for 0.08 to 0.29), and their labels with the
    step's digits, as plain numbers between 0.001 and 10,000, else as "3.2×10⁻⁷". Plotly's own
    ticks there were a label every 0.02 (twelve at the projector's 20 px, touching)."""
    if not hi > lo > 0:
        return [], []
    for k in range(math.floor(math.log10(hi - lo)) - 1, math.floor(math.log10(hi)) + 2):
        for m in (1, 2, 5):
            step = m * 10.0**k
            first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
            if last - first + 1 <= MAX_EVEN_TICKS:
                ticks = [float(f"{n * step:.12g}") for n in range(first, last + 1)]
                return ticks, [even_text(t, k, lo, hi) for t in ticks]
    return [], []


def even_text(value: float, k: int, lo: float, hi: float) -> str:
    """A tick of ``even_ticks`` (step m × 10^k) with the step's digits and no trailing zeros."""
    def digits(v: float, places: int) -> str:
        text = f"{v:.{max(0, places)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if 1e-3 <= lo and hi < 1e4:
        return digits(value, -k)
    e = math.floor(math.log10(hi))
    return f"{digits(value / 10.0**e, e - k)}×{power_of_ten(e)}"


def tick_text(value: float, plain: bool) -> str:
    """"0.02" (``plain``) or "2×10⁻²" / "10⁻⁵" for a tick of ``log_ticks``."""
    if plain:
        return f"{value:.4g}"
    k = math.floor(math.log10(value) + 1e-9)
    m = round(value / 10.0**k)
    return power_of_ten(k) if m == 1 else f"{m}×{power_of_ten(k)}"


def power_of_ten(k: int) -> str:
    """10^k as the page writes it: "10⁻⁵"."""
    return f"10{str(k).translate(SUPERSCRIPT)}"


def matrix_figure(
    values: np.ndarray,  # (T, T): row t (read at), column s (written at)
    tokens: list[str],
    title: str,
    hover: str,
    font_size: int = FONT,
    width: int = WIDTH,
    height: int = 420,
) -> go.Figure:
    """A token × token triangle on the fixed [0, 1] scale (e.g. how much of step s survives at t)."""
    x = step_labels(tokens)
    fig = go.Figure(go.Heatmap(z=np.asarray(values, np.float32), x=x, y=x, zmin=0.0, zmax=1.0,
                               colorscale=SEQUENTIAL, hovertemplate=hover + "<extra></extra>"))
    ticks = x_ticks(x, tokens, font_size, width - 8 * font_size)
    y_every = tick_every(["x"] * len(tokens), font_size, height - 6 * font_size)  # one line per label
    fig.update_layout(
        height=height, margin=dict(l=60, r=10, b=40),
        xaxis=ticks, yaxis=dict(tickvals=x[::y_every], ticktext=[plotly_safe(t) for t in tokens[::y_every]],
                                type="category", autorange="reversed"),
        meta={"gatescope": "matrix"},
    )
    return readable(fig, title, font_size, width)
