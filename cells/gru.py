"""GRU cell, exactly as PyTorch's ``nn.GRU`` computes it (gate order r, z, n).

    r_t = σ(W_ir x_t + b_ir + W_hr h_(t−1) + b_hr)               reset gate
    z_t = σ(W_iz x_t + b_iz + W_hz h_(t−1) + b_hz)               update gate (PyTorch's: share kept)
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_(t−1) + b_hn))    candidate (h̃)
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)                        hidden state

The reset gate scales the recurrent part *including its bias* b_hn. PyTorch's z is the share of
the old state kept; the seed articles' update gate is u = 1 − z, the share of the candidate written.
``weight_ih`` stacks W_ir, W_iz, W_in as (3H, I); ``weight_hh`` stacks W_h* as (3H, H).

Backward, one step:

    δn = δh ⊙ (1 − z);  δz = δh ⊙ (h_(t−1) − n);  δh_(t−1) = δh ⊙ z
    δa_n = δn ⊙ (1 − n²);  δr = δa_n ⊙ (W_hn h_(t−1) + b_hn)
    δa = [δr ⊙ r(1−r), δz ⊙ z(1−z), δa_n]                          (input side, 3H)
    δh_(t−1) += W_hh^T [δa_r, δa_z, r ⊙ δa_n];   δx_t = W_ih^T δa

Interventions (a hook, see ``cells.spec.StepHook``): r̂ is what the candidate uses; where z is
clamped, h_t is recomputed as (1 − ẑ) ⊙ n̂ + ẑ ⊙ h_(t−1), so ẑ = 1 keeps h_(t−1) exactly and ẑ = 0
writes n̂ exactly (the loop's n + z ⊙ (h − n) can be one rounding off).
"""

from __future__ import annotations

import numpy as np

from cells.activations import aligned, aligned_transpose, sigmoid, tanh
from cells.spec import CellSpec, Direction, GateSpec, StepHook, sig_grad

H_PANEL = (  # the state update of every GRU-like cell (h_t mixes n_t and h_(t−1) by z)
    "h{t} = (1 − z) ⊙ n + z ⊙ h{t-1} = {u}×{n} + {z}×{h_prev}",
    "      = {written} ({@written}) + {kept} ({@kept}) = {h}",
)
H_PANEL_U = (
    "h{t} = u ⊙ n + (1 − u) ⊙ h{t-1} = {u}×{n} + {z}×{h_prev}",
    H_PANEL[1],
)
N_LINE = "n{t} = tanh(W_in·x + b_in + r ⊙ (W_hn·h{t-1} + b_hn)) = tanh({n.pre}) = {n}"
PRESETS = (("keep", (("z", 1.0),)), ("write", (("z", 0.0),)))

SPEC = CellSpec(
    name="gru",
    title="GRU",
    gates=(
        GateSpec("r", "sigmoid", "reset", block=0, clampable=True),
        GateSpec("z", "sigmoid", "keep", block=1, clampable=True),
        GateSpec("n", "tanh", "candidate", block=2, clampable=True),
        GateSpec("h", "tanh", "hidden"),
    ),
    grid=("r", "z", "n", "h"),
    caption_gates=("z", "r"),
    presets=(("reset_off", (("r", 0.0),)), *PRESETS),
    step_panel=(N_LINE, *H_PANEL),
    step_panel_u=(N_LINE, *H_PANEL_U),
    torch_module="nn.GRU",
    torch_mode="GRU",
)
SPECS = (SPEC,)
GATES = SPEC.keys


def run_direction(
    x_part: np.ndarray,  # (T, 3H): W_ih x_t + b_ih for every step
    weight_hh: np.ndarray,  # (3H, H)
    bias_hh: np.ndarray | None,  # (3H,)
    h0: np.ndarray,  # (H,)
    c0: np.ndarray | None = None,  # unused: a GRU has no cell state
    hook: StepHook | None = None,
    spec: CellSpec = SPEC,
) -> dict[str, np.ndarray]:
    """Step the recurrence over T steps; return every gate and state, each (T, H).

    Every step writes straight into its row of the output arrays and into buffers made once here,
    so the loop spends its time on the equations, not on allocating.
    """
    steps, hidden = x_part.shape[0], weight_hh.shape[1]
    out = {k: np.empty((steps, hidden), np.float32) for k in GATES}
    w_hh_t = aligned_transpose(weight_hh)  # (H, 3H)
    x_r, x_z, x_n = (x_part[:, k * hidden : (k + 1) * hidden] for k in range(3))  # W_i* x_t + b_i*
    hp = aligned(np.empty(3 * hidden, np.float32))  # (3H,) recurrent parts W_h* h_(t−1) + b_h*
    hp_r, hp_z, hp_n = (hp[k * hidden : (k + 1) * hidden] for k in range(3))
    pre, diff = np.empty(hidden, np.float32), np.empty(hidden, np.float32)  # scratch
    h = h0
    rows = zip(x_r, x_z, x_n, *(out[k] for k in GATES), strict=True)
    for t, (x_r_t, x_z_t, x_n_t, r, z, n, h_t) in enumerate(rows):
        np.matmul(h, w_hh_t, out=hp)  # W_h* h_(t−1)
        if bias_hh is not None:
            hp += bias_hh  # + b_h*
        sigmoid(np.add(x_r_t, hp_r, out=pre), out=r)  # r_t = σ(W_ir x_t + b_ir + W_hr h + b_hr)
        if hook is not None:
            hook.gate(t, "r", r)  # r̂_t, used by the candidate
        sigmoid(np.add(x_z_t, hp_z, out=pre), out=z)  # z_t = σ(W_iz x_t + b_iz + W_hz h + b_hz)
        tanh(np.add(x_n_t, np.multiply(r, hp_n, out=pre), out=pre), out=n)  # r ⊙ (W_hn h + b_hn)
        if hook is not None:
            z_clamped = hook.gate(t, "z", z)  # ẑ_t
            hook.gate(t, "n", n)  # n̂_t
        h_prev = h
        # h_t = (1 − z) ⊙ n + z ⊙ h, written n + z ⊙ (h − n): one rounding less
        h = np.add(n, np.multiply(z, np.subtract(h, n, out=diff), out=diff), out=h_t)
        if hook is not None:
            exact_mix(z_clamped, z, n, h_prev, h)
            hook.state(t, "h", h)
    return out


def exact_mix(mask: np.ndarray | None, z: np.ndarray, n: np.ndarray, h_prev: np.ndarray,
              h: np.ndarray) -> None:
    """Where z was clamped (``mask``, (H,)), redo h_t as (1 − ẑ) ⊙ n + ẑ ⊙ h_(t−1) in place: exactly
    h_(t−1) for ẑ = 1 and exactly n for ẑ = 0 (n + z ⊙ (h − n) can be one rounding off)."""
    if mask is not None:
        h[mask] = (np.float32(1) - z[mask]) * n[mask] + z[mask] * h_prev[mask]


def backward_step(
    d: Direction, t: int, dh: np.ndarray, carry: None
) -> tuple[np.ndarray, np.ndarray, None]:
    """(δa (3H,), δh_(t−1) (H,), None) for step ``t``."""
    r, z, n = (d.states[k][t] for k in "rzn")
    h_prev = d.prev["h"][t]
    hidden = len(h_prev)
    hp_n = d.weight_hh[2 * hidden :] @ h_prev  # W_hn h_(t−1) + b_hn
    if d.bias_hh is not None:
        hp_n = hp_n + d.bias_hh[2 * hidden :]
    da_n = dh * (1.0 - z) * (1.0 - n**2)
    da_r = da_n * hp_n * sig_grad(r)
    da_z = dh * (h_prev - n) * sig_grad(z)
    dh_prev = dh * z + np.concatenate([da_r, da_z, r * da_n]) @ d.weight_hh
    return np.concatenate([da_r, da_z, da_n]), dh_prev, None


def unit_parts(eq: dict[str, np.ndarray], h_part: np.ndarray, b_ih: np.ndarray,
               b_hh: np.ndarray) -> None:
    """The candidate's parts for one unit, r_t ⊙ (W_hn h + b_hn) (the reset scales the bias too),
    and how h_t mixes old and new; each (T,), added to ``eq`` (``cells.explain``)."""
    eq["n.bias"] = np.full(len(h_part), b_ih[2], np.float32)
    eq["n.recurrent_bias"] = np.full(len(h_part), b_hh[2], np.float32)
    eq["n.recurrent"] = eq["r"] * (h_part[:, 2] + b_hh[2])
    mix_parts(eq)


def mix_parts(eq: dict[str, np.ndarray]) -> None:
    """h_t = (1 − z) ⊙ n + z ⊙ h_(t−1) in parts: ``kept``, ``written`` and u = 1 − z."""
    eq.update(kept=eq["z"] * eq["h_prev"], written=(1 - eq["z"]) * eq["n"], u=1 - eq["z"])
