"""The numbers behind one unit's equations at every step: input part, recurrent part, biases,
pre-activation and activation of each gate, and how the new state mixes old and new.

Everything is recomputed from the weights and the trace (never from stored pre-activations), so it
doubles as a check: each ``<gate>.value`` equals the traced gate.
"""

from __future__ import annotations

import numpy as np

from cells.recurrent import suffix
from cells.tracing import Trace


def previous(seq: np.ndarray, initial: np.ndarray, direction: int) -> np.ndarray:  # (T, H)
    """The state each step started from, aligned to tokens: h_(t−1) forward, h_(t+1) backward."""
    if len(seq) == 0:
        return seq
    if direction == 0:
        return np.concatenate([initial[None, :], seq[:-1]])
    return np.concatenate([seq[1:], initial[None, :]])


def unit_equations(trace: Trace, layer: int, direction: int, unit: int) -> dict[str, np.ndarray]:
    """``{name: (T,) float32}`` for one unit: ``<g>.input``, ``<g>.recurrent``, ``<g>.bias``,
    ``<g>.pre``, ``<g>`` for each gate g, ``<s>_prev`` and ``<s>`` for each state s (``h_prev``,
    ``c_prev``), and the state update parts the cell module's ``unit_parts`` adds (``kept``,
    ``written``, ``tanh_c``, ``u``, …)."""
    rec = trace.recurrent
    states = trace.gates(layer, direction)
    hidden = rec.hidden_size
    if not 0 <= unit < hidden:
        raise IndexError(f"unit must be in 0..{hidden - 1}, got {unit}")
    s = suffix(layer, direction)
    k = layer * rec.num_directions + direction
    x = trace.layer_inputs[layer]  # (T, I)
    spec = rec.spec
    rows = [b * hidden + unit for b in range(spec.blocks)]
    w_ih = rec.weights[f"weight_ih_{s}"][rows]  # (blocks, I)
    w_hh = rec.weights[f"weight_hh_{s}"][rows]  # (blocks, H)
    zeros = np.zeros(spec.blocks, np.float32)
    b_ih = rec.weights[f"bias_ih_{s}"][rows] if rec.bias else zeros
    b_hh = rec.weights[f"bias_hh_{s}"][rows] if rec.bias else zeros
    prev = {key: previous(states[key], getattr(trace, f"{key}0")[k], direction)  # (T, H)
            for key in spec.states}
    x_part = x @ w_ih.T  # (T, blocks)
    h_part = prev["h"] @ w_hh.T  # (T, blocks)
    out: dict[str, np.ndarray] = {f"{key}_prev": v[:, unit] for key, v in prev.items()}
    for key in spec.keys:
        out[key] = states[key][:, unit]
    for b, g in enumerate(spec.block_gates):
        out[f"{g}.input"] = x_part[:, b]
        out[f"{g}.recurrent"] = h_part[:, b]
        out[f"{g}.bias"] = np.full(len(x), b_ih[b] + b_hh[b], np.float32)
    rec.module.unit_parts(out, h_part, b_ih, b_hh)  # the cell's own parts (GRU: r ⊙ (W_hn h + b_hn))
    for g in spec.block_gates:
        out[f"{g}.pre"] = out[f"{g}.input"] + out[f"{g}.recurrent"] + out[f"{g}.bias"]
    return {key: np.asarray(v, np.float32) for key, v in out.items()}
