"""Memory lifetime: how much of what a unit wrote at step s is still there at step t ≥ s.

In the LSTM the cell state carries what was written, scaled by the forget gate at every later step:

    c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t    ⇒    ∂c_t/∂(i_s ⊙ g_s) = f_(s+1) ⊙ f_(s+2) ⊙ … ⊙ f_t

In the GRU and the simplified GRU the hidden state does, scaled by PyTorch's update gate z (the
share of the old state kept; the articles' 1 − u):

    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)    ⇒    ∂h_t/∂((1 − z_s) ⊙ n_s) = z_(s+1) ⊙ … ⊙ z_t

So the lifetime of a write at s, seen at t, is L(s, t) = ∏_(k=s+1..t) keep_k per unit: 1 on the
diagonal (t = s), falling towards 0 as the gates forget. (This is the direct path only: in the full
gradient the gates themselves depend on h and add other paths; see ``cells.gradients``.) A vanilla
RNN has no gate that keeps anything — its state is rewritten through W_hh at every step — so the
lifetime is undefined there and these functions raise ValueError.

Positions are token positions. A backward direction reads right to left, so what it writes at s
survives to the *earlier* positions t ≤ s: L(s, t) = ∏_(k=t..s−1) keep_k. Entries that are not
reachable (t < s forward, t > s backward) are 0. Products are running ``cumprod`` from each s in
float64, so gates of exactly 0 or 1 need no guarding and nothing is divided.
"""

from __future__ import annotations

import numpy as np

from cells.tracing import Trace


def keep_share(trace: Trace, layer: int = 0, direction: int = 0) -> np.ndarray:  # (T, H)
    """The gate that scales the carried state: the LSTM's forget gate f, the GRU's/sGRU's z."""
    spec = trace.recurrent.spec
    keep = spec.role_gate("keep")
    if keep is None:
        raise ValueError(
            f"memory lifetime is undefined for a {spec.name}: it has no gate that keeps the old state"
            " (every step rewrites it through W_hh); use a cell with a keep gate (LSTM, GRU, sGRU)"
        )
    return trace.gates(layer, direction)[keep]


def _per_unit(keep: np.ndarray, direction: int, s: int) -> np.ndarray:  # (T, H) float64
    steps, hidden = keep.shape
    if not 0 <= s < steps:
        raise IndexError(f"s must be in 0..{steps - 1}, got {s}")
    out = np.zeros((steps, hidden))
    out[s] = 1.0
    if direction == 0:  # L(s, t) = ∏_(k=s+1..t) keep_k for t > s
        out[s + 1 :] = np.cumprod(keep[s + 1 :].astype(np.float64), axis=0)
    elif s > 0:  # L(s, t) = ∏_(k=t..s−1) keep_k for t < s
        out[:s] = np.cumprod(keep[s - 1 :: -1].astype(np.float64), axis=0)[::-1]
    return out


def lifetime_per_unit(trace: Trace, layer: int, direction: int, s: int) -> np.ndarray:  # (T, H)
    """For a write at position ``s``: the share of it left at every position t, per unit."""
    return _per_unit(keep_share(trace, layer, direction), direction, s).astype(np.float32)


def memory_lifetime(trace: Trace, layer: int = 0, direction: int = 0) -> np.ndarray:  # (T, T, H)
    """``L[s, t, u]``: the share of what unit u wrote at s left at t (T·T·H float32 values)."""
    keep = keep_share(trace, layer, direction)
    steps, hidden = keep.shape
    out = np.zeros((steps, steps, hidden), np.float32)
    for s in range(steps):
        out[s] = _per_unit(keep, direction, s)
    return out


def lifetime_mean(trace: Trace, layer: int = 0, direction: int = 0) -> np.ndarray:  # (T, T)
    """``M[s, t]``: ``memory_lifetime`` averaged over the units, without building (T, T, H)."""
    keep = keep_share(trace, layer, direction)
    steps = keep.shape[0]
    out = np.zeros((steps, steps), np.float32)
    for s in range(steps):
        out[s] = _per_unit(keep, direction, s).mean(axis=1)
    return out
