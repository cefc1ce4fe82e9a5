"""``trace(model, text)``: tokenize, embed, run every layer, apply the head."""

from __future__ import annotations

from cells.model import Model
from cells.run import make_trace
from cells.tracing import Trace


def trace(model: Model, text: str) -> Trace:
    """Everything the model computes while reading ``text``, step by step."""
    tokens = model.tokenizer(text)
    return make_trace(model, model.embed(tokens), tokens=tokens, text=text)
