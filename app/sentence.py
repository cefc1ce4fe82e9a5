"""The sentence a model reads: examples, the text box, the token limit, and the cached trace.

Every view gets its text and trace from ``sentence_ui`` (one shared step): the text is tokenized
once per (model, text) — cached across reruns — and the trace is made from those same tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import cells
from app import urlstate
from cells.run import make_trace
from cells.tokenize import Token

MAX_TOKENS = 2000
MAX_CHARS = 100_000
SEED_EXAMPLES = [  # the seed articles' own examples
    "The dogs that Mrs. Smith kept were barking.",
    "The dog that Mrs. Smith kept was barking.",
    "She starred in one of the pilots, and she was the best thing in it.",
]


@dataclass(frozen=True)
class Reading:
    """What one view shows: the text the model reads (cut to MAX_TOKENS tokens) and its trace."""

    text: str
    trace: cells.Trace


@st.cache_resource(max_entries=64, show_spinner=False)
def tokens_of(model_key: str, text: str, _model: cells.Model) -> tuple[Token, ...]:
    """The model's tokens of ``text``, made once per (model, text)."""
    return tuple(_model.tokenizer(text))


@st.cache_resource(max_entries=64, show_spinner=False)
def traced(model_key: str, text: str, _model: cells.Model) -> cells.Trace:
    """The trace of ``text``, from the same cached tokens (``cells.trace`` without re-tokenizing)."""
    tokens = tokens_of(model_key, text, _model)
    return make_trace(_model, _model.embed(list(tokens)), tokens=tokens, text=text)


def sentence_ui(model: cells.Model, L: dict) -> Reading | None:
    """The text box, the empty-text message, the token limit and the trace, in that order; None
    (with a message in the page) when there is nothing to read."""
    text = text_ui(model, L)
    if not text or not tokens_of(model.id, text, model):
        st.info(L["empty"])
        return None
    text = limit_tokens(model, text, L)
    return Reading(text, traced(model.id, text, model))


def text_ui(model: cells.Model, L: dict) -> str:
    samples = list(model.card.samples)
    if model.tokenizer.kind in ("char", "word"):
        samples += [s for s in SEED_EXAMPLES if s not in samples]
    key = f"text-{model.id}"
    urlstate.seed(key, urlstate.take_text("text", MAX_CHARS))
    if key not in st.session_state:
        st.session_state[key] = samples[0] if samples else ""

    def use_example() -> None:
        choice = st.session_state[f"example-{model.id}"]
        if choice != L["example_none"]:
            st.session_state[key] = choice

    if samples:
        st.selectbox(L["example"], [L["example_none"], *samples], key=f"example-{model.id}",
                     on_change=use_example)
    text = st.text_area(L["sentence"], key=key, help=L["sentence_help"], max_chars=MAX_CHARS,
                        height=80)
    urlstate.note("text", text)
    return text


def limit_tokens(model: cells.Model, text: str, L: dict) -> str:
    """The longest prefix of ``text`` with at most MAX_TOKENS tokens; says so in the page."""
    tokens = tokens_of(model.id, text, model)
    if len(tokens) > MAX_TOKENS:
        st.warning(L["too_long"].format(n=len(tokens), limit=MAX_TOKENS))
        text = text[: tokens[MAX_TOKENS - 1].end]
        tokens = tokens[:MAX_TOKENS]
    unknown = sum(not tok.known for tok in tokens)
    if unknown and model.embedding is not None:
        st.caption(L["unknown_tokens"].format(n=unknown))
    return text
