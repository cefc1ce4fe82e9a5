"""GRU cell, exactly as PyTorch's ``nn.GRU`` computes it (gate order r, z, n).

    r_t = σ(W_ir x_t + b_ir + W_hr h_(t−1) + b_hr)               reset gate
    z_t = σ(W_iz x_t + b_iz + W_hz h_(t−1) + b_hz)               update gate (PyTorch's: share kept)
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_(t−1) + b_hn))    candidate (h̃)
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)                        hidden state

The reset gate scales the recurrent part *including its bias* b_hn. PyTorch's z is the share of
the old state kept; the seed articles' update gate is u = 1 − z, the share of the candidate written.
``weight_ih`` stacks W_ir, W_iz, W_in as (3H, I); ``weight_hh`` stacks W_h* as (3H, H).
"""

from __future__ import annotations

import numpy as np

from cells.activations import aligned, sigmoid, tanh

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
    """Step the recurrence over T steps; return every gate and state, each (T, H).

    Every step writes straight into its row of the output arrays and into buffers made once here,
    so the loop spends its time on the equations, not on allocating.
    """
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in GATES}
    w_hh_t = aligned(weight_hh.T)  # (H, 3H)
    x_r, x_z, x_n = (x_part[:, k * hidden : (k + 1) * hidden] for k in range(3))  # W_i* x_t + b_i*
    hp = aligned(np.empty(3 * hidden, np.float32))  # (3H,) recurrent parts W_h* h_(t−1) + b_h*
    hp_r, hp_z, hp_n = (hp[k * hidden : (k + 1) * hidden] for k in range(3))
    pre, diff = np.empty(hidden, np.float32), np.empty(hidden, np.float32)  # scratch
    h = h0
    rows = zip(x_r, x_z, x_n, *(out[k] for k in GATES), strict=True)
    for x_r_t, x_z_t, x_n_t, r, z, n, h_t in rows:
        np.matmul(h, w_hh_t, out=hp)  # W_h* h_(t−1)
        if bias_hh is not None:
            hp += bias_hh  # + b_h*
        sigmoid(np.add(x_r_t, hp_r, out=pre), out=r)  # r_t = σ(W_ir x_t + b_ir + W_hr h + b_hr)
        sigmoid(np.add(x_z_t, hp_z, out=pre), out=z)  # z_t = σ(W_iz x_t + b_iz + W_hz h + b_hz)
        tanh(np.add(x_n_t, np.multiply(r, hp_n, out=pre), out=pre), out=n)  # r ⊙ (W_hn h + b_hn)
        # h_t = (1 − z) ⊙ n + z ⊙ h, written n + z ⊙ (h − n): one rounding less
        h = np.add(n, np.multiply(z, np.subtract(h, n, out=diff), out=diff), out=h_t)
    return out
