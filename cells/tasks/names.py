"""Surname -> language, read one character at a time.

``assets/data/names/surnames_by_language.tsv.gz`` (surname<TAB>language). The LANGUAGES with the
most surnames are kept and each is subsampled (seed 1234) to the count of the smallest, so the
classes are balanced; 15% of each language is held out. ``evaluate`` reads every held-out surname
with ``cells`` and takes the most probable language after the last character (readout "last").
"""

from __future__ import annotations

from collections import Counter

import numpy as np

import cells
from cells.tasks.datautil import DATA, read_lines, split_indices
from cells.tokenize import UNK

TASK = "names"
TITLE = "Surname to language"
FILE = DATA / "names" / "surnames_by_language.tsv.gz"
N_LANGUAGES = 10
SEED = 1234
HELD_OUT = 0.15
MIN_COUNT = 2


def rows() -> list[tuple[str, str]]:
    out = []
    for line in read_lines(FILE):
        name, _, lang = line.partition("\t")
        if name.strip() and lang.strip():
            out.append((name.strip(), lang.strip()))
    return out


def languages(data: list[tuple[str, str]] | None = None) -> list[str]:
    """The N_LANGUAGES languages with the most distinct surnames, alphabetically."""
    data = rows() if data is None else data
    counts = Counter(lang for _, lang in set(data))
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:N_LANGUAGES]
    return sorted(lang for lang, _ in top)


def split() -> tuple[list[tuple[str, int]], list[tuple[str, int]], list[str]]:
    """(train, held_out, labels): (surname, language index) pairs, balanced, fixed by the seed."""
    data = sorted(set(rows()))
    labels = languages(data)
    by_lang = {lang: [n for n, la in data if la == lang] for lang in labels}
    per = min(len(v) for v in by_lang.values())
    rng = np.random.default_rng(SEED)
    train, held = [], []
    for k, lang in enumerate(labels):
        names = by_lang[lang]
        chosen = [names[i] for i in np.sort(rng.choice(len(names), size=per, replace=False))]
        keep, out = split_indices(per, HELD_OUT, SEED + k)
        train += [(chosen[i], k) for i in keep]
        held += [(chosen[i], k) for i in out]
    return train, held, labels


def build_vocab(train: list[tuple[str, int]]) -> list[str]:
    """<unk>, then every lowercased character seen at least MIN_COUNT times in training."""
    counts = Counter(c for name, _ in train for c in name.lower())
    return [UNK] + sorted(c for c, n in counts.items() if n >= MIN_COUNT)


def evaluate(model: cells.Model, held: list[tuple[str, int]] | None = None) -> dict:
    """Held-out accuracy after the last character, overall and per language."""
    held = split()[1] if held is None else held
    labels = list(model.card.output_labels)
    per: dict[int, list[int]] = {}
    for name, k in held:
        out = cells.trace(model, name).outputs  # (T, K)
        per.setdefault(k, []).append(int(out[-1].argmax() == k))
    every = [h for v in per.values() for h in v]
    name_of = (lambda k: labels[k]) if labels else str
    return {
        "accuracy": round(float(np.mean(every)), 4),
        "accuracy_by_language": {
            name_of(k): round(float(np.mean(v)), 4) for k, v in sorted(per.items())
        },
        "held_out_names": len(every),
        "chance": round(1.0 / max(len(per), 1), 4),
    }
