"""What a cell *is*, as data: its gates and states, what each one does, and how the page shows it.

Each cell module (``cells/lstm.py``, ``gru.py``, ``sgru.py``, ``rnn.py``) defines its ``SPEC`` next to
its equations; everything else (the chart scales, the heatmap grid, captions, intervention presets,
the step panel's equation text) is derived from these specs, never written per cell again.

Step panel templates are plain strings with ``{…}`` placeholders that the browser fills at each
step: ``{t}`` and ``{t-1}`` are the step subscripts, ``{@word}`` a translated word of the string
table (``kept``, ``written``), and any other ``{key}`` the value of ``unit_equations(…)[key]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

KINDS = ("sigmoid", "tanh", "state", "relu")  # [0, 1]; [−1, 1]; unbounded; [0, ∞)
ROLES = ("keep", "write", "read", "reset", "candidate", "memory", "hidden")


@dataclass(frozen=True)
class GateSpec:
    """One traced quantity of a cell: a gate (it has a block of weight rows) or a state."""

    key: str  # the symbol of PyTorch's equations: "i", "f", "z", "c", "h", …
    kind: str  # one of KINDS: the range its values live in
    role: str  # one of ROLES: what it does to the state
    block: int | None = None  # its rows in weight_ih/weight_hh: block·H … (block+1)·H; None: a state
    clampable: bool = False  # interventions may overwrite it
    label: str = ""  # the string table's key for its row in the step panel (default: key)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"gate {self.key!r}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.role not in ROLES:
            raise ValueError(f"gate {self.key!r}: role must be one of {ROLES}, got {self.role!r}")


@dataclass(frozen=True)
class CellSpec:
    """Everything about one cell that is not its arithmetic."""

    name: str  # the architecture id in model cards: "lstm", "gru", …
    title: str  # how people call it: "LSTM", "simplified GRU"
    gates: tuple[GateSpec, ...]  # PyTorch's block order, then the states; the trace's keys
    grid: tuple[str, ...]  # the order the explorer lays out the heatmaps
    caption_gates: tuple[str, ...]  # the gates whose means the autoplay captions read out
    presets: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # name -> ((gate, value), …)
    step_panel: tuple[str, ...]  # the state update, one template line each (see module docstring)
    step_panel_u: tuple[str, ...] = ()  # the same with the textbook's u = 1 − z; () if no z
    torch_module: str = ""  # the PyTorch class that computes it, as code: "nn.LSTM"
    torch_import: str = ""  # the import that class needs beyond ``from torch import nn``
    torch_mode: str = ""  # PyTorch's ``module.mode`` for it ("LSTM", "RNN_RELU"); "" if none
    nonlinearity: str = "tanh"  # of a vanilla RNN's state; "tanh" for the gated cells

    def __post_init__(self) -> None:
        keys = self.keys
        if len(set(keys)) != len(keys) or "h" not in keys:
            raise ValueError(f"{self.name}: gate keys must be unique and include 'h', got {keys}")
        blocks = [g.block for g in self.gates if g.block is not None]
        if blocks != list(range(len(blocks))):
            raise ValueError(f"{self.name}: blocks must be 0, 1, … in gate order, got {blocks}")
        for key in (*self.grid, *self.caption_gates, *(g for _, c in self.presets for g, _ in c)):
            if key not in keys:
                raise ValueError(f"{self.name}: {key!r} is not one of its gates {keys}")
        for _, clamps in self.presets:
            for key, _ in clamps:
                if not self.gate(key).clampable:
                    raise ValueError(f"{self.name}: preset clamps {key!r}, which is not clampable")

    @property
    def keys(self) -> tuple[str, ...]:
        """Every gate and state, as the trace names them: ``("i", "f", "g", "o", "c", "h")``."""
        return tuple(g.key for g in self.gates)

    @property
    def blocks(self) -> int:
        """Rows of weight_ih per hidden unit: one block per gate (PyTorch's 4 for an LSTM)."""
        return sum(g.block is not None for g in self.gates)

    @property
    def block_gates(self) -> tuple[str, ...]:
        """The gates with weights, in PyTorch's order (a vanilla RNN's is its state h)."""
        return tuple(g.key for g in self.gates if g.block is not None)

    @property
    def states(self) -> tuple[str, ...]:
        """The quantities carried to the next step: ``("c", "h")`` for an LSTM."""
        return tuple(g.key for g in self.gates if g.role in ("memory", "hidden"))

    @property
    def sigmoid_gates(self) -> tuple[str, ...]:
        return tuple(g.key for g in self.gates if g.kind == "sigmoid")

    @property
    def clampable(self) -> tuple[str, ...]:
        return tuple(g.key for g in self.gates if g.clampable)

    @property
    def conventions(self) -> tuple[str, ...]:
        """How the update gate may be shown: PyTorch's z, and the textbook's u = 1 − z if any."""
        return ("z", "u") if self.step_panel_u else ("z",)

    def gate(self, key: str) -> GateSpec:
        for g in self.gates:
            if g.key == key:
                return g
        raise KeyError(f"{self.name} has no gate {key!r}; expected one of {self.keys}")

    def kind(self, key: str) -> str:
        """The range of ``key``; ``u`` (= 1 − z) is a sigmoid gate like z."""
        return "sigmoid" if key == "u" else self.gate(key).kind

    def role_gate(self, role: str) -> str | None:
        """The quantity that plays ``role`` here: its key, ``"u"`` for a GRU's write share
        (u = 1 − z, the complement of its keep gate), or None."""
        for g in self.gates:
            if g.role == role:
                return g.key
        if role == "write" and "u" in self.conventions:
            return "u"
        return None

    def panel(self, convention: str = "z") -> tuple[str, ...]:
        return self.step_panel_u if convention == "u" and self.step_panel_u else self.step_panel


class StepHook(Protocol):
    """Called from inside a cell's step loop (interventions are hooks, not copies of the loop).

    ``t`` counts steps in the direction's reading order. Rows are (H,) views of the trace's arrays,
    changed in place; what the hook leaves in them is what the rest of the step uses.
    """

    def gate(self, t: int, key: str, row: np.ndarray) -> np.ndarray | None:
        """After gate ``key`` is computed: overwrite units; return the (H,) mask changed, or None."""

    def state(self, t: int, key: str, row: np.ndarray) -> None:
        """After state ``key`` (c, h) is computed, before the next step or the next state uses it."""


@dataclass(frozen=True)
class Direction:
    """One direction's forward trace, as a cell's ``backward_step`` reads it: float64, in the
    direction's reading order."""

    spec: CellSpec
    states: dict[str, np.ndarray]  # {gate: (T, H)}
    prev: dict[str, np.ndarray]  # {state: (T, H)}: the state each step started from
    weight_hh: np.ndarray  # (blocks·H, H)
    bias_hh: np.ndarray | None  # (blocks·H,)


def sig_grad(s: np.ndarray) -> np.ndarray:
    """σ'(a) = σ(a)(1 − σ(a)), from σ(a)."""
    return s * (1.0 - s)
