"""Gatescope's inference module: NumPy LSTM/GRU/RNN cells that expose every gate.

    import cells
    m = cells.load("assets/models/<id>")
    t = cells.trace(m, "The dogs were barking.")
    t.tokens, t.gates(layer=0, direction=0), t.outputs

    r = cells.from_torch(torch_rnn)
    t = cells.run(r, x)  # x: (T, input_size)
"""

from cells.card import Card
from cells.gradients import input_gradient_norms, input_gradients
from cells.head import Head
from cells.intervene import Clamp, run_clamped, trace_clamped
from cells.memory import lifetime_mean, lifetime_per_unit, memory_lifetime
from cells.model import Model
from cells.modelfile import ModelFileError, load, load_bytes, save
from cells.pipeline import TextTooLong, trace
from cells.probe import rank_units
from cells.recurrent import CELL_NAMES, Recurrent, ShapeError
from cells.run import run
from cells.saturation import saturation, saturation_over_texts
from cells.tokenize import CharTokenizer, Token, ValueTokenizer, WordTokenizer
from cells.torch_bridge import export_torch, from_torch
from cells.tracing import Trace

__all__ = [
    "CELL_NAMES",
    "Card",
    "CharTokenizer",
    "Clamp",
    "Head",
    "Model",
    "ModelFileError",
    "Recurrent",
    "ShapeError",
    "TextTooLong",
    "Token",
    "Trace",
    "ValueTokenizer",
    "WordTokenizer",
    "export_torch",
    "from_torch",
    "input_gradient_norms",
    "input_gradients",
    "lifetime_mean",
    "lifetime_per_unit",
    "load",
    "load_bytes",
    "memory_lifetime",
    "rank_units",
    "run",
    "run_clamped",
    "saturation",
    "saturation_over_texts",
    "save",
    "trace",
    "trace_clamped",
]

# Task knowledge moved out of the inference core to ``cells.tasks``; the core does not import it.
_MOVED_TO_TASKS = ("count_a_minus_b", "count_b_minus_c", "inside_quotes", "subject_number")


def __getattr__(name: str):
    if name in _MOVED_TO_TASKS:
        raise AttributeError(f"cells.{name} moved to cells.tasks: use `from cells.tasks import {name}`")
    raise AttributeError(f"module 'cells' has no attribute {name!r}")
