"""``trace(model, text)``: tokenize, embed, run every layer, apply the head."""

from __future__ import annotations

from cells.model import Model
from cells.run import run
from cells.tracing import Trace


def trace(model: Model, text: str) -> Trace:
    """Everything the model computes while reading ``text``, step by step."""
    tokens = model.tokenizer(text)
    result = run(model, model.embed(tokens))
    result.text = text if isinstance(text, str) else ""
    result.tokens = [t.text for t in tokens]
    result.spans = [(t.start, t.end) for t in tokens]
    result.token_ids = [t.id for t in tokens]
    return result
