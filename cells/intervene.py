"""Interventions: rerun a model with gates clamped to fixed values or hidden units silenced.

A ``Clamp`` overwrites one gate of one layer and direction — for all units or chosen ones, over all
steps or a range of token positions — *inside* the recurrence: the clamped value is what the state
update uses, so it changes the state, every later step, the layers above and the head's outputs.
Which gates can be clamped, and what clamping them means for the state, each cell module says
(``cells.lstm``, ``cells.gru``, …): its step loop calls an ``Intervention`` hook after computing
each gate and state, and with ``·̂`` marking a clamped quantity it uses ĝ in the rest of the step.
LSTM f = 1, i = 0 keeps c_t = c_(t−1) exactly; GRU z = 1 keeps h_t = h_(t−1) exactly, z = 0 writes
the candidate (z is PyTorch's update gate, the share kept; u = 1 − z is the app's business).

``zero_units`` lists (layer, direction, unit) whose states (h, and an LSTM's c) are set to 0 after
every step, so the unit contributes nothing to the next step, the layer above or the head. The
trace records the values the run actually used (clamped gates, zeroed states).

There is no copy of any step loop here: with no clamps and no zeroed units the run is
``cells.run``'s own, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cells.recurrent import Recurrent, ShapeError
from cells.registry import SPECS
from cells.run import make_trace
from cells.tracing import Trace

CLAMPABLE: dict[str, tuple[str, ...]] = {name: spec.clampable for name, spec in SPECS.items()}


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
    allowed = rec.spec.clampable
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


class Intervention:
    """The hook one direction's step loop calls (``cells.spec.StepHook``): clamps gates where
    ``overrides`` say, zeroes the states of the ``zero`` units."""

    def __init__(self, overrides: Overrides, zero: np.ndarray):  # zero: (H,) bool
        self.overrides = overrides
        self.zero = zero

    def gate(self, t: int, key: str, row: np.ndarray) -> np.ndarray | None:
        """Clamp ``row`` (H,) in place; return the mask used at step ``t`` or None."""
        if key not in self.overrides:
            return None
        mask, values = self.overrides[key]
        m = mask[t]
        if not m.any():
            return None
        row[m] = values[t, m]
        return m

    def state(self, t: int, key: str, row: np.ndarray) -> None:
        row[self.zero] = 0.0  # silenced units: c_t = 0, h_t = 0


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
    return _clamped(model_or_recurrent, x, clamps, zero_units, h0, c0)


def _clamped(model_or_recurrent, x, clamps, zero_units, h0=None, c0=None, *, tokens=None,
             text: str = "") -> Trace:
    rec: Recurrent = getattr(model_or_recurrent, "recurrent", model_or_recurrent)
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != rec.input_size:
        raise ShapeError(f"input: expected shape (T, {rec.input_size}), got {x.shape}")
    clamps = list(clamps)
    zero_units = [tuple(int(v) for v in z) for z in zero_units]
    _check(rec, clamps, zero_units, x.shape[0])
    return make_trace(model_or_recurrent, x, h0, c0, tokens=tokens, text=text,
                      hooks=_hooks(rec, clamps, zero_units, x.shape[0]))


def _hooks(rec: Recurrent, clamps: Sequence[Clamp], zero_units, steps: int):
    def hook(layer: int, direction: int) -> Intervention | None:
        zero = np.zeros(rec.hidden_size, bool)  # (H,) units silenced in this layer and direction
        for zl, zd, zu in zero_units:
            if (zl, zd) == (layer, direction):
                zero[zu] = True
        overrides = _overrides(clamps, layer, direction, steps, rec.hidden_size)
        return Intervention(overrides, zero)

    return hook


def trace_clamped(
    model,
    text: str,
    clamps: Sequence[Clamp] = (),
    zero_units: Sequence[tuple[int, int, int]] = (),
) -> Trace:
    """``cells.trace`` with interventions: tokenize, embed, ``run_clamped``, keep the tokens."""
    tokens = model.tokenizer(text)
    return _clamped(model, model.embed(tokens), clamps, zero_units, tokens=tokens, text=text)
