"""Gatescope's inference module: NumPy LSTM/GRU/RNN cells that expose every gate.

    import cells
    m = cells.load("assets/models/<id>")
    t = cells.trace(m, "The dogs were barking.")
    t.tokens, t.gates(layer=0, direction=0), t.outputs

    r = cells.from_torch(torch_rnn)
    t = cells.run(r, x)  # x: (T, input_size)
"""

from cells.head import Head
from cells.model import Model
from cells.modelfile import ModelFileError, load, load_bytes, save
from cells.pipeline import trace
from cells.recurrent import CELL_NAMES, Recurrent, ShapeError
from cells.run import run
from cells.tokenize import CharTokenizer, Token, ValueTokenizer, WordTokenizer
from cells.torch_bridge import export_torch, from_torch
from cells.tracing import Trace

__all__ = [
    "CELL_NAMES",
    "CharTokenizer",
    "Head",
    "Model",
    "ModelFileError",
    "Recurrent",
    "ShapeError",
    "Token",
    "Trace",
    "ValueTokenizer",
    "WordTokenizer",
    "export_torch",
    "from_torch",
    "load",
    "load_bytes",
    "run",
    "save",
    "trace",
]
