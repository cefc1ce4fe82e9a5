"""``Trace``: every gate and state of every step, layer and direction, plus the tokens and outputs.

A trace is made once, whole (``cells.run.make_trace``), and never changes afterwards: it is frozen
and its arrays are read-only views, so a trace cached and shared by several pages stays what it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cells.recurrent import Recurrent


def _read_only(a: np.ndarray | None) -> np.ndarray | None:
    """A view of ``a`` that cannot be written through (``a`` itself keeps its flags)."""
    if a is None:
        return None
    view = np.asarray(a).view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class Trace:
    recurrent: Recurrent
    states: list[list[dict[str, np.ndarray]]]  # [layer][direction] -> {gate: (T, H)}
    layer_inputs: list[np.ndarray]  # [layer] -> (T, I) or (T, D*H)
    tokens: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # (start, end) in the text
    token_ids: list[int] = field(default_factory=list)
    outputs: np.ndarray | None = None  # (T, K) per-step head output
    text: str = ""
    h0: np.ndarray | None = None  # (L*D, H) initial hidden states the run started from
    c0: np.ndarray | None = None  # (L*D, H) initial cell states (LSTM)

    def __post_init__(self) -> None:
        states = [[{k: _read_only(v) for k, v in d.items()} for d in per] for per in self.states]
        object.__setattr__(self, "states", states)
        object.__setattr__(self, "layer_inputs", [_read_only(a) for a in self.layer_inputs])
        for name in ("outputs", "h0", "c0"):
            object.__setattr__(self, name, _read_only(getattr(self, name)))

    @property
    def steps(self) -> int:
        return int(self.layer_inputs[0].shape[0])

    def gates(self, layer: int = 0, direction: int = 0) -> dict[str, np.ndarray]:
        """Every gate and state of one layer and direction: ``{name: (T, H) float32}``."""
        r = self.recurrent
        if not 0 <= layer < r.num_layers:
            raise IndexError(f"layer must be in 0..{r.num_layers - 1}, got {layer}")
        if not 0 <= direction < r.num_directions:
            raise IndexError(f"direction must be in 0..{r.num_directions - 1}, got {direction}")
        return self.states[layer][direction]

    def top_output(self) -> np.ndarray:  # (T, D*H)
        """The last layer's hidden states, directions concatenated as PyTorch does."""
        return np.concatenate([d["h"] for d in self.states[-1]], axis=1)

    def final_states(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(h_n, c_n) as PyTorch returns them, without the batch axis: (L*D, H) each."""
        h_n, c_n = [], []
        for per_direction in self.states:
            for direction, d in enumerate(per_direction):
                last = 0 if direction == 1 else -1  # the backward run ends at token 0
                h_n.append(d["h"][last])
                if "c" in d:
                    c_n.append(d["c"][last])
        return np.stack(h_n), (np.stack(c_n) if c_n else None)
