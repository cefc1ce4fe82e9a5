"""Run a ``Recurrent`` stack over a sequence of vectors, keeping every gate of every step."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cells.recurrent import CELL_MODULES, Recurrent, ShapeError, suffix
from cells.tracing import Trace


def _initial(
    state: np.ndarray | None, model: Recurrent, name: str
) -> np.ndarray:  # (L*D, H)
    shape = (model.num_layers * model.num_directions, model.hidden_size)
    if state is None:
        return np.zeros(shape, np.float32)
    arr = np.asarray(state, dtype=np.float32)
    if arr.ndim == 3 and arr.shape[1] == 1:  # PyTorch's (L*D, batch=1, H)
        arr = arr[:, 0, :]
    if arr.shape != shape:
        raise ShapeError(f"{name}: expected shape {shape} (or with a batch of 1), got {arr.shape}")
    return arr


# (layer, direction, x_part (T, blocks*H), weight_hh, bias_hh, h0 (H,), c0 (H,)) -> {gate: (T, H)}
DirectionRunner = Callable[..., dict[str, np.ndarray]]


def run_layers(
    model: Recurrent,
    x: np.ndarray,  # (T, input_size)
    h0: np.ndarray | None = None,  # (L*D, H)
    c0: np.ndarray | None = None,  # (L*D, H), LSTM only
    run_direction: DirectionRunner | None = None,
) -> tuple[list[list[dict[str, np.ndarray]]], list[np.ndarray]]:
    """Return ``states[layer][direction]`` (dicts of (T, H) arrays) and each layer's input.

    ``run_direction`` replaces the cell's own step loop (interventions use it); by default it is
    the cell module's ``run_direction``.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != model.input_size:
        raise ShapeError(f"input: expected shape (T, {model.input_size}), got {x.shape}")
    h_init = _initial(h0, model, "h0")
    c_init = _initial(c0, model, "c0")
    if run_direction is None:
        cell = CELL_MODULES[model.cell]
        extra = {"nonlinearity": model.nonlinearity} if model.cell == "rnn" else {}

        def run_direction(layer, direction, x_part, w_hh, b_hh, h_0, c_0):
            return cell.run_direction(x_part, w_hh, b_hh, h_0, c_0, **extra)

    w = model.weights
    states: list[list[dict[str, np.ndarray]]] = []
    inputs: list[np.ndarray] = []
    layer_in = x  # (T, I) for layer 0, (T, D*H) above
    for layer in range(model.num_layers):
        inputs.append(layer_in)
        per_direction = []
        for direction in range(model.num_directions):
            s = suffix(layer, direction)
            seq = layer_in if direction == 0 else layer_in[::-1]
            x_part = seq @ w[f"weight_ih_{s}"].T  # (T, blocks*H): all steps in one product
            if model.bias:
                x_part += w[f"bias_ih_{s}"]
            k = layer * model.num_directions + direction
            out = run_direction(
                layer, direction, x_part, w[f"weight_hh_{s}"], w.get(f"bias_hh_{s}"),
                h_init[k], c_init[k],
            )
            if direction == 1:  # align the backward run to the tokens it read
                out = {key: np.ascontiguousarray(v[::-1]) for key, v in out.items()}
            per_direction.append(out)
        states.append(per_direction)
        layer_in = np.concatenate([d["h"] for d in per_direction], axis=1)  # (T, D*H)
    return states, inputs


def run(
    model: Recurrent,
    x: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
) -> Trace:
    """Trace ``x`` (T, input_size) through every layer and direction of ``model``."""
    recurrent = getattr(model, "recurrent", model)
    states, inputs = run_layers(recurrent, x, h0, c0)
    trace = Trace(recurrent=recurrent, states=states, layer_inputs=inputs)
    trace.h0 = _initial(h0, recurrent, "h0")
    trace.c0 = _initial(c0, recurrent, "c0")
    head = getattr(model, "head", None)
    if head is not None:
        trace.outputs = head.apply(trace.top_output())
    return trace
