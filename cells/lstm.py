"""LSTM cell, exactly as PyTorch's ``nn.LSTM`` computes it (gate order i, f, g, o).

    i_t = σ(W_ii x_t + b_ii + W_hi h_(t−1) + b_hi)        input gate
    f_t = σ(W_if x_t + b_if + W_hf h_(t−1) + b_hf)        forget gate
    g_t = tanh(W_ig x_t + b_ig + W_hg h_(t−1) + b_hg)     candidate (c̃)
    o_t = σ(W_io x_t + b_io + W_ho h_(t−1) + b_ho)        output gate
    c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t                       cell state
    h_t = o_t ⊙ tanh(c_t)                                 hidden state

``weight_ih`` stacks W_ii, W_if, W_ig, W_io as (4H, I); ``weight_hh`` stacks W_h* as (4H, H).
The input parts W_i* x_t + b_i* of all steps arrive precomputed as one (T, 4H) matrix product.

Backward, one step (δa: gradient w.r.t. a pre-activation; δh from outside plus from step t+1):

    δo = δh ⊙ tanh c_t;   δc = δc_(t+1→t) + δh ⊙ o ⊙ (1 − tanh² c_t)
    δi = δc ⊙ g;  δg = δc ⊙ i;  δf = δc ⊙ c_(t−1);  δc_(t→t−1) = δc ⊙ f
    δa = [δi ⊙ i(1−i), δf ⊙ f(1−f), δg ⊙ (1−g²), δo ⊙ o(1−o)]     (4H,)
    δh_(t−1) = W_hh^T δa;   δx_t = W_ih^T δa

Interventions (a hook, see ``cells.spec.StepHook``) may overwrite i, f, g, o after they are
computed and c, h after they are: f = 1, i = 0 gives c_t = c_(t−1) exactly.
"""

from __future__ import annotations

import numpy as np

from cells.activations import aligned, aligned_transpose, sigmoid, tanh
from cells.spec import CellSpec, Direction, GateSpec, StepHook, sig_grad

SPEC = CellSpec(
    name="lstm",
    title="LSTM",
    gates=(
        GateSpec("i", "sigmoid", "write", block=0, clampable=True),
        GateSpec("f", "sigmoid", "keep", block=1, clampable=True),
        GateSpec("g", "tanh", "candidate", block=2, clampable=True),
        GateSpec("o", "sigmoid", "read", block=3, clampable=True),
        GateSpec("c", "state", "memory"),
        GateSpec("h", "tanh", "hidden"),
    ),
    grid=("i", "f", "g", "o", "c", "h"),
    caption_gates=("f", "i", "o"),
    presets=(("never_forget", (("f", 1.0), ("i", 0.0))), ("write_nothing", (("i", 0.0),))),
    step_panel=(
        "c{t} = f ⊙ c{t-1} + i ⊙ g = {f}×{c_prev} + {i}×{g}",
        "      = {kept} ({@kept}) + {written} ({@written}) = {c}",
        "h{t} = o ⊙ tanh(c) = {o} × {tanh_c} = {h}",
    ),
    torch_module="nn.LSTM",
    torch_mode="LSTM",
)
SPECS = (SPEC,)
GATES = SPEC.keys


def run_direction(
    x_part: np.ndarray,  # (T, 4H): W_ih x_t + b_ih for every step
    weight_hh: np.ndarray,  # (4H, H)
    bias_hh: np.ndarray | None,  # (4H,)
    h0: np.ndarray,  # (H,)
    c0: np.ndarray,  # (H,)
    hook: StepHook | None = None,
    spec: CellSpec = SPEC,
) -> dict[str, np.ndarray]:
    """Step the recurrence over T steps; return every gate and state, each (T, H).

    Every step writes straight into its row of the output arrays and into buffers made once here,
    so the loop spends its time on the equations, not on allocating.
    """
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in GATES}
    w_hh_t = aligned_transpose(weight_hh)  # (H, 4H)
    x_b = x_part if bias_hh is None else x_part + bias_hh  # (T, 4H): W_i* x_t + b_i* + b_h*
    pre = aligned(np.empty(4 * hidden, np.float32))  # (4H,) pre-activations of i, f, g, o
    pre_i, pre_f, pre_g, pre_o = (pre[k * hidden : (k + 1) * hidden] for k in range(4))
    f_c, i_g, tanh_c = (np.empty(hidden, np.float32) for _ in range(3))  # scratch
    h, c = h0, c0
    rows = zip(x_b, *(out[k] for k in GATES), strict=True)
    for t, (x_b_t, i, f, g, o, c_t, h_t) in enumerate(rows):
        np.matmul(h, w_hh_t, out=pre)  # W_h* h_(t−1)
        pre += x_b_t  # + W_i* x_t + b_i* + b_h*
        sigmoid(pre_i, out=i)  # i_t = σ(…)
        sigmoid(pre_f, out=f)  # f_t = σ(…)
        tanh(pre_g, out=g)  # g_t = tanh(…)
        sigmoid(pre_o, out=o)  # o_t = σ(…)
        if hook is not None:  # î, f̂, ĝ, ô
            for key, row in (("i", i), ("f", f), ("g", g), ("o", o)):
                hook.gate(t, key, row)
        c = np.add(np.multiply(f, c, out=f_c), np.multiply(i, g, out=i_g), out=c_t)  # f⊙c + i⊙g
        if hook is not None:
            hook.state(t, "c", c)
        h = np.multiply(o, tanh(c, out=tanh_c), out=h_t)  # h_t = o_t ⊙ tanh(c_t)
        if hook is not None:
            hook.state(t, "h", h)
    return out


def backward_step(
    d: Direction, t: int, dh: np.ndarray, carry: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(δa (4H,), δh_(t−1) through W_hh (H,), δc_(t→t−1) (H,)) for step ``t``; ``carry`` is
    δc_(t+1→t) (None at the last step)."""
    i, f, g, o = (d.states[k][t] for k in "ifgo")
    tanh_c = np.tanh(d.states["c"][t])
    dc = dh * o * (1.0 - tanh_c**2)
    if carry is not None:
        dc += carry
    da = np.concatenate([
        dc * g * sig_grad(i),  # δa_i
        dc * d.prev["c"][t] * sig_grad(f),  # δa_f
        dc * i * (1.0 - g**2),  # δa_g
        dh * tanh_c * sig_grad(o),  # δa_o
    ])  # (4H,)
    return da, da @ d.weight_hh, dc * f


def unit_parts(eq: dict[str, np.ndarray], h_part: np.ndarray, b_ih: np.ndarray,
               b_hh: np.ndarray) -> None:
    """Add how c_t mixes old and new for one unit (each (T,)) to ``eq`` (``cells.explain``)."""
    eq.update(kept=eq["f"] * eq["c_prev"], written=eq["i"] * eq["g"], tanh_c=np.tanh(eq["c"]))
