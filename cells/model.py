"""``Model``: tokenizer + input layer + ``Recurrent`` stack + output head, and a card describing it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cells.card import Card
from cells.head import Head
from cells.recurrent import Recurrent
from cells.tokenize import Token, Tokenizer, parse_number


@dataclass
class Model:
    recurrent: Recurrent
    tokenizer: Tokenizer
    head: Head | None = None
    embedding: np.ndarray | None = None  # (V, I); None for models that read values
    value_mean: float = 0.0  # models that read values: x = (value − mean) / std
    value_std: float = 1.0
    card: Card | None = None  # None for models built in code rather than loaded from a folder

    @property
    def id(self) -> str:
        return self.card.id if self.card is not None else ""

    def embed(self, tokens: list[Token]) -> np.ndarray:  # -> (T, I)
        """The input vectors of the recurrent stack for these tokens."""
        if self.embedding is None:
            values = np.array([parse_number(t.text) for t in tokens], np.float64)
            x = (values - self.value_mean) / self.value_std
            x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)  # unknown -> the mean
            return x.astype(np.float32).reshape(len(tokens), self.recurrent.input_size)
        ids = np.fromiter((t.id for t in tokens), dtype=np.int64, count=len(tokens))
        return self.embedding[ids]  # (T, I)
