"""A stack of recurrent layers over raw vectors, named and shaped like a PyTorch RNN module.

Weights are keyed by the names of PyTorch's ``state_dict`` (``weight_ih_l0``, ``bias_hh_l1``,
``weight_hh_l0_reverse``, …), so any ``nn.LSTM``/``nn.GRU``/``nn.RNN`` of that shape maps one to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

from cells.registry import MODULES, SPECS, spec_of
from cells.spec import CellSpec

CELL_MODULES: dict[str, ModuleType] = MODULES
CELL_NAMES: dict[str, str] = {name: spec.title for name, spec in SPECS.items()}


class ShapeError(ValueError):
    """Weights or inputs do not have the shape the architecture needs."""


def suffix(layer: int, direction: int) -> str:
    """PyTorch's parameter suffix: ``l0``, ``l1_reverse``, …"""
    return f"l{layer}" + ("_reverse" if direction == 1 else "")


def frozen(weight: object) -> np.ndarray:
    """A read-only float32 copy of ``weight``: a model's weights never change once loaded, so what
    is derived from them can be kept (``cells.activations.aligned_transpose``)."""
    out = np.array(weight, dtype=np.float32)  # a copy: the caller's array stays its own
    out.flags.writeable = False
    return out


@dataclass
class Recurrent:
    """Architecture plus weights. ``weights`` maps PyTorch names to float32 arrays (read-only copies)."""

    cell: str  # a name in cells.registry: "lstm", "gru", "sgru", "rnn"
    input_size: int
    hidden_size: int
    num_layers: int = 1
    bidirectional: bool = False
    bias: bool = True
    nonlinearity: str = "tanh"  # RNN only
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.cell not in CELL_MODULES:
            raise ShapeError(f"unknown cell {self.cell!r}: expected one of {sorted(CELL_MODULES)}")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ShapeError(f"nonlinearity must be 'tanh' or 'relu', got {self.nonlinearity!r}")
        if self.weights:
            self.weights = {k: frozen(v) for k, v in self.weights.items()}
            check_shapes(self.weights, self.expected_shapes(), what="recurrent weights")

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def spec(self) -> CellSpec:
        """What this cell is (gates, roles, step panel): ``cells.spec.CellSpec``."""
        return spec_of(self.cell, self.nonlinearity)

    @property
    def module(self) -> ModuleType:
        """The cell's module: its equations, step loop and backward step."""
        return CELL_MODULES[self.cell]

    @property
    def gate_names(self) -> tuple[str, ...]:
        return self.spec.keys

    @property
    def sigmoid_gates(self) -> tuple[str, ...]:
        return self.spec.sigmoid_gates

    @property
    def output_size(self) -> int:
        return self.hidden_size * self.num_directions

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every parameter name PyTorch would use for this architecture, with its shape."""
        return expected_shapes(self.spec.blocks, self.input_size, self.hidden_size, self.num_layers,
                               self.num_directions, self.bias)


def expected_shapes(
    blocks: int, input_size: int, hidden_size: int, num_layers: int, num_directions: int, bias: bool
) -> dict[str, tuple[int, ...]]:
    """PyTorch's parameter names and shapes for a stack of ``blocks``-gate cells (no Recurrent
    needed: a file's header is checked with it before any weight is read)."""
    rows = blocks * hidden_size
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in range(num_layers):
        n_in = input_size if layer == 0 else hidden_size * num_directions
        for direction in range(num_directions):
            s = suffix(layer, direction)
            shapes[f"weight_ih_{s}"] = (rows, n_in)
            shapes[f"weight_hh_{s}"] = (rows, hidden_size)
            if bias:
                shapes[f"bias_ih_{s}"] = (rows,)
                shapes[f"bias_hh_{s}"] = (rows,)
    return shapes


def check_shapes(
    tensors: dict[str, np.ndarray], expected: dict[str, tuple[int, ...]], what: str
) -> None:
    """Raise ShapeError naming every missing, unexpected or mis-shaped tensor."""
    problems = []
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing:
        problems.append(f"missing {missing}")
    if extra:
        problems.append(f"unexpected {extra}")
    for name in sorted(set(expected) & set(tensors)):
        got = tuple(tensors[name].shape)
        if got != tuple(expected[name]):
            problems.append(f"{name}: expected shape {tuple(expected[name])}, got {got}")
    if problems:
        raise ShapeError(f"{what}: " + "; ".join(problems))
