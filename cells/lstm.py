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

from cells.activations import aligned, sigmoid, tanh

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
    """Step the recurrence over T steps; return every gate and state, each (T, H).

    Every step writes straight into its row of the output arrays and into buffers made once here,
    so the loop spends its time on the equations, not on allocating.
    """
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in GATES}
    w_hh_t = aligned(weight_hh.T)  # (H, 4H)
    x_b = x_part if bias_hh is None else x_part + bias_hh  # (T, 4H): W_i* x_t + b_i* + b_h*
    pre = aligned(np.empty(4 * hidden, np.float32))  # (4H,) pre-activations of i, f, g, o
    pre_i, pre_f, pre_g, pre_o = (pre[k * hidden : (k + 1) * hidden] for k in range(4))
    f_c, i_g, tanh_c = (np.empty(hidden, np.float32) for _ in range(3))  # scratch
    h, c = h0, c0
    for x_b_t, i, f, g, o, c_t, h_t in zip(x_b, *(out[k] for k in GATES), strict=True):
        np.matmul(h, w_hh_t, out=pre)  # W_h* h_(t−1)
        pre += x_b_t  # + W_i* x_t + b_i* + b_h*
        sigmoid(pre_i, out=i)  # i_t = σ(…)
        sigmoid(pre_f, out=f)  # f_t = σ(…)
        tanh(pre_g, out=g)  # g_t = tanh(…)
        sigmoid(pre_o, out=o)  # o_t = σ(…)
        c = np.add(np.multiply(f, c, out=f_c), np.multiply(i, g, out=i_g), out=c_t)  # f⊙c + i⊙g
        h = np.multiply(o, tanh(c, out=tanh_c), out=h_t)  # h_t = o_t ⊙ tanh(c_t)
    return out
