"""Simplified GRU: the update-gate-only GRU of the seed articles (no reset gate).

Written in PyTorch's notation and gate order (z, n), so it lines up with ``nn.GRU``:

    z_t = σ(W_iz x_t + b_iz + W_hz h_(t−1) + b_hz)        update gate (PyTorch's: share kept)
    n_t = tanh(W_in x_t + b_in + W_hn h_(t−1) + b_hn)     candidate (h̃)
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)                 hidden state

The seed articles write u = 1 − z and h_t = u ⊙ h̃ + (1 − u) ⊙ h_(t−1). Without a reset gate the
candidate always sees the whole old state. ``weight_ih`` is (2H, I), ``weight_hh`` is (2H, H).
PyTorch has no module for it: ``cells.train.modules.SimplifiedGRU`` is its torch twin.

Backward, one step:

    δn, δz, δh_(t−1) = δh ⊙ z as the GRU;  δa = [δz ⊙ z(1−z), δn ⊙ (1 − n²)]
    δh_(t−1) += W_hh^T δa;   δx_t = W_ih^T δa

Interventions clamp ẑ, n̂ as in the GRU, with the same exact mix where z is clamped.
"""

from __future__ import annotations

import numpy as np

from cells.activations import aligned_transpose, sigmoid, tanh
from cells.gru import H_PANEL, H_PANEL_U, PRESETS, exact_mix, mix_parts
from cells.spec import CellSpec, Direction, GateSpec, StepHook, sig_grad

N_LINE = "n{t} = tanh(W_in·x + b_in + W_hn·h{t-1} + b_hn) = tanh({n.pre}) = {n}"
SPEC = CellSpec(
    name="sgru",
    title="simplified GRU",
    gates=(
        GateSpec("z", "sigmoid", "keep", block=0, clampable=True),
        GateSpec("n", "tanh", "candidate", block=1, clampable=True),
        GateSpec("h", "tanh", "hidden"),
    ),
    grid=("z", "n", "h"),
    caption_gates=("z",),
    presets=PRESETS,
    step_panel=(N_LINE, *H_PANEL),
    step_panel_u=(N_LINE, *H_PANEL_U),
    torch_module="SimplifiedGRU",
    torch_import="from cells.train.modules import SimplifiedGRU",
)
SPECS = (SPEC,)
GATES = SPEC.keys


def run_direction(
    x_part: np.ndarray,  # (T, 2H): W_ih x_t + b_ih for every step
    weight_hh: np.ndarray,  # (2H, H)
    bias_hh: np.ndarray | None,  # (2H,)
    h0: np.ndarray,  # (H,)
    c0: np.ndarray | None = None,  # unused
    hook: StepHook | None = None,
    spec: CellSpec = SPEC,
) -> dict[str, np.ndarray]:
    """Step the recurrence over T steps; return every gate and state, each (T, H)."""
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in GATES}
    w_hh_t = aligned_transpose(weight_hh)  # (H, 2H)
    b_hh = np.zeros(2 * hidden, np.float32) if bias_hh is None else bias_hh
    h = h0
    for t in range(steps):
        pre = x_part[t] + (h @ w_hh_t + b_hh)  # (2H,) pre-activations of z, n
        z = sigmoid(pre[0:hidden], out["z"][t])
        n = tanh(pre[hidden:], out["n"][t])
        if hook is not None:
            z_clamped = hook.gate(t, "z", z)  # ẑ_t
            hook.gate(t, "n", n)  # n̂_t
        h_prev = h
        h = np.add(n, z * (h - n), out=out["h"][t])  # (1 − z) ⊙ n + z ⊙ h
        if hook is not None:
            exact_mix(z_clamped, z, n, h_prev, h)
            hook.state(t, "h", h)
    return out


def backward_step(
    d: Direction, t: int, dh: np.ndarray, carry: None
) -> tuple[np.ndarray, np.ndarray, None]:
    """(δa (2H,), δh_(t−1) (H,), None) for step ``t``."""
    z, n = d.states["z"][t], d.states["n"][t]
    da = np.concatenate([
        dh * (d.prev["h"][t] - n) * sig_grad(z),  # δa_z
        dh * (1.0 - z) * (1.0 - n**2),  # δa_n
    ])  # (2H,)
    return da, dh * z + da @ d.weight_hh, None


def unit_parts(eq: dict[str, np.ndarray], h_part: np.ndarray, b_ih: np.ndarray,
               b_hh: np.ndarray) -> None:
    """How h_t mixes old and new for one unit, added to ``eq`` (``cells.explain``)."""
    mix_parts(eq)
