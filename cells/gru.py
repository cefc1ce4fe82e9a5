"""GRU cell, exactly as PyTorch's ``nn.GRU`` computes it (gate order r, z, n).

    r_t = σ(W_ir x_t + b_ir + W_hr h_(t−1) + b_hr)                reset gate
    z_t = σ(W_iz x_t + b_iz + W_hz h_(t−1) + b_hz)                update gate (PyTorch's: share kept)
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_(t−1) + b_hn))     candidate (h̃)
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)                         hidden state

The reset gate scales the recurrent part *including its bias* b_hn. PyTorch's z is the share of
the old state kept; the seed articles' update gate is u = 1 − z, the share of the candidate written.
``weight_ih`` stacks W_ir, W_iz, W_in as (3H, I); ``weight_hh`` stacks W_h* as (3H, H).
"""

from __future__ import annotations

import numpy as np

from cells.activations import sigmoid, tanh

GATES = ("r", "z", "n", "h")
SIGMOID_GATES = ("r", "z")
N_BLOCKS = 3


def run_direction(
    x_part: np.ndarray,  # (T, 3H): W_ih x_t + b_ih for every step
    weight_hh: np.ndarray,  # (3H, H)
    bias_hh: np.ndarray | None,  # (3H,)
    h0: np.ndarray,  # (H,)
    c0: np.ndarray | None = None,  # unused: a GRU has no cell state
) -> dict[str, np.ndarray]:
    """Step the recurrence over T steps; return every gate and state, each (T, H)."""
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in GATES}
    w_hh_t = np.ascontiguousarray(weight_hh.T)  # (H, 3H)
    b_hh = np.zeros(3 * hidden, np.float32) if bias_hh is None else bias_hh
    h = h0
    for t in range(steps):
        xp = x_part[t]  # (3H,)
        hp = h @ w_hh_t + b_hh  # (3H,) recurrent parts W_h* h + b_h*
        r = sigmoid(xp[0:hidden] + hp[0:hidden], out["r"][t])
        z = sigmoid(xp[hidden : 2 * hidden] + hp[hidden : 2 * hidden], out["z"][t])
        n = tanh(xp[2 * hidden :] + r * hp[2 * hidden :], out["n"][t])
        h = np.add(n, z * (h - n), out=out["h"][t])  # (1 − z) ⊙ n + z ⊙ h, one rounding less
    return out
