"""``trace(model, text)``: tokenize, embed, run every layer, apply the head."""

from __future__ import annotations

from cells.model import Model
from cells.run import make_trace
from cells.tracing import Trace

# A trace keeps every gate of every step: memory grows with the number of tokens (100,000
# characters read by a character model took 1.5 GB). Longer texts are refused, not run.
MAX_TRACE_CHARS = 200_000
MAX_TRACE_TOKENS = 20_000


class TextTooLong(ValueError):
    """A text longer than ``cells.trace`` reads (MAX_TRACE_CHARS characters, MAX_TRACE_TOKENS
    tokens)."""


def trace(model: Model, text: str) -> Trace:
    """Everything the model computes while reading ``text``, step by step.

    Limits: at most MAX_TRACE_CHARS (200,000) characters and MAX_TRACE_TOKENS (20,000) tokens;
    a longer text raises ``TextTooLong`` (a ``ValueError``) saying both numbers, before any step is
    run. Cut the text, or read it in pieces."""
    if isinstance(text, str) and len(text) > MAX_TRACE_CHARS:
        raise TextTooLong(
            f"text: expected at most {MAX_TRACE_CHARS:,} characters, got {len(text):,}"
        )
    tokens = model.tokenizer(text)
    if len(tokens) > MAX_TRACE_TOKENS:
        raise TextTooLong(f"text: expected at most {MAX_TRACE_TOKENS:,} tokens, got {len(tokens):,}")
    return make_trace(model, model.embed(tokens), tokens=tokens, text=text)
