"""The one forward path: run a ``Recurrent`` stack over vectors, keeping every gate of every step,
and make the ``Trace`` (``cells.run``, ``cells.trace``, interventions all come through here)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from cells.recurrent import Recurrent, ShapeError, suffix
from cells.spec import StepHook
from cells.tokenize import Token
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


# (layer, direction) -> the hook that direction's step loop calls (None: a plain run)
HookFactory = Callable[[int, int], StepHook | None]


def run_layers(
    model: Recurrent,
    x: np.ndarray,  # (T, input_size) float32
    h_init: np.ndarray,  # (L*D, H)
    c_init: np.ndarray,  # (L*D, H)
    hooks: HookFactory | None = None,
) -> tuple[list[list[dict[str, np.ndarray]]], list[np.ndarray]]:
    """Return ``states[layer][direction]`` (dicts of (T, H) arrays) and each layer's input."""
    cell, spec = model.module, model.spec
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
            out = cell.run_direction(
                x_part, w[f"weight_hh_{s}"], w.get(f"bias_hh_{s}"), h_init[k], c_init[k],
                hook=None if hooks is None else hooks(layer, direction), spec=spec,
            )
            if direction == 1:  # align the backward run to the tokens it read
                out = {key: np.ascontiguousarray(v[::-1]) for key, v in out.items()}
            per_direction.append(out)
        states.append(per_direction)
        layer_in = np.concatenate([d["h"] for d in per_direction], axis=1)  # (T, D*H)
    return states, inputs


def make_trace(
    model_or_recurrent,
    x: np.ndarray,  # (T, input_size)
    h0: np.ndarray | None = None,  # (L*D, H)
    c0: np.ndarray | None = None,  # (L*D, H), LSTM only
    *,
    tokens: Sequence[Token] | None = None,
    text: str = "",
    hooks: HookFactory | None = None,
) -> Trace:
    """Run every layer and direction over ``x`` (with ``hooks`` in the step loops, if given), apply
    the head if ``model_or_recurrent`` is a ``cells.Model``, and return the finished ``Trace``."""
    rec: Recurrent = getattr(model_or_recurrent, "recurrent", model_or_recurrent)
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != rec.input_size:
        raise ShapeError(f"input: expected shape (T, {rec.input_size}), got {x.shape}")
    h_init = _initial(h0, rec, "h0")
    c_init = _initial(c0, rec, "c0")
    states, inputs = run_layers(rec, x, h_init, c_init, hooks)
    head = getattr(model_or_recurrent, "head", None)
    tokens = list(tokens or ())
    return Trace(
        recurrent=rec,
        states=states,
        layer_inputs=inputs,
        tokens=[t.text for t in tokens],
        spans=[(t.start, t.end) for t in tokens],
        token_ids=[t.id for t in tokens],
        outputs=None if head is None else head.apply(  # on the top layer's h: (T, D*H)
            np.concatenate([d["h"] for d in states[-1]], axis=1)),
        text=text if isinstance(text, str) else "",
        h0=h_init,
        c0=c_init,
    )


def run(
    model: Recurrent,
    x: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
) -> Trace:
    """Trace ``x`` (T, input_size) through every layer and direction of ``model``."""
    return make_trace(model, x, h0, c0)
