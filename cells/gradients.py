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

Backward equations, one step t of one direction, in the direction's own reading order (δa is the
gradient w.r.t. a pre-activation; δh arrives from the layer above or the target plus from step t+1):

    LSTM  δo = δh ⊙ tanh c_t;   δc = δc_(t+1→t) + δh ⊙ o ⊙ (1 − tanh² c_t)
          δi = δc ⊙ g;  δg = δc ⊙ i;  δf = δc ⊙ c_(t−1);  δc_(t→t−1) = δc ⊙ f
          δa = [δi ⊙ i(1−i), δf ⊙ f(1−f), δg ⊙ (1−g²), δo ⊙ o(1−o)]     (4H,)
          δh_(t−1) += W_hh^T δa;   δx_t = W_ih^T δa
    GRU   δn = δh ⊙ (1 − z);  δz = δh ⊙ (h_(t−1) − n);  δh_(t−1) = δh ⊙ z
          δa_n = δn ⊙ (1 − n²);  δr = δa_n ⊙ (W_hn h_(t−1) + b_hn)
          δa = [δr ⊙ r(1−r), δz ⊙ z(1−z), δa_n]                          (input side, 3H)
          δh_(t−1) += W_hh^T [δa_r, δa_z, r ⊙ δa_n];   δx_t = W_ih^T δa
    sGRU  δn, δz, δh_(t−1) as the GRU;  δa = [δz ⊙ z(1−z), δn ⊙ (1 − n²)]
          δh_(t−1) += W_hh^T δa;   δx_t = W_ih^T δa
    RNN   δa = δh ⊙ (1 − h_t²)  (tanh)  or  δh ⊙ [h_t > 0]  (ReLU)
          δh_(t−1) = W_hh^T δa;   δx_t = W_ih^T δa

The δx of both directions add up; for layers above the first, δx is the δh the layer below
receives at each position.
"""

from __future__ import annotations

import numpy as np

from cells.recurrent import Recurrent, suffix
from cells.run import run
from cells.tracing import Trace


def _sig_grad(s: np.ndarray) -> np.ndarray:  # σ'(a) = σ(a)(1 − σ(a)), from σ(a)
    return s * (1.0 - s)


def _backward_direction(
    rec: Recurrent,
    states: dict[str, np.ndarray],  # {gate: (T, H) float64}, in reading order
    h_prev: np.ndarray,  # (T, H) state each step started from, reading order
    c_prev: np.ndarray | None,  # (T, H) LSTM only
    weight_hh: np.ndarray,  # (blocks·H, H) float64
    bias_hh: np.ndarray | None,  # (blocks·H,) float64
    dh_in: np.ndarray,  # (T, H) gradient arriving at each h_t from outside this direction
) -> np.ndarray:  # (T, blocks·H): gradient w.r.t. the input part W_ih x_t + b_ih of each step
    steps, hidden = dh_in.shape
    blocks = weight_hh.shape[0] // hidden
    d_input = np.zeros((steps, blocks * hidden))
    touched = np.flatnonzero(np.any(dh_in != 0.0, axis=1))
    if len(touched) == 0:
        return d_input
    dh_next = np.zeros(hidden)  # δh_t arriving from step t+1
    dc_next = np.zeros(hidden)  # δc_t arriving from step t+1 (LSTM)
    for t in range(int(touched[-1]), -1, -1):
        dh = dh_in[t] + dh_next  # (H,)
        if rec.cell == "lstm":
            i, f, g, o = (states[k][t] for k in "ifgo")
            tanh_c = np.tanh(states["c"][t])
            do = dh * tanh_c
            dc = dc_next + dh * o * (1.0 - tanh_c**2)
            da = np.concatenate([
                dc * g * _sig_grad(i),  # δa_i
                dc * c_prev[t] * _sig_grad(f),  # δa_f
                dc * i * (1.0 - g**2),  # δa_g
                do * _sig_grad(o),  # δa_o
            ])  # (4H,)
            dc_next = dc * f
            dh_next = da @ weight_hh  # W_hh^T δa, (H,)
            d_input[t] = da
        elif rec.cell == "gru":
            r, z, n = (states[k][t] for k in "rzn")
            hp_n = weight_hh[2 * hidden :] @ h_prev[t]  # W_hn h_(t−1) + b_hn
            if bias_hh is not None:
                hp_n = hp_n + bias_hh[2 * hidden :]
            da_n = dh * (1.0 - z) * (1.0 - n**2)
            da_r = da_n * hp_n * _sig_grad(r)
            da_z = dh * (h_prev[t] - n) * _sig_grad(z)
            d_input[t] = np.concatenate([da_r, da_z, da_n])  # (3H,)
            dh_next = dh * z + np.concatenate([da_r, da_z, r * da_n]) @ weight_hh
        elif rec.cell == "sgru":
            z, n = states["z"][t], states["n"][t]
            da = np.concatenate([
                dh * (h_prev[t] - n) * _sig_grad(z),  # δa_z
                dh * (1.0 - z) * (1.0 - n**2),  # δa_n
            ])  # (2H,)
            d_input[t] = da
            dh_next = dh * z + da @ weight_hh
        else:  # rnn
            h = states["h"][t]
            da = dh * (h > 0.0) if rec.nonlinearity == "relu" else dh * (1.0 - h**2)
            d_input[t] = da
            dh_next = da @ weight_hh
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
            h0_k = trace.h0[k].astype(np.float64)
            h_prev = np.concatenate([h0_k[None], states["h"][:-1]])  # (T, H)
            c_prev = None
            if "c" in states:
                c_prev = np.concatenate([trace.c0[k].astype(np.float64)[None], states["c"][:-1]])
            w = rec.weights
            bias_hh = w.get(f"bias_hh_{s}")
            d_in = _backward_direction(
                rec,
                states,
                h_prev,
                c_prev,
                w[f"weight_hh_{s}"].astype(np.float64),
                None if bias_hh is None else bias_hh.astype(np.float64),
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
