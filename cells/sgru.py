"""Simplified GRU: the update-gate-only GRU of the seed articles (no reset gate).

Written in PyTorch's notation and gate order (z, n), so it lines up with ``nn.GRU``:

    z_t = σ(W_iz x_t + b_iz + W_hz h_(t−1) + b_hz)        update gate (PyTorch's: share kept)
    n_t = tanh(W_in x_t + b_in + W_hn h_(t−1) + b_hn)     candidate (h̃)
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)                 hidden state

The seed articles write u = 1 − z and h_t = u ⊙ h̃ + (1 − u) ⊙ h_(t−1). Without a reset gate the
candidate always sees the whole old state. ``weight_ih`` is (2H, I), ``weight_hh`` is (2H, H).
PyTorch has no module for it: ``cells.train.modules.SimplifiedGRU`` is its torch twin.
"""

from __future__ import annotations

import numpy as np

from cells.activations import aligned, sigmoid, tanh

GATES = ("z", "n", "h")
SIGMOID_GATES = ("z",)
N_BLOCKS = 2


def run_direction(
    x_part: np.ndarray,  # (T, 2H): W_ih x_t + b_ih for every step
    weight_hh: np.ndarray,  # (2H, H)
    bias_hh: np.ndarray | None,  # (2H,)
    h0: np.ndarray,  # (H,)
    c0: np.ndarray | None = None,  # unused
) -> dict[str, np.ndarray]:
    """Step the recurrence over T steps; return every gate and state, each (T, H)."""
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in GATES}
    w_hh_t = aligned(weight_hh.T)  # (H, 2H)
    b_hh = np.zeros(2 * hidden, np.float32) if bias_hh is None else bias_hh
    h = h0
    for t in range(steps):
        pre = x_part[t] + (h @ w_hh_t + b_hh)  # (2H,) pre-activations of z, n
        z = sigmoid(pre[0:hidden], out["z"][t])
        n = tanh(pre[hidden:], out["n"][t])
        h = np.add(n, z * (h - n), out=out["h"][t])  # (1 − z) ⊙ n + z ⊙ h
    return out
