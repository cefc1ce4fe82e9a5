"""Find the unit: rank units by how well they track a known hidden variable of the input.

Given a hidden variable at every step (the running count in aⁿbⁿ, whether the reader is inside a
quotation, the number of the sentence's subject — task knowledge, computed in ``cells.tasks``),
rank the units of any gate or state by the absolute Pearson correlation over steps:

    r_u = Σ_t (v_tu − v̄_u)(y_t − ȳ) / √(Σ_t (v_tu − v̄_u)² · Σ_t (y_t − ȳ)²),    score_u = |r_u|

A unit (or a target) that does not vary over the steps gets r = 0 rather than a division by zero.
This module is generic maths: it knows no task.
"""

from __future__ import annotations

import numpy as np


def rank_units(
    values: np.ndarray,  # (T, H) one gate or state over the steps
    target: np.ndarray,  # (T,) the hidden variable at each step
    mask: np.ndarray | None = None,  # (T,) bool: the steps to use (None: all)
) -> list[tuple[int, float, float]]:
    """``[(unit, score, correlation), ...]`` best first: score = |Pearson r| of the unit's values
    with ``target`` over the (masked) steps. Constant units, or a constant target, score 0."""
    v = np.asarray(values, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64)
    if v.ndim != 2 or y.shape != (v.shape[0],):
        raise ValueError(f"rank_units: expected values (T, H) and target (T,), got {v.shape}, {y.shape}")
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != y.shape:
            raise ValueError(f"rank_units: mask must have shape {y.shape}, got {m.shape}")
        v, y = v[m], y[m]
    r = np.zeros(v.shape[1])
    # max − min is exact, so a constant column is recognised without rounding noise in its mean
    varying = (v.shape[0] > 1) & (np.ptp(v, axis=0) > 0) if len(v) else np.zeros(v.shape[1], bool)
    if len(y) > 1 and np.ptp(y) > 0 and varying.any():
        vc = v[:, varying] - v[:, varying].mean(axis=0)  # (T, H')
        yc = y - y.mean()  # (T,)
        r[varying] = (yc @ vc) / np.sqrt((vc * vc).sum(axis=0) * (yc @ yc))
        r = np.clip(r, -1.0, 1.0)
    order = sorted(range(len(r)), key=lambda u: (-abs(r[u]), u))
    return [(int(u), float(abs(r[u])), float(r[u])) for u in order]
