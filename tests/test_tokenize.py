"""Tokenizers: every token knows its span of the original text, unknown symbols read as <unk>, and
no string at all (nor None) makes any tokenizer or ``cells.trace`` raise."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from torch import nn

import cells
from cells import CharTokenizer, Token, ValueTokenizer, WordTokenizer
from cells.tokenize import UNK

torch.set_num_threads(1)

NASTY = {
    "empty": "",
    "space": " ",
    "whitespace": " \t\n\r\x0b\x0c\u00a0\u2003\u3000",
    "emoji": "I ❤️ 🐍 and 👍🏽!",
    "zwj": "family: 👨‍👩‍👧‍👦, 🏳️‍🌈; flag 🇫🇷",
    "chinese": "我们在学习长短期记忆网络。",
    "japanese": "ｶﾀｶﾅ カタカナ ひらがな",
    "rtl": "\u202eabc\u202c \u200fשלום עולם\u200e مرحبا",
    "combining": "e\u0301 Å Z\u0351\u0332\u0300a\u0302\u0334l\u034d\u0328go",
    "control": "\x00\x01\x07\x1b[31mred\x1b[0m\x7f\x85",
    "nul": "\x00",
    "nuls": "a\x00b\x00\x00",
    "lone-high": "\ud800",
    "lone-low": "x\udfffy",
    "surrogate-mix": "ab\ud83d cd\udc0d",
    "bom-and-zero-width": "\ufeff\u200b\u200c\u200d",
    "noncharacters": "\uffff\ufffe\U0010ffff",
    "math": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ∑∫√∞",
    "apostrophes": "isn't 'quoted' rock 'n' roll ''",
    "numbers": "-1.5e3, 2;3 nan inf -inf 0x10 1_000",
    "markup": "<script>alert('x')</script> & &amp; {{x}} $x$",
    "long-word": "a" * 5000,
}
TOKENIZERS = {
    "char": lambda: CharTokenizer([UNK, "a", "b", " "]),
    "word": lambda: WordTokenizer([UNK, "the", "dogs"], lowercase=True),
    "values": lambda: ValueTokenizer(),
}


def check_spans(text: str, tokens: list[Token]) -> None:
    """Spans lie in the text, in order, without overlap, and cut out exactly the token's text."""
    end = 0
    for tok in tokens:
        assert 0 <= end <= tok.start < tok.end <= len(text), tok
        assert text[tok.start : tok.end] == tok.text, tok
        end = tok.end


# ---------------------------------------------------------------- behaviour


def test_char_tokens_are_code_points_with_spans():
    tok = CharTokenizer([UNK, "a", "b", "c"])
    text = "abcd ba"
    tokens = tok(text)
    assert [t.text for t in tokens] == list(text)
    assert [(t.start, t.end) for t in tokens] == [(i, i + 1) for i in range(len(text))]
    assert [t.id for t in tokens] == [1, 2, 3, 0, 0, 2, 1]
    assert [t.known for t in tokens] == [True, True, True, False, False, True, True]
    check_spans(text, tokens)


def test_word_tokens_words_and_punctuation_with_spans():
    tok = WordTokenizer([UNK, "the", "dogs", "were", "n't", "isn't", ",", "."])
    text = "The dogs, surely,\tweren't barking.  Isn't it?"
    tokens = tok(text)
    assert [t.text for t in tokens] == [
        "The", "dogs", ",", "surely", ",", "weren't", "barking", ".", "Isn't", "it", "?",
    ]  # fmt: skip
    check_spans(text, tokens)
    by_text = {t.text: t for t in tokens}
    assert by_text["dogs"].id == 2 and by_text["dogs"].known
    assert by_text["The"].id == 0 and not by_text["The"].known  # case-sensitive by default
    assert by_text["surely"].id == 0 and not by_text["surely"].known


def test_lowercase_option_looks_up_lowercase_but_keeps_the_text():
    vocab = [UNK, "the", "dogs"]
    text = "THE Dogs the"
    on = WordTokenizer(vocab, lowercase=True)(text)
    off = WordTokenizer(vocab, lowercase=False)(text)
    assert [t.text for t in on] == ["THE", "Dogs", "the"]  # the display keeps the user's case
    assert [t.id for t in on] == [1, 2, 1]
    assert [t.id for t in off] == [0, 0, 1]
    chars = CharTokenizer([UNK, "a"], lowercase=True)("aA")
    assert [t.id for t in chars] == [1, 1] and [t.text for t in chars] == ["a", "A"]


def test_unknown_maps_to_the_unk_entry_wherever_it_is():
    tok = CharTokenizer(["a", "b", UNK])
    assert [t.id for t in tok("abz")] == [0, 1, 2]
    assert tok("z")[0].known is False
    assert tok.unk_id == 2
    no_unk = CharTokenizer(["a", "b"])  # no <unk> in the vocabulary: index 0, marked unknown
    t = no_unk("z")[0]
    assert (t.id, t.known) == (0, False)


def test_values_tokenizer_numbers_and_unknowns():
    text = "1, 2.5;-3  4e2\tnan inf x 7"
    tokens = ValueTokenizer()(text)
    assert [t.text for t in tokens] == ["1", "2.5", "-3", "4e2", "nan", "inf", "x", "7"]
    assert [t.known for t in tokens] == [True, True, True, True, False, False, False, True]
    check_spans(text, tokens)


def test_a_number_too_large_for_float32_is_unknown_and_reads_as_the_mean():
    """Regression: "1e300" was a known value; cast to the float32 input it became inf (NumPy's
    overflow warning in the server's log) and the charts showed nothing. Now it is unknown, like
    "inf": the page says the model cannot read it, and embed reads it as the mean."""
    import warnings

    tokens = ValueTokenizer()("3.4e38 1e300 -1e39 7")
    assert [t.known for t in tokens] == [True, False, False, True]
    from tests.conftest import MODELS

    model = cells.load(MODELS / "sunspots-lstm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in the cast would raise here
        x = model.embed(ValueTokenizer()("1e300 50"))
    assert np.isfinite(x).all() and x[0, 0] == 0.0


def test_tokenizer_config_round_trips():
    for tok in (CharTokenizer([UNK, "x"], lowercase=True), WordTokenizer([UNK, "a"])):
        again = cells.tokenize.make_tokenizer(tok.config())
        assert type(again) is type(tok)
        assert (again.vocab, again.lowercase) == (tok.vocab, tok.lowercase)
    with pytest.raises(ValueError, match="expected one of"):
        cells.tokenize.make_tokenizer({"kind": "sentencepiece"})


# ---------------------------------------------------------------- any input, never raises


@pytest.mark.parametrize("name", sorted(NASTY))
@pytest.mark.parametrize("kind", sorted(TOKENIZERS))
def test_any_unicode_never_raises_and_spans_map_back(kind, name):
    tok = TOKENIZERS[kind]()
    text = NASTY[name]
    tokens = tok(text)
    check_spans(text, tokens)
    assert all(0 <= t.id < max(len(tok.vocab), 1) for t in tokens)
    if kind == "char":
        assert "".join(t.text for t in tokens) == text
    if kind == "word":  # everything except whitespace ends up in some token
        covered = {i for t in tokens for i in range(t.start, t.end)}
        assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


@pytest.mark.parametrize("kind", sorted(TOKENIZERS))
def test_not_a_string(kind):
    tok = TOKENIZERS[kind]()
    assert tok(None) == []
    assert [t.text for t in tok(42)] == (["4", "2"] if kind == "char" else ["42"])
    tok(b"bytes\x00")
    tok(["a", "list"])
    tok(3.5)


@pytest.mark.parametrize("kind", sorted(TOKENIZERS))
def test_100k_characters(kind):
    text = ("The dogs, 12.5 我们 👨‍👩‍👧 isn't\x00 " * 4000)[:100_000]
    start = time.perf_counter()
    tokens = TOKENIZERS[kind]()(text)
    took = time.perf_counter() - start
    assert tokens and tokens[-1].end <= len(text)
    check_spans(text, tokens)
    assert took < 10, f"{took:.1f} s for 100k characters"  # linear: ~0.1 s; quadratic: minutes


# ---------------------------------------------------------------- through a model


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory) -> dict[str, cells.Model]:
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("tiny")
    models = {}
    vocab = [UNK, "a", "b", " ", "我"]
    cells.export_torch(
        root / "char",
        rnn=nn.LSTM(3, 4),
        embedding=nn.Embedding(len(vocab), 3),
        head=nn.Linear(4, len(vocab)),
        labels=vocab,
        tokenizer={"kind": "char", "vocab": vocab},
        card={},
    )
    words = [UNK, "the", "dogs", ","]
    cells.export_torch(
        root / "word",
        rnn=nn.GRU(3, 4, bidirectional=True),
        embedding=nn.Embedding(len(words), 3),
        head=nn.Linear(8, 2),
        head_activation="sigmoid",
        tokenizer={"kind": "word", "vocab": words, "lowercase": True},
        card={},
    )
    cells.export_torch(
        root / "values",
        rnn=nn.RNN(1, 4),
        head=nn.Linear(4, 1),
        head_activation="linear",
        tokenizer={"kind": "values"},
        card={"input": {"kind": "values", "mean": 1.0, "std": 2.0}},
    )
    for name in ("char", "word", "values"):
        models[name] = cells.load(root / name)
    return models


@pytest.mark.parametrize("name", sorted(NASTY))
@pytest.mark.parametrize("kind", ["char", "word", "values"])
def test_trace_any_text(tiny_models, kind, name):
    model = tiny_models[kind]
    text = NASTY[name]
    t = cells.trace(model, text)
    steps = len(model.tokenizer(text))
    hidden = model.recurrent.hidden_size
    k = model.head.weight.shape[0]
    assert len(t.tokens) == len(t.spans) == len(t.token_ids) == steps
    if text == "":
        assert steps == 0
    for d in range(model.recurrent.num_directions):
        for gate, arr in t.gates(0, d).items():
            assert arr.shape == (steps, hidden), gate
            assert arr.dtype == np.float32 and np.isfinite(arr).all(), gate
    assert t.outputs.shape == (steps, k)
    assert np.isfinite(t.outputs).all()
    assert [text[a:b] for a, b in t.spans] == t.tokens


@pytest.mark.parametrize("kind", ["char", "word", "values"])
def test_trace_empty_and_none(tiny_models, kind):
    model = tiny_models[kind]
    for text in ("", None) if kind == "char" else ("", None, "   \n\t"):
        t = cells.trace(model, text)
        assert t.tokens == [] and t.steps == 0
        assert t.outputs.shape == (0, model.head.weight.shape[0])
        assert all(a.shape == (0, model.recurrent.hidden_size) for a in t.gates(0, 0).values())
    assert cells.trace(model, None).text == ""


def test_trace_100k_characters(tiny_models):
    """100k characters as 10k words (a 100k-step char trace is the bench's business, not a test's)."""
    text = ("Thedogswerebarkingloudly, 我们在学习长短期记忆网络👍 " * 3_000)[:100_000]
    t = cells.trace(tiny_models["word"], text)
    steps = len(t.tokens)
    assert 8_000 < steps <= 10_000
    assert t.outputs.shape == (steps, 2)
    assert t.gates(0, 1)["h"].shape == (steps, 4)
    assert [text[a:b] for a, b in t.spans] == t.tokens
