"""Tokenizers: text -> tokens that remember the span of the text they came from.

Any string goes in — empty, emoji, Chinese, control characters, 100k characters — and none raises.
Symbols outside the vocabulary map to the unknown token.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

UNK = "<unk>"
_WORD = re.compile(r"\w+(?:'\w+)?|[^\w\s]", re.UNICODE)
_NUMBER = re.compile(r"[^\s,;]+")


@dataclass(frozen=True)
class Token:
    text: str  # as it appears in the input
    start: int  # span in the input: text[start:end]
    end: int
    id: int  # vocabulary index (unknown -> index of UNK)
    known: bool = True


class Tokenizer:
    kind = ""

    def __init__(self, vocab: list[str] | None = None, lowercase: bool = False):
        self.vocab = list(vocab or [])
        self.lowercase = lowercase
        self.index = {s: i for i, s in enumerate(self.vocab)}
        self.unk_id = self.index.get(UNK, 0)

    def _lookup(self, piece: str) -> tuple[int, bool]:
        key = piece.lower() if self.lowercase else piece
        i = self.index.get(key)
        return (self.unk_id, False) if i is None else (i, True)

    def pieces(self, text: str) -> list[tuple[str, int, int]]:
        raise NotImplementedError

    def __call__(self, text: str) -> list[Token]:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        return [Token(p, s, e, *self._lookup(p)) for p, s, e in self.pieces(text)]

    def config(self) -> dict:
        return {"kind": self.kind, "vocab": self.vocab, "lowercase": self.lowercase, "unk": UNK}


class CharTokenizer(Tokenizer):
    """One token per Unicode code point."""

    kind = "char"

    def pieces(self, text: str) -> list[tuple[str, int, int]]:
        return [(ch, i, i + 1) for i, ch in enumerate(text)]


class WordTokenizer(Tokenizer):
    """Words (letters, digits, inner apostrophes) and single punctuation marks."""

    kind = "word"

    def pieces(self, text: str) -> list[tuple[str, int, int]]:
        return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


class ValueTokenizer(Tokenizer):
    """Numbers separated by spaces, commas or semicolons; each is one step of a time series.

    A piece that is not a finite number a float32 can hold is kept as a token marked unknown (its
    value reads as NaN).
    """

    kind = "values"

    def pieces(self, text: str) -> list[tuple[str, int, int]]:
        return [(m.group(), m.start(), m.end()) for m in _NUMBER.finditer(text)]

    def _lookup(self, piece: str) -> tuple[int, bool]:
        return (0, math.isfinite(parse_number(piece)))


FLOAT32_MAX = 3.4028234663852886e38  # the largest value a float32 input can hold


def parse_number(piece: str) -> float:
    """The number ``piece`` writes; NaN if it is not one, or not one a float32 can hold (1e300)."""
    try:
        value = float(piece)
    except ValueError:
        return math.nan
    return value if abs(value) <= FLOAT32_MAX else math.nan


TOKENIZERS: dict[str, type[Tokenizer]] = {
    "char": CharTokenizer,
    "word": WordTokenizer,
    "values": ValueTokenizer,
}


def make_tokenizer(config: dict) -> Tokenizer:
    kind = config.get("kind")
    if kind not in TOKENIZERS:
        raise ValueError(f"tokenizer kind: expected one of {sorted(TOKENIZERS)}, got {kind!r}")
    return TOKENIZERS[kind](config.get("vocab") or [], bool(config.get("lowercase", False)))
