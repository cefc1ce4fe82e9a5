"""Gate saturation (Karpathy, Johnson and Fei-Fei 2015, "Visualizing and Understanding Recurrent
Networks", fig. 3): for each unit of a sigmoid gate, the fraction of steps at which it is

    left-saturated    σ < 0.1    (nearly shut)
    right-saturated   σ > 0.9    (nearly open)

Plotted against each other, units near the axes' far ends act as switches (a forget gate > 0.9
almost always is an integrator that remembers), units near the origin work in the gate's middle.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from cells.pipeline import trace as trace_text
from cells.tracing import Trace

LOW, HIGH = 0.1, 0.9


def saturation(
    values: np.ndarray,  # (T, H) gate activations
    low: float = LOW,
    high: float = HIGH,
) -> tuple[np.ndarray, np.ndarray]:  # (H,), (H,) float64
    """Per unit, the fraction of steps with value < ``low`` and the fraction with value > ``high``.
    With no steps, both are 0."""
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values: expected shape (T, H), got {values.shape}")
    steps = values.shape[0]
    if steps == 0:
        return np.zeros(values.shape[1]), np.zeros(values.shape[1])
    return (values < low).sum(axis=0) / steps, (values > high).sum(axis=0) / steps


def gate_values(trace: Trace, layer: int, direction: int, gate: str) -> np.ndarray:  # (T, H)
    """One sigmoid gate of a trace; ValueError for a name that is not a sigmoid gate of the cell."""
    sig = trace.recurrent.sigmoid_gates
    if gate not in sig:
        raise ValueError(
            f"saturation: {gate!r} is not a sigmoid gate of a {trace.recurrent.cell}; expected one"
            f" of {sig}" + (" (a vanilla RNN has no gates)" if not sig else "")
        )
    return trace.gates(layer, direction)[gate]


def saturation_over_texts(
    model,
    texts: Iterable[str],
    layer: int = 0,
    direction: int = 0,
    gate: str = "f",
    low: float = LOW,
    high: float = HIGH,
) -> tuple[np.ndarray, np.ndarray]:  # (H,), (H,) float64
    """``saturation`` of one gate over every step of every text, pooled (each step counts once, so
    longer texts weigh more, as in the paper's statistics over a test set)."""
    below = above = None
    total = 0
    for text in texts:
        values = gate_values(trace_text(model, text), layer, direction, gate)  # (T, H)
        b, a = (values < low).sum(axis=0), (values > high).sum(axis=0)
        below = b if below is None else below + b
        above = a if above is None else above + a
        total += values.shape[0]
    if below is None or total == 0:
        hidden = model.recurrent.hidden_size
        return np.zeros(hidden), np.zeros(hidden)
    return below / total, above / total
