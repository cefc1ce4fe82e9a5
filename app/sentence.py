"""The sentence a model reads: examples, the text box, the token limit, and the cached trace."""

from __future__ import annotations

import streamlit as st

import cells
from app import urlstate

MAX_TOKENS = 2000
MAX_CHARS = 100_000
SEED_EXAMPLES = [  # the seed articles' own examples
    "The dogs that Mrs. Smith kept were barking.",
    "The dog that Mrs. Smith kept was barking.",
    "She starred in one of the pilots, and she was the best thing in it.",
]


@st.cache_resource(max_entries=64, show_spinner=False)
def traced(model_key: str, text: str, _model: cells.Model) -> cells.Trace:
    return cells.trace(_model, text)


def text_ui(model: cells.Model, L: dict) -> str:
    samples = list(model.card.samples)
    if model.tokenizer.kind in ("char", "word"):
        samples += [s for s in SEED_EXAMPLES if s not in samples]
    key = f"text-{model.id}"
    urlstate.seed(key, urlstate.take("text"))
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
    tokens = model.tokenizer(text)
    if len(tokens) > MAX_TOKENS:
        st.warning(L["too_long"].format(n=len(tokens), limit=MAX_TOKENS))
        text = text[: tokens[MAX_TOKENS - 1].end]
        tokens = tokens[:MAX_TOKENS]
    unknown = sum(not tok.known for tok in tokens)
    if unknown and model.embedding is not None:
        st.caption(L["unknown_tokens"].format(n=unknown))
    return text
