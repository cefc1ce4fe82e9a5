"""Vanilla (Elman) RNN cell, exactly as PyTorch's ``nn.RNN`` computes it.

    h_t = tanh(W_ih x_t + b_ih + W_hh h_(t−1) + b_hh)      hidden state

(``nonlinearity="relu"`` replaces tanh by max(0, ·): ``RELU_SPEC``.) No gates: every step rewrites
the whole state through W_hh, which is why gradients through many steps vanish or explode.

Backward, one step:

    δa = δh ⊙ (1 − h_t²)  (tanh)  or  δh ⊙ [h_t > 0]  (ReLU)
    δh_(t−1) = W_hh^T δa;   δx_t = W_ih^T δa

Nothing to clamp; interventions may still silence units (a hook on h).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from cells.activations import aligned_transpose, tanh
from cells.spec import CellSpec, Direction, GateSpec, StepHook

SPEC = CellSpec(
    name="rnn",
    title="RNN",
    gates=(GateSpec("h", "tanh", "hidden", block=0),),
    grid=("h",),
    caption_gates=(),
    presets=(),
    step_panel=("h{t} = tanh(W_ih·x + W_hh·h{t-1} + b) = tanh({h.pre}) = {h}",),
    torch_module="nn.RNN",
    torch_mode="RNN_TANH",
)
RELU_SPEC = replace(
    SPEC,
    title="RNN (ReLU)",
    gates=(GateSpec("h", "relu", "hidden", block=0, label="h_relu"),),
    step_panel=("h{t} = max(0, W_ih·x + W_hh·h{t-1} + b) = max(0, {h.pre}) = {h}",),
    torch_mode="RNN_RELU",
    nonlinearity="relu",
)
SPECS = (SPEC, RELU_SPEC)
GATES = SPEC.keys


def run_direction(
    x_part: np.ndarray,  # (T, H): W_ih x_t + b_ih for every step
    weight_hh: np.ndarray,  # (H, H)
    bias_hh: np.ndarray | None,  # (H,)
    h0: np.ndarray,  # (H,)
    c0: np.ndarray | None = None,  # unused
    hook: StepHook | None = None,
    spec: CellSpec = SPEC,
) -> dict[str, np.ndarray]:
    """Step the recurrence over T steps; return the hidden state, (T, H)."""
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {"h": np.empty((steps, hidden), np.float32)}
    w_hh_t = aligned_transpose(weight_hh)  # (H, H)
    b_hh = np.zeros(hidden, np.float32) if bias_hh is None else bias_hh
    relu = spec.nonlinearity == "relu"
    h = h0
    for t in range(steps):
        pre = x_part[t] + (h @ w_hh_t + b_hh)  # (H,)
        if relu:
            h = np.maximum(pre, 0.0, out=out["h"][t])
        else:
            h = tanh(pre, out["h"][t])
        if hook is not None:
            hook.state(t, "h", h)
    return out


def backward_step(
    d: Direction, t: int, dh: np.ndarray, carry: None
) -> tuple[np.ndarray, np.ndarray, None]:
    """(δa (H,), δh_(t−1) (H,), None) for step ``t``."""
    h = d.states["h"][t]
    da = dh * (h > 0.0) if d.spec.nonlinearity == "relu" else dh * (1.0 - h**2)
    return da, da @ d.weight_hh, None


def unit_parts(eq: dict[str, np.ndarray], h_part: np.ndarray, b_ih: np.ndarray,
               b_hh: np.ndarray) -> None:
    """Nothing beyond the pre-activation and h itself."""
