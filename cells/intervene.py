"""Interventions: rerun a model with gates clamped to fixed values or hidden units silenced.

A ``Clamp`` overwrites one gate of one layer and direction — for all units or chosen ones, over all
steps or a range of token positions — *inside* the recurrence: the clamped value is what the state
update uses, so it changes the state, every later step, the layers above and the head's outputs.
The equations are those of ``cells.lstm``/``cells.gru``/``cells.sgru``/``cells.rnn``, with ``·̂``
marking a clamped quantity (units and steps a clamp does not cover keep their computed value):

    LSTM   i_t, f_t, g_t, o_t computed, then î_t, f̂_t, ĝ_t, ô_t
           c_t = f̂_t ⊙ c_(t−1) + î_t ⊙ ĝ_t,   h_t = ô_t ⊙ tanh(c_t)
           f = 1, i = 0: c_t = c_(t−1) exactly ("never forget, write nothing")
    GRU    r̂_t;  n_t = tanh(W_in x_t + b_in + r̂_t ⊙ (W_hn h_(t−1) + b_hn));  ẑ_t;  n̂_t
           h_t = (1 − ẑ_t) ⊙ n̂_t + ẑ_t ⊙ h_(t−1)
           z = 1: h_t = h_(t−1) exactly ("keep the old state"); z = 0: h_t = n̂_t ("write the
           candidate"). z is PyTorch's update gate, the share kept; u = 1 − z is the app's business.
    sGRU   ẑ_t, n̂_t;  h_t = (1 − ẑ_t) ⊙ n̂_t + ẑ_t ⊙ h_(t−1)
    RNN    no gates to clamp (``zero_units`` still works)

``zero_units`` lists (layer, direction, unit) whose hidden state (and, in an LSTM, cell state) is
set to 0 after every step, so the unit contributes nothing to the next step, the layer above or the
head. The trace records the values the run actually used (clamped gates, zeroed states).

Written as a plain per-step loop per cell that repeats the operations of the cell modules in the
same order, so with no clamps and no zeroed units the result equals ``cells.run`` bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from cells.activations import aligned, sigmoid, tanh
from cells.recurrent import CELL_MODULES, Recurrent, ShapeError
from cells.run import _initial, run_layers
from cells.tracing import Trace

CLAMPABLE: dict[str, tuple[str, ...]] = {
    "lstm": ("i", "f", "g", "o"),
    "gru": ("r", "z", "n"),
    "sgru": ("z", "n"),
    "rnn": (),
}


@dataclass(frozen=True)
class Clamp:
    """Force ``gate`` to ``value`` in one layer and direction.

    ``units``: the units to clamp (None: all). ``steps``: token positions ``start`` (inclusive) to
    ``end`` (exclusive), the same positions as the trace's rows in both directions (None: all).
    """

    gate: str
    value: float
    layer: int = 0
    direction: int = 0
    units: tuple[int, ...] | None = None
    steps: tuple[int, int] | None = None


# {gate: (mask (T, H) bool, values (T, H) float32)}, rows in the order the direction runs
Overrides = dict[str, tuple[np.ndarray, np.ndarray]]


def _check(rec: Recurrent, clamps: Sequence[Clamp], zero_units, steps: int) -> None:
    allowed = CLAMPABLE[rec.cell]
    for c in clamps:
        if c.gate not in allowed:
            raise ValueError(
                f"clamp: a {rec.cell} has no clampable gate {c.gate!r}; expected one of {allowed}"
            )
        if not 0 <= c.layer < rec.num_layers:
            raise ValueError(f"clamp: layer must be in 0..{rec.num_layers - 1}, got {c.layer}")
        if not 0 <= c.direction < rec.num_directions:
            raise ValueError(
                f"clamp: direction must be in 0..{rec.num_directions - 1}, got {c.direction}"
            )
        if not np.isfinite(c.value):
            raise ValueError(f"clamp: value must be finite, got {c.value}")
        for u in c.units or ():
            if not 0 <= u < rec.hidden_size:
                raise ValueError(f"clamp: unit must be in 0..{rec.hidden_size - 1}, got {u}")
        if c.steps is not None:
            start, end = c.steps
            if not 0 <= start <= end:
                raise ValueError(f"clamp: steps must be (start, end) with 0 ≤ start ≤ end, got {c.steps}")
    for layer, direction, unit in zero_units:
        if not (
            0 <= layer < rec.num_layers
            and 0 <= direction < rec.num_directions
            and 0 <= unit < rec.hidden_size
        ):
            raise ValueError(
                f"zero_units: (layer, direction, unit) out of range: {(layer, direction, unit)}"
                f" for {rec.num_layers} layer(s), {rec.num_directions} direction(s),"
                f" {rec.hidden_size} units"
            )


def _overrides(
    clamps: Sequence[Clamp], layer: int, direction: int, steps: int, hidden: int
) -> Overrides:
    """Masks and values of every clamp on this layer and direction, rows in run order."""
    out: Overrides = {}
    for c in clamps:
        if (c.layer, c.direction) != (layer, direction):
            continue
        mask, values = out.setdefault(
            c.gate, (np.zeros((steps, hidden), bool), np.zeros((steps, hidden), np.float32))
        )
        rows = np.zeros(steps, bool)  # token positions
        start, end = c.steps if c.steps is not None else (0, steps)
        rows[start:end] = True
        if direction == 1:
            rows = rows[::-1]  # the backward run reads position T−1 first
        cols = np.zeros(hidden, bool)
        cols[list(c.units) if c.units is not None else slice(None)] = True
        sel = rows[:, None] & cols[None, :]  # (T, H)
        mask |= sel
        values[sel] = np.float32(c.value)  # a later clamp on the same gate wins
    return out


def _apply(overrides: Overrides, gate: str, t: int, row: np.ndarray) -> np.ndarray | None:
    """Clamp ``row`` (H,) in place; return the mask used at step ``t`` or None."""
    if gate not in overrides:
        return None
    mask, values = overrides[gate]
    m = mask[t]
    if not m.any():
        return None
    row[m] = values[t, m]
    return m


def _lstm(x_part, weight_hh, bias_hh, h0, c0, overrides: Overrides, zero: np.ndarray):
    """One direction of an LSTM, clamped; mirrors ``cells.lstm.run_direction``."""
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in CELL_MODULES["lstm"].GATES}
    w_hh_t = aligned(weight_hh.T)  # (H, 4H)
    x_b = x_part if bias_hh is None else x_part + bias_hh  # (T, 4H)
    pre = aligned(np.empty(4 * hidden, np.float32))  # (4H,) pre-activations of i, f, g, o
    pre_i, pre_f, pre_g, pre_o = (pre[k * hidden : (k + 1) * hidden] for k in range(4))
    f_c, i_g, tanh_c = (np.empty(hidden, np.float32) for _ in range(3))
    h, c = h0, c0
    for t in range(steps):
        i, f, g, o = out["i"][t], out["f"][t], out["g"][t], out["o"][t]  # (H,) each
        np.matmul(h, w_hh_t, out=pre)  # W_h* h_(t−1)
        pre += x_b[t]  # + W_i* x_t + b_i* + b_h*
        sigmoid(pre_i, out=i)  # i_t
        sigmoid(pre_f, out=f)  # f_t
        tanh(pre_g, out=g)  # g_t
        sigmoid(pre_o, out=o)  # o_t
        for name, row in (("i", i), ("f", f), ("g", g), ("o", o)):
            _apply(overrides, name, t, row)  # î, f̂, ĝ, ô
        c = np.add(np.multiply(f, c, out=f_c), np.multiply(i, g, out=i_g), out=out["c"][t])
        c[zero] = 0.0  # silenced units: c_t = 0
        h = np.multiply(o, tanh(c, out=tanh_c), out=out["h"][t])  # h_t = ô ⊙ tanh(c_t)
        h[zero] = 0.0
    return out


def _gru(x_part, weight_hh, bias_hh, h0, c0, overrides: Overrides, zero: np.ndarray):
    """One direction of a GRU, clamped; mirrors ``cells.gru.run_direction``."""
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in CELL_MODULES["gru"].GATES}
    w_hh_t = aligned(weight_hh.T)  # (H, 3H)
    x_r, x_z, x_n = (x_part[:, k * hidden : (k + 1) * hidden] for k in range(3))  # (T, H) each
    hp = aligned(np.empty(3 * hidden, np.float32))  # (3H,) W_h* h_(t−1) + b_h*
    hp_r, hp_z, hp_n = (hp[k * hidden : (k + 1) * hidden] for k in range(3))
    pre, diff = np.empty(hidden, np.float32), np.empty(hidden, np.float32)
    h = h0
    for t in range(steps):
        r, z, n, h_t = out["r"][t], out["z"][t], out["n"][t], out["h"][t]  # (H,) each
        np.matmul(h, w_hh_t, out=hp)
        if bias_hh is not None:
            hp += bias_hh
        sigmoid(np.add(x_r[t], hp_r, out=pre), out=r)  # r_t
        _apply(overrides, "r", t, r)  # r̂_t, used by the candidate
        sigmoid(np.add(x_z[t], hp_z, out=pre), out=z)  # z_t
        _apply(overrides, "z", t, z)  # ẑ_t
        tanh(np.add(x_n[t], np.multiply(r, hp_n, out=pre), out=pre), out=n)  # n_t
        _apply(overrides, "n", t, n)  # n̂_t
        h_prev = h
        h = np.add(n, np.multiply(z, np.subtract(h, n, out=diff), out=diff), out=h_t)
        _exact_mix(overrides, t, h, z, n, h_prev)
        h[zero] = 0.0
    return out


def _sgru(x_part, weight_hh, bias_hh, h0, c0, overrides: Overrides, zero: np.ndarray):
    """One direction of the simplified GRU, clamped; mirrors ``cells.sgru.run_direction``."""
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in CELL_MODULES["sgru"].GATES}
    w_hh_t = aligned(weight_hh.T)  # (H, 2H)
    b_hh = np.zeros(2 * hidden, np.float32) if bias_hh is None else bias_hh
    h = h0
    for t in range(steps):
        pre = x_part[t] + (h @ w_hh_t + b_hh)  # (2H,) pre-activations of z, n
        z = sigmoid(pre[0:hidden], out["z"][t])  # z_t
        n = tanh(pre[hidden:], out["n"][t])  # n_t
        _apply(overrides, "z", t, z)
        _apply(overrides, "n", t, n)
        h_prev = h
        h = np.add(n, z * (h - n), out=out["h"][t])  # (1 − ẑ) ⊙ n̂ + ẑ ⊙ h
        _exact_mix(overrides, t, h, z, n, h_prev)
        h[zero] = 0.0
    return out


def _exact_mix(overrides: Overrides, t: int, h, z, n, h_prev) -> None:
    """Where z is clamped, recompute h_t as (1 − ẑ) ⊙ n + ẑ ⊙ h_(t−1), which is exactly h_(t−1)
    for ẑ = 1 and exactly n for ẑ = 0 (the cells' n + z ⊙ (h − n) can be off by one rounding)."""
    if "z" not in overrides:
        return
    m = overrides["z"][0][t]
    if m.any():
        h[m] = (np.float32(1) - z[m]) * n[m] + z[m] * h_prev[m]


def _rnn(x_part, weight_hh, bias_hh, h0, c0, overrides: Overrides, zero: np.ndarray,
         nonlinearity: str = "tanh"):
    """One direction of a vanilla RNN with silenced units; mirrors ``cells.rnn.run_direction``."""
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {"h": np.empty((steps, hidden), np.float32)}
    w_hh_t = aligned(weight_hh.T)  # (H, H)
    b_hh = np.zeros(hidden, np.float32) if bias_hh is None else bias_hh
    h = h0
    for t in range(steps):
        pre = x_part[t] + (h @ w_hh_t + b_hh)  # (H,)
        if nonlinearity == "relu":
            h = np.maximum(pre, 0.0, out=out["h"][t])
        else:
            h = tanh(pre, out["h"][t])
        h[zero] = 0.0
    return out


STEPPERS: dict[str, Callable[..., dict[str, np.ndarray]]] = {
    "lstm": _lstm,
    "gru": _gru,
    "sgru": _sgru,
    "rnn": _rnn,
}


def run_clamped(
    model_or_recurrent,
    x: np.ndarray,  # (T, input_size)
    clamps: Sequence[Clamp] = (),
    zero_units: Sequence[tuple[int, int, int]] = (),
    h0: np.ndarray | None = None,  # (L*D, H)
    c0: np.ndarray | None = None,  # (L*D, H), LSTM only
) -> Trace:
    """Trace ``x`` through the model with ``clamps`` and ``zero_units`` applied inside the
    recurrence; apply the head (if ``model_or_recurrent`` is a ``cells.Model``) like ``cells.run``.

    With no clamps and no zeroed units this equals ``cells.run(model, x, h0, c0)`` exactly.
    """
    rec: Recurrent = getattr(model_or_recurrent, "recurrent", model_or_recurrent)
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != rec.input_size:
        raise ShapeError(f"input: expected shape (T, {rec.input_size}), got {x.shape}")
    clamps = list(clamps)
    zero_units = [tuple(int(v) for v in z) for z in zero_units]
    steps = x.shape[0]
    _check(rec, clamps, zero_units, steps)
    h_init = _initial(h0, rec, "h0")  # (L*D, H)
    c_init = _initial(c0, rec, "c0")
    step = STEPPERS[rec.cell]
    extra = {"nonlinearity": rec.nonlinearity} if rec.cell == "rnn" else {}

    def clamped_direction(layer, direction, x_part, w_hh, b_hh, h_0, c_0):
        zero = np.zeros(rec.hidden_size, bool)  # (H,) units silenced in this layer and direction
        for zl, zd, zu in zero_units:
            if (zl, zd) == (layer, direction):
                zero[zu] = True
        overrides = _overrides(clamps, layer, direction, steps, rec.hidden_size)
        return step(x_part, w_hh, b_hh, h_0, c_0, overrides, zero, **extra)

    states, inputs = run_layers(rec, x, h0, c0, run_direction=clamped_direction)
    trace = Trace(recurrent=rec, states=states, layer_inputs=inputs)
    trace.h0, trace.c0 = h_init, c_init
    head = getattr(model_or_recurrent, "head", None)
    if head is not None:
        trace.outputs = head.apply(trace.top_output())
    return trace


def trace_clamped(
    model,
    text: str,
    clamps: Sequence[Clamp] = (),
    zero_units: Sequence[tuple[int, int, int]] = (),
) -> Trace:
    """``cells.trace`` with interventions: tokenize, embed, ``run_clamped``, keep the tokens."""
    tokens = model.tokenizer(text)
    result = run_clamped(model, model.embed(tokens), clamps, zero_units)
    result.text = text if isinstance(text, str) else ""
    result.tokens = [t.text for t in tokens]
    result.spans = [(t.start, t.end) for t in tokens]
    result.token_ids = [t.id for t in tokens]
    return result
