"""Sentences in which word order decides the sentiment, generated from templates we wrote.

Two disjoint parts:

- ``"test"``: the word-order test set kept in ``assets/data/sentiment/word_order.tsv`` (written by
  ``python -m cells.tasks.order_templates --write``);
- ``"train"``: phrases that may be added to the sentiment models' training data.

The two parts share no sentiment adjective, no aspect noun and no intensifier or diminisher (see
``LEXICON``), and the train part's frames are worded differently, so no test sentence (and no test
adjective in these constructions) is ever seen in training.

Four kinds, each made of minimal pairs (``pair`` id) whose two sentences have opposite labels:

- ``negation``: "the plot was not dull , it was clever ." / "... not clever , it was dull ." — the
  same words; which adjective the "not" precedes decides.
- ``contrast``: "the acting was wonderful but the plot was dull ." / "the plot was dull but the
  acting was wonderful ." — the same words; the clause after "but" (or the main clause after
  "although") decides.
- ``intensity``: "the music was very good and the ending was slightly weak ." / "... slightly good
  ... very weak ." — the same words; which adjective carries the intensifier decides.
- ``double_negation``: "i can't say the story was not funny ." / "i can't say the story was
  funny ." — the words differ by one "not", which flips the label (two negations cancel).
"""

from __future__ import annotations

import argparse
import csv
import itertools
from pathlib import Path

import numpy as np

from cells.tasks.datautil import DATA

FILE = DATA / "sentiment" / "word_order.tsv"
KINDS = ("negation", "contrast", "intensity", "double_negation")
PER_KIND = {"test": 50, "train": 500}  # minimal pairs per kind
SEEDS = {"test": 2026, "train": 7}

LEXICON = {
    "test": {
        "pos": "good great wonderful excellent fun enjoyable brilliant charming funny beautiful"
        " clever delightful entertaining impressive superb amazing".split(),
        "neg": "bad dull boring awful terrible poor weak tedious stupid silly lame mediocre bland"
        " clumsy predictable disappointing".split(),
        "movie": "acting plot story script music ending cast dialogue".split(),
        "product": "phone battery screen camera".split(),
        "strong": ["very", "extremely", "really"],
        "mild": ["slightly", "somewhat", "a little"],
    },
    "train": {
        "pos": "moving solid smart fine nice perfect fantastic compelling engaging terrific lovely"
        " touching sharp fresh witty gorgeous likable satisfying".split(),
        "neg": "flat ugly messy painful slow annoying horrible pointless forgettable tiresome"
        " lifeless pretentious cheap sloppy dreadful unpleasant useless flimsy".split(),
        "movie": "direction photography soundtrack humor pacing score premise finale".split(),
        "product": "sound design software interface player menu case price".split(),
        "strong": ["incredibly", "truly", "remarkably"],
        "mild": ["mildly", "a bit", "fairly"],
    },
}

# (frame, which slot decides the label); frames take {n} {m} nouns and {a} {b} adjectives
FRAMES = {
    "test": {
        "negation": [
            "the {n} was not {a} , it was {b} .",
            "not {a} at all , the {n} was really {b} .",
            "the {n} is {b} , not {a} .",
        ],
        "contrast": [
            "the {n} was {a} but the {m} was {b} .",
            "although the {n} is {a} , the {m} is {b} .",
            "the {n} is {a} , yet the {m} is {b} .",
        ],
        "intensity": ["the {n} was {s} {a} and the {m} was {w} {b} ."],
        "double_negation": ["i can't say the {n} was not {a} .", "it is not true that the {n} is not {a} ."],
    },
    "train": {
        "negation": [
            "this {n} is not {a} ; it is {b} .",
            "{n} : not {a} , just {b} .",
            "i found the {n} {b} and not {a} .",
        ],
        "contrast": [
            "{a} {n} , but the {m} is {b} .",
            "the {n} seemed {a} , though the {m} felt {b} .",
            "even if the {n} is {a} , the {m} is {b} .",
        ],
        "intensity": ["the {n} felt {s} {a} while the {m} felt {w} {b} ."],
        "double_negation": ["nobody could call the {n} not {a} .", "i would not say this {n} is not {a} ."],
    },
}
DROP_NOT = {  # the single-negation partner of each double-negation frame
    "i can't say the {n} was not {a} .": "i can't say the {n} was {a} .",
    "it is not true that the {n} is not {a} .": "it is true that the {n} is not {a} .",
    "nobody could call the {n} not {a} .": "nobody could call the {n} {a} .",
    "i would not say this {n} is not {a} .": "i would say this {n} is not {a} .",
}


def _pair(kind: str, part: str, rng: np.random.Generator) -> list[tuple[str, int]]:
    """One minimal pair [(text, label), (text, label)] with labels 1 and 0 in some order."""
    lex = LEXICON[part]
    domain = lex["movie"] if rng.random() < 0.75 else lex["product"]
    n, m = (str(w) for w in rng.choice(domain, size=2, replace=False))
    pos, neg = str(rng.choice(lex["pos"])), str(rng.choice(lex["neg"]))
    frame = str(rng.choice(FRAMES[part][kind]))
    if kind == "negation":  # "not a ... b": b decides
        return [(frame.format(n=n, a=neg, b=pos), 1), (frame.format(n=n, a=pos, b=neg), 0)]
    if kind == "contrast":  # the second clause decides; swap the clauses
        return [(frame.format(n=n, m=m, a=neg, b=pos), 1), (frame.format(n=m, m=n, a=pos, b=neg), 0)]
    if kind == "intensity":  # the adjective with the intensifier decides
        s, w = str(rng.choice(lex["strong"])), str(rng.choice(lex["mild"]))
        first_pos = rng.random() < 0.5
        a, b = (pos, neg) if first_pos else (neg, pos)
        strong_first = frame.format(n=n, m=m, s=s, a=a, w=w, b=b)
        mild_first = frame.format(n=n, m=m, s=w, a=a, w=s, b=b)
        return [(strong_first, int(first_pos)), (mild_first, int(not first_pos))]
    if kind == "double_negation":  # "not ... not a" keeps a's sign; one "not" flips it
        a, sign = (pos, 1) if rng.random() < 0.5 else (neg, 0)
        return [(frame.format(n=n, a=a), sign), (DROP_NOT[frame].format(n=n, a=a), 1 - sign)]
    raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")


def generate(part: str) -> list[dict]:
    """Rows {id, kind, pair, label, text} of ``part`` ("test" or "train"): PER_KIND[part] distinct
    minimal pairs per kind, fixed by SEEDS[part]."""
    if part not in LEXICON:
        raise ValueError(f"part: expected 'test' or 'train', got {part!r}")
    rng = np.random.default_rng(SEEDS[part])
    out: list[dict] = []
    seen: set[str] = set()
    for kind in KINDS:
        made = 0
        for _ in itertools.count():
            pair = _pair(kind, part, rng)
            if any(t in seen for t, _ in pair):
                continue
            seen.update(t for t, _ in pair)
            for text, label in pair:
                out.append({"id": f"{part}-{len(out):04d}", "kind": kind,
                            "pair": f"{kind}-{made:03d}", "label": label, "text": text})
            made += 1
            if made == PER_KIND[part]:
                break
    return out


HEADER = (
    "# Word-order sentiment test set for the Gatescope sentiment models: written by the Gatescope"
    " authors from templates (cells/tasks/order_templates.py, part 'test', seed 2026); not drawn"
    " from any corpus. Minimal pairs with opposite labels (1 = positive, 0 = negative); in"
    " negation, contrast and intensity pairs both sentences hold the same words. Regenerate with"
    " python -m cells.tasks.order_templates --write\n"
)


def write(path: Path = FILE) -> int:
    rows = generate("test")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        w = csv.DictWriter(f, ["id", "kind", "pair", "label", "text"], delimiter="\t",
                           lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write", action="store_true", help=f"write the test part to {FILE}")
    a = ap.parse_args(argv)
    if a.write:
        print(f"wrote {write()} sentences to {FILE}")
    else:
        for r in generate("test")[:12]:
            print(r["kind"], r["label"], r["text"])


if __name__ == "__main__":
    main()
