"""The numbers behind one unit's equations at every step: input part, recurrent part, biases,
pre-activation and activation of each gate, and how the new state mixes old and new.

Everything is recomputed from the weights and the trace (never from stored pre-activations), so it
doubles as a check: each ``<gate>.value`` equals the traced gate.
"""

from __future__ import annotations

import numpy as np

from cells.recurrent import CELL_MODULES, suffix
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
    ``<g>.pre``, ``<g>`` for each gate g, and the state update parts of the cell."""
    rec = trace.recurrent
    states = trace.gates(layer, direction)
    hidden = rec.hidden_size
    if not 0 <= unit < hidden:
        raise IndexError(f"unit must be in 0..{hidden - 1}, got {unit}")
    s = suffix(layer, direction)
    k = layer * rec.num_directions + direction
    x = trace.layer_inputs[layer]  # (T, I)
    h_prev = previous(states["h"], trace.h0[k], direction)  # (T, H)
    blocks = CELL_MODULES[rec.cell].N_BLOCKS
    rows = [b * hidden + unit for b in range(blocks)]
    w_ih = rec.weights[f"weight_ih_{s}"][rows]  # (blocks, I)
    w_hh = rec.weights[f"weight_hh_{s}"][rows]  # (blocks, H)
    zeros = np.zeros(blocks, np.float32)
    b_ih = rec.weights[f"bias_ih_{s}"][rows] if rec.bias else zeros
    b_hh = rec.weights[f"bias_hh_{s}"][rows] if rec.bias else zeros
    x_part = x @ w_ih.T  # (T, blocks)
    h_part = h_prev @ w_hh.T  # (T, blocks)
    names = [g for g in rec.gate_names if g not in ("c", "h")] or ["h"]
    out: dict[str, np.ndarray] = {"h_prev": h_prev[:, unit]}
    for b, g in enumerate(names):
        out[f"{g}.input"] = x_part[:, b]
        out[f"{g}.recurrent"] = h_part[:, b]
        out[f"{g}.bias"] = np.full(len(x), b_ih[b] + b_hh[b], np.float32)
        out[g] = states[g][:, unit]
    for b, g in enumerate(names):
        if rec.cell == "gru" and g == "n":  # r_t ⊙ (W_hn h + b_hn): the reset scales the bias too
            out["n.bias"] = np.full(len(x), b_ih[b], np.float32)
            out["n.recurrent_bias"] = np.full(len(x), b_hh[b], np.float32)
            out["n.recurrent"] = out["r"] * (h_part[:, b] + b_hh[b])
        out[f"{g}.pre"] = out[f"{g}.input"] + out[f"{g}.recurrent"] + out[f"{g}.bias"]
    if rec.cell == "lstm":
        c_prev = previous(states["c"], trace.c0[k], direction)[:, unit]
        out.update(c_prev=c_prev, kept=out["f"] * c_prev, written=out["i"] * out["g"])
        out.update(c=states["c"][:, unit], tanh_c=np.tanh(states["c"][:, unit]))
    elif rec.cell in ("gru", "sgru"):
        out.update(kept=out["z"] * out["h_prev"], written=(1 - out["z"]) * out["n"])
    out["h"] = states["h"][:, unit]
    return {key: np.asarray(v, np.float32) for key, v in out.items()}
