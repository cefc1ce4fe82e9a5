"""Vanishing gradients: how strongly an output at one step depends on each earlier input.

``input_gradient_norms(model, x, step, output)`` is ‖∂target/∂x_s‖₂ for every input position s,
where the target is

    target = W_head[output] · y_step + b_head[output]    the head's logit ``output`` at ``step``
                                                         (before softmax/sigmoid/scaling), if the
                                                         model has a head and ``output`` is given
    target = Σ_j y_step[j]                               otherwise: the sum of the top layer's
                                                         hidden state at ``step`` (both directions'
                                                         halves for a bidirectional model)

and y_step (D·H,) is the top layer's output at ``step``. Computed by exact backpropagation through
time in NumPy (float64 on the float32 forward trace), for the LSTM, GRU, RNN (tanh or ReLU) and
simplified GRU, any number of layers and both directions. A forward direction at ``step`` has read
x_0..x_step only, so a unidirectional model gets exactly 0 for s > step; a backward direction has
read x_step..x_(T−1), so a bidirectional model's gradient reaches later inputs too.

Each cell module holds its backward step (``backward_step``, equations in its docstring), for one
step t of one direction, in the direction's own reading order: from δh (arriving from the layer
above or the target, plus from step t+1 through W_hh) it gives δa, the gradient w.r.t. the step's
input part W_ih x_t + b_ih (so δx_t = W_ih^T δa), and what flows back to step t−1.

The δx of both directions add up; for layers above the first, δx is the δh the layer below
receives at each position.
"""

from __future__ import annotations

import numpy as np

from cells.recurrent import Recurrent, suffix
from cells.run import run
from cells.spec import Direction
from cells.tracing import Trace


def _backward_direction(
    rec: Recurrent,
    d: Direction,  # float64, reading order
    dh_in: np.ndarray,  # (T, H) gradient arriving at each h_t from outside this direction
) -> np.ndarray:  # (T, blocks·H): gradient w.r.t. the input part W_ih x_t + b_ih of each step
    steps, hidden = dh_in.shape
    d_input = np.zeros((steps, rec.spec.blocks * hidden))
    touched = np.flatnonzero(np.any(dh_in != 0.0, axis=1))
    if len(touched) == 0:
        return d_input
    backward_step = rec.module.backward_step
    dh_next = np.zeros(hidden)  # δh_t arriving from step t+1
    carry = None  # what else the cell carries back (an LSTM's δc)
    for t in range(int(touched[-1]), -1, -1):
        d_input[t], dh_next, carry = backward_step(d, t, dh_in[t] + dh_next, carry)
    return d_input


def _reading_order(a: np.ndarray, direction: int) -> np.ndarray:
    return a if direction == 0 else a[::-1]


def input_gradients(
    model_or_recurrent,
    x: np.ndarray,  # (T, input_size)
    step: int,
    output: int | None = None,
    h0: np.ndarray | None = None,  # (L*D, H)
    c0: np.ndarray | None = None,  # (L*D, H), LSTM only
    trace: Trace | None = None,  # a cells.run trace of the same x, h0, c0 to reuse
) -> np.ndarray:  # (T, input_size) float64
    """∂target/∂x_s for every position s (see the module docstring for the target)."""
    rec: Recurrent = getattr(model_or_recurrent, "recurrent", model_or_recurrent)
    head = getattr(model_or_recurrent, "head", None)
    x = np.asarray(x, dtype=np.float32)
    if trace is None:
        trace = run(rec, x, h0, c0)
    steps = trace.steps
    if not 0 <= step < steps:
        raise IndexError(f"step must be in 0..{steps - 1}, got {step}")
    d_top = np.zeros((steps, rec.output_size))  # (T, D·H): ∂target/∂y
    if output is None:
        d_top[step] = 1.0
    elif head is None:
        raise ValueError("output: this model has no head; pass output=None for the sum of h")
    else:
        if not 0 <= output < head.weight.shape[0]:
            raise IndexError(f"output must be in 0..{head.weight.shape[0] - 1}, got {output}")
        d_top[step] = head.weight[output].astype(np.float64)
    hidden = rec.hidden_size
    grad = d_top  # gradient w.r.t. the current layer's output, (T, D·H)
    for layer in range(rec.num_layers - 1, -1, -1):
        n_in = trace.layer_inputs[layer].shape[1]
        d_x = np.zeros((steps, n_in))
        for direction in range(rec.num_directions):
            s = suffix(layer, direction)
            k = layer * rec.num_directions + direction
            states = {
                key: _reading_order(v.astype(np.float64), direction)
                for key, v in trace.gates(layer, direction).items()
            }
            prev = {  # (T, H) each: the state each step started from (h0, c0 at the first)
                key: np.concatenate([getattr(trace, f"{key}0")[k].astype(np.float64)[None],
                                     states[key][:-1]])
                for key in rec.spec.states
            }
            w = rec.weights
            bias_hh = w.get(f"bias_hh_{s}")
            direction_trace = Direction(
                spec=rec.spec,
                states=states,
                prev=prev,
                weight_hh=w[f"weight_hh_{s}"].astype(np.float64),
                bias_hh=None if bias_hh is None else bias_hh.astype(np.float64),
            )
            d_in = _backward_direction(
                rec,
                direction_trace,
                _reading_order(grad[:, direction * hidden : (direction + 1) * hidden], direction),
            )  # (T, blocks·H)
            d_x += _reading_order(d_in @ w[f"weight_ih_{s}"].astype(np.float64), direction)
        grad = d_x
    return grad


def input_gradient_norms(
    model_or_recurrent,
    x: np.ndarray,  # (T, input_size)
    step: int,
    output: int | None = None,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    trace: Trace | None = None,
) -> np.ndarray:  # (T,) float64
    """‖∂target/∂x_s‖₂ for every input position s: the head's logit ``output`` at ``step`` if the
    model has a head and ``output`` is given, else the sum of the top layer's h at ``step``.
    0 for s > step in a unidirectional model."""
    g = input_gradients(model_or_recurrent, x, step, output, h0, c0, trace)
    return np.sqrt(np.sum(g * g, axis=1))
