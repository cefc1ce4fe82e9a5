"""Sentiment of a sentence, read word by word: VADER's human-rated movie and product sentences.

``assets/data/sentiment/vader_movie_amazon.tsv.gz`` (columns source id score label text); the label
column gives pos/neg. A fixed 15% of sentences (seed 1234) is held out; a further 10% of the rest
is the validation part used for early stopping. ``evaluate`` reads every held-out sentence with
``cells`` and takes the class with the higher probability after the last token (readout "last").
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter

import numpy as np

import cells
from cells.tasks.datautil import DATA, split_indices
from cells.tokenize import UNK, WordTokenizer

TASK = "sentiment"
TITLE = "Sentiment, read word by word"
FILE = DATA / "sentiment" / "vader_movie_amazon.tsv.gz"
WORD_ORDER_FILE = DATA / "sentiment" / "word_order.tsv"
LABELS = ["negative", "positive"]
SEED = 1234
HELD_OUT = 0.15
VALIDATION = 0.10
MIN_COUNT = 2
SAMPLES = [
    "This movie was not good.",
    "The plot was dull but the acting was wonderful.",
    "I loved this phone, it works perfectly.",
    "Not bad at all, actually quite enjoyable.",
]


def rows() -> list[tuple[str, str, int]]:
    """(source, text, label) with label 0 = negative, 1 = positive."""
    with gzip.open(FILE, "rt", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["source"], r["text"], int(r["label"] == "pos")) for r in reader]


def split() -> tuple[list, list, list]:
    """(train, validation, held_out) lists of (source, text, label); fixed by the seed."""
    data = rows()
    keep, held = split_indices(len(data), HELD_OUT, SEED)
    fit, val = split_indices(len(keep), VALIDATION, SEED + 1)
    return [data[keep[i]] for i in fit], [data[keep[i]] for i in val], [data[i] for i in held]


def word_order() -> list[tuple[str, str, int]]:
    """The word-order test set as (kind, text, label): minimal pairs written from templates
    (``cells/tasks/order_templates.py``) in which word order decides the label."""
    with open(WORD_ORDER_FILE, encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [(r["kind"], r["text"], int(r["label"])) for r in reader]


def build_vocab(train: list) -> list[str]:
    """<unk> first, then every lowercased word seen at least MIN_COUNT times in ``train``."""
    tok = WordTokenizer([], lowercase=True)
    counts = Counter(p.lower() for _, text, _ in train for p, _, _ in tok.pieces(text))
    return [UNK] + sorted(w for w, n in counts.items() if n >= MIN_COUNT and w != UNK)


def verdicts(model: cells.Model, data: list) -> np.ndarray:
    """(N,) the class after the last word of each (source, text, label); 1 for an empty text."""
    guesses = []
    for _, text, _ in data:
        out = cells.trace(model, text).outputs  # (T, 2)
        guesses.append(int(out[-1].argmax()) if len(out) else 1)
    return np.array(guesses, np.int64)


def accuracy_of(model: cells.Model, data: list) -> dict:
    """Accuracy of the verdict after the last word on ``data``, overall and by source."""
    hits: dict[str, list[int]] = {}
    for (source, _, label), guess in zip(data, verdicts(model, data), strict=True):
        hits.setdefault(source, []).append(int(guess == label))
    every = [h for v in hits.values() for h in v]
    return {
        "accuracy": round(float(np.mean(every)), 4),
        "accuracy_by_source": {s: round(float(np.mean(v)), 4) for s, v in sorted(hits.items())},
        "held_out_sentences": len(every),
    }


def evaluate(model: cells.Model, data: list | None = None) -> dict:
    """Without ``data``: the card's metrics, i.e. held-out accuracy overall and by source, and the
    accuracy on the word-order test set overall and by kind. With ``data``: its accuracy alone."""
    if data is not None:
        return accuracy_of(model, data)
    order = accuracy_of(model, word_order())
    return {
        **accuracy_of(model, split()[2]),
        "word_order_accuracy": order["accuracy"],
        "word_order_accuracy_by_kind": order["accuracy_by_source"],
    }


def held_out_samples(k: int = 3) -> list[str]:
    """A few short held-out sentences (fixed choice) for the app."""
    held = [text for _, text, _ in split()[2] if 30 <= len(text) <= 90]
    idx = np.random.default_rng(SEED).choice(len(held), size=k, replace=False)
    return [held[i] for i in sorted(idx)]


def verdict_units(model: cells.Model, data: list | None = None, top: int = 3) -> list[tuple]:
    """Forward-direction units whose final h correlates most with the true label: [(unit, r)]."""
    data = split()[2] if data is None else data
    finals, labels = [], []
    for _, text, label in data:
        h = cells.trace(model, text).gates(0, 0)["h"]  # (T, H)
        if len(h):
            finals.append(h[-1])
            labels.append(label)
    x = np.array(finals, np.float64)  # (N, H)
    y = np.array(labels, np.float64)
    xc, yc = x - x.mean(axis=0), y - y.mean()
    r = (xc * yc[:, None]).sum(axis=0) / (np.sqrt((xc**2).sum(axis=0) * (yc**2).sum()) + 1e-12)
    best = np.argsort(-np.abs(r))[:top]
    return [(int(u), round(float(r[u]), 3)) for u in best]


def sample_texts(size: int = 200) -> list[str]:
    """Held-out sentences for statistics over many steps: the first ``size`` of the held-out split."""
    return [text for _, text, _ in split()[2][:size]]
