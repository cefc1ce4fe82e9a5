"""LSTM cell, exactly as PyTorch's ``nn.LSTM`` computes it (gate order i, f, g, o).

    i_t = σ(W_ii x_t + b_ii + W_hi h_(t−1) + b_hi)        input gate
    f_t = σ(W_if x_t + b_if + W_hf h_(t−1) + b_hf)        forget gate
    g_t = tanh(W_ig x_t + b_ig + W_hg h_(t−1) + b_hg)     candidate (c̃)
    o_t = σ(W_io x_t + b_io + W_ho h_(t−1) + b_ho)        output gate
    c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t                       cell state
    h_t = o_t ⊙ tanh(c_t)                                 hidden state

``weight_ih`` stacks W_ii, W_if, W_ig, W_io as (4H, I); ``weight_hh`` stacks W_h* as (4H, H).
The input parts W_i* x_t + b_i* of all steps arrive precomputed as one (T, 4H) matrix product.
"""

from __future__ import annotations

import numpy as np

from cells.activations import sigmoid, tanh

GATES = ("i", "f", "g", "o", "c", "h")
SIGMOID_GATES = ("i", "f", "o")
N_BLOCKS = 4  # rows of weight_ih per hidden unit


def run_direction(
    x_part: np.ndarray,  # (T, 4H): W_ih x_t + b_ih for every step
    weight_hh: np.ndarray,  # (4H, H)
    bias_hh: np.ndarray | None,  # (4H,)
    h0: np.ndarray,  # (H,)
    c0: np.ndarray,  # (H,)
) -> dict[str, np.ndarray]:
    """Step the recurrence over T steps; return every gate and state, each (T, H)."""
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in GATES}
    w_hh_t = np.ascontiguousarray(weight_hh.T)  # (H, 4H)
    b_hh = np.zeros(4 * hidden, np.float32) if bias_hh is None else bias_hh
    h, c = h0, c0
    for t in range(steps):
        pre = x_part[t] + (h @ w_hh_t + b_hh)  # (4H,) pre-activations of i, f, g, o
        i = sigmoid(pre[0:hidden], out["i"][t])
        f = sigmoid(pre[hidden : 2 * hidden], out["f"][t])
        g = tanh(pre[2 * hidden : 3 * hidden], out["g"][t])
        o = sigmoid(pre[3 * hidden :], out["o"][t])
        c = np.add(f * c, i * g, out=out["c"][t])
        h = np.multiply(o, np.tanh(c), out=out["h"][t])
    return out
