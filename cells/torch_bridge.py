"""PyTorch at the edge: read an ``nn.LSTM``/``nn.GRU``/``nn.RNN`` (or the simplified-GRU twin) and
export embedding + RNN + head as a model folder. Works on the module's ``state_dict`` and attributes
only; torch itself is never imported here, so ``import cells`` stays torch-free.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cells.head import ACTIVATIONS
from cells.modelfile import save
from cells.recurrent import Recurrent
from cells.registry import ALL_SPECS

_MODES = {s.torch_mode: s for s in ALL_SPECS if s.torch_mode}  # PyTorch's module.mode -> spec


def _numpy(state_dict) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().float().numpy().copy() for k, v in state_dict.items()}


def from_torch(module) -> Recurrent:
    """A ``Recurrent`` with the weights of a PyTorch RNN module (any layers, directions, bias)."""
    spec = _MODES.get(getattr(module, "mode", None))
    cell = getattr(module, "gatescope_cell", None) or (spec.name if spec else None)
    if cell is None:
        raise TypeError(
            "from_torch: expected nn.LSTM, nn.GRU, nn.RNN or a module with a `gatescope_cell`"
            f" attribute, got {type(module).__name__}"
        )
    if getattr(module, "proj_size", 0):
        raise ValueError(f"from_torch: LSTM projections are not supported (proj_size={module.proj_size})")
    return Recurrent(
        cell=cell,
        input_size=int(module.input_size),
        hidden_size=int(module.hidden_size),
        num_layers=int(module.num_layers),
        bidirectional=bool(module.bidirectional),
        bias=bool(module.bias),
        nonlinearity=spec.nonlinearity if spec else "tanh",
        weights=_numpy(module.state_dict()),
    )


def export_torch(
    folder: str | Path,
    *,
    rnn,
    tokenizer: dict,
    card: dict,
    embedding=None,
    head=None,
    head_activation: str = "softmax",
    labels: list[str] | None = None,
) -> Path:
    """Write ``folder`` with weights (PyTorch names) and a card, from torch modules in one call.

    ``tokenizer`` is ``{"kind": "char"|"word"|"values", "vocab": [...], "lowercase": bool}``;
    ``card`` holds the rest (task, data, training command, seed, metrics, samples, ...).
    """
    if head_activation not in ACTIVATIONS:
        raise ValueError(f"head_activation: expected one of {ACTIVATIONS}, got {head_activation!r}")
    rec = from_torch(rnn)
    tensors = {f"rnn.{k}": v for k, v in rec.weights.items()}
    full = dict(card)
    full["architecture"] = {
        "cell": rec.cell,
        "input_size": rec.input_size,
        "hidden_size": rec.hidden_size,
        "num_layers": rec.num_layers,
        "bidirectional": rec.bidirectional,
        "bias": rec.bias,
        "nonlinearity": rec.nonlinearity,
    }
    full["tokenizer"] = dict(tokenizer)
    full.setdefault("input", {"kind": "embedding" if embedding is not None else "values"})
    if embedding is not None:
        tensors["embedding.weight"] = _numpy(embedding.state_dict())["weight"]
    if head is not None:
        for k, v in _numpy(head.state_dict()).items():
            tensors[f"head.{k}"] = v
        h = dict(full.get("head", {}))
        h.update(activation=head_activation, bias=head.bias is not None)
        if labels is not None:
            h["labels"] = list(labels)
        h.setdefault("size", int(head.out_features))
        full["head"] = h
    return save(folder, tensors, full)
