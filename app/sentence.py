"""The sentence a model reads: examples, the text box, the token limit, and the cached trace.

Every view gets its text and trace from ``sentence_ui`` (one shared step): the text is tokenized
once per (model, text) — cached across reruns — and the trace is made from those same tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import cells
from app import urlstate
from app.labels import markdown_safe, visible
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


# One sentence per session (not per model): the truth lives in TEXT, the two boxes that edit it are
# re-seeded from it on every run, so it survives a switch of model, task, view and language (a view
# that draws no box would otherwise let Streamlit drop a widget's state).
TEXT = "_sentence"
BOX = "sentence"  # st.text_input: Enter applies
LONG_BOX = "sentence_long"  # st.text_area in an expander: long texts with line breaks
KEPT = "_sentence_kept"  # the user's sentence while a model that cannot read it is shown
STAND_IN = "_sentence_stand_in"  # the model's own example shown instead


def set_text(text: str) -> None:
    st.session_state[TEXT] = text


@dataclass(frozen=True)
class Unreadable:
    """Why a model cannot read a text: ``why`` names the message, ``piece`` is an example."""

    why: str  # "not_numbers" | "other_characters"
    piece: str  # as the page shows it (a space as "␣")


def cannot_read(model: cells.Model, text: str) -> Unreadable | None:
    """Why the model cannot read ``text``, or None when it can. A word model reads anything
    (unknown words read as <unk>); a character model reads a text unless most of its characters
    are outside the alphabet it was trained on (prose into an aⁿbⁿ model); a values model reads
    only numbers."""
    tokens = tokens_of(model.id, text, model)
    unknown = [tok.text for tok in tokens if not tok.known]
    kind = model.tokenizer.kind
    if kind == "values" and unknown:
        return Unreadable("not_numbers", unknown[0])
    if kind == "char" and 2 * len(unknown) > len(tokens):
        piece = next((u for u in unknown if u.strip()), unknown[0])
        return Unreadable("other_characters", piece if piece.strip() else visible(piece))  # "␣"
    return None


def keep_or_restore(model: cells.Model, samples: list[str], L: dict) -> None:
    """Before the boxes are drawn: show this model's own example in place of a sentence it cannot
    read (keeping the sentence), and give the kept sentence back to a model that can read it."""
    state = st.session_state
    text, kept = state[TEXT], state.get(KEPT)
    if kept is not None and text != state.get(STAND_IN):  # the user typed since: that text wins
        state.pop(KEPT), state.pop(STAND_IN, None)
        kept = None
    if kept is not None and cannot_read(model, kept) is None:
        set_text(kept)
        state.pop(KEPT), state.pop(STAND_IN, None)
        return
    if kept is None:
        if cannot_read(model, text) is None:
            return
        state[KEPT] = kept = text
    own = samples[0] if samples else ""
    if state.get(STAND_IN) != own:  # this model's own example, not the last model's
        state[STAND_IN] = own
        set_text(own)
    reason = cannot_read(model, kept)
    if reason is not None:
        st.info(L["sentence_kept"][reason.why].format(piece=markdown_safe(reason.piece),
                                                      sentence=markdown_safe(_short(kept))))


def _short(text: str, limit: int = 60) -> str:
    """The text on one line, cut to ``limit`` characters; a text of spaces alone is shown."""
    text = " ".join(text.split()) or visible(text[:limit])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_ui(model: cells.Model, L: dict) -> str:
    samples = list(model.card.samples)
    if model.tokenizer.kind in ("char", "word"):
        samples += [s for s in SEED_EXAMPLES if s not in samples]
    state = st.session_state
    linked = urlstate.take_text("text", MAX_CHARS)  # control characters dropped, cut, and said
    if linked is not None:
        set_text(linked)
    if TEXT not in state:
        set_text(samples[0] if samples else "")
    keep_or_restore(model, samples, L)
    state[BOX] = state[LONG_BOX] = state[TEXT]

    def use_example() -> None:
        choice = state[f"example-{model.id}"]
        if choice != L["example_none"]:
            set_text(choice)

    sentence_col, example_col = st.columns([3, 2])  # one row: the chart comes up the screen
    if samples:
        example_col.selectbox(L["example"], [L["example_none"], *samples], key=f"example-{model.id}",
                              on_change=use_example)
    sentence_col.text_input(L["sentence"], key=BOX, help=L["sentence_help"], max_chars=MAX_CHARS,
                            on_change=lambda: set_text(state[BOX]))
    with st.expander(L["sentence_long"]):
        st.text_area(L["sentence_long_box"], key=LONG_BOX, max_chars=MAX_CHARS, height=160,
                     on_change=lambda: set_text(state[LONG_BOX]))
    text = state[TEXT]
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
