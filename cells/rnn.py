"""Vanilla (Elman) RNN cell, exactly as PyTorch's ``nn.RNN`` computes it.

    h_t = tanh(W_ih x_t + b_ih + W_hh h_(t−1) + b_hh)      hidden state

(``nonlinearity="relu"`` replaces tanh by max(0, ·).) No gates: every step rewrites the whole state
through W_hh, which is why gradients through many steps vanish or explode.
"""

from __future__ import annotations

import numpy as np

from cells.activations import aligned, tanh

GATES = ("h",)
SIGMOID_GATES: tuple[str, ...] = ()
N_BLOCKS = 1


def run_direction(
    x_part: np.ndarray,  # (T, H): W_ih x_t + b_ih for every step
    weight_hh: np.ndarray,  # (H, H)
    bias_hh: np.ndarray | None,  # (H,)
    h0: np.ndarray,  # (H,)
    c0: np.ndarray | None = None,  # unused
    nonlinearity: str = "tanh",
) -> dict[str, np.ndarray]:
    """Step the recurrence over T steps; return the hidden state, (T, H)."""
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
    return out
