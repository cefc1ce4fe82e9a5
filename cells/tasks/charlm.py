"""Character language model on English prose: Jane Austen's novels + four classics.

One paragraph a line in ``assets/data/corpus/*.txt.gz``; a fixed 5% of paragraphs (seed 1234) is
held out. ``evaluate`` reads a fixed subsample of held-out paragraphs (about 60,000 characters)
with ``cells`` and returns the cross-entropy of the next character in nats per character.
The hidden variable is ``inside_quotes``; the units that track it, with cells alone:

    python -m cells.tasks.quotes assets/models/charlm-gru [--all-held-out]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

import cells
from cells.probe import rank_units
from cells.tasks.datautil import DATA, log_prob, read_lines, split_indices, token_text
from cells.tokenize import UNK

TASK = "charlm"
TITLE = "Character language model"
FILES = ("corpus/austen.txt.gz", "corpus/classics.txt.gz")
SEED = 1234
HELD_OUT = 0.05
VALIDATION = 0.01  # of the training paragraphs: model selection (n-gram order, best checkpoint)
EVAL_CHARS = 60_000
SEPARATOR = "\n"  # joins paragraphs in the training stream
MIN_COUNT = 2  # characters seen fewer times in training map to <unk>
# the page opens a character model on the first: a short quotation, so that the card's quote unit
# (on inside the quotes, off outside) is seen on the first heatmap
SAMPLES = [
    '"I am quite sure," said she, "that he will come to the ball tomorrow."',
    "It is a truth universally acknowledged, that a single man in possession of a good fortune,"
    " must be in want of a wife.",
    "The sea was calm and the ship sailed slowly towards the harbour.",
]

# the licences of the corpus's sources, listed in every char LM's card (files in assets/data)
NOTICES = (
    "licenses/r-cran-janeaustenr.copyright",
    "licenses/r-cran-tidytext.copyright",
    "licenses/r-cran-tokenizers.copyright",
    "licenses/wordnet-base.copyright",
)


def paragraphs() -> list[str]:
    out: list[str] = []
    for name in FILES:
        out.extend(p.strip() for p in read_lines(DATA / name))
    return [p for p in out if p]


def split() -> tuple[list[str], list[str]]:
    """(train, held_out) paragraphs; the held-out 5% is fixed by the seed."""
    paras = paragraphs()
    keep, held = split_indices(len(paras), HELD_OUT, SEED)
    return [paras[i] for i in keep], [paras[i] for i in held]


def fit_split(train: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(fit, validation) paragraphs: a fixed 1% of the *training* paragraphs (seed SEED + 2) set
    aside for choices made while training (the n-gram's order, the best checkpoint). The held-out
    split is never used for a choice."""
    train = split()[0] if train is None else train
    keep, val = split_indices(len(train), VALIDATION, SEED + 2)
    return [train[i] for i in keep], [train[i] for i in val]


def build_vocab(train: list[str]) -> list[str]:
    """<unk>, then each character seen MIN_COUNT+ times in training (and the separator)."""
    counts = Counter()
    for p in train:
        counts.update(p)
    chars = {c for c, n in counts.items() if n >= MIN_COUNT} | {SEPARATOR}
    return [UNK] + sorted(chars)


def char_ids(text: str, vocab: Sequence[str]) -> np.ndarray:  # -> (len(text),) int64
    """The ids ``CharTokenizer(vocab)`` gives the characters of ``text`` (unknown ones -> the id of
    <unk>, 0), vectorised: megabytes of text in well under a second."""
    if vocab[0] != UNK:
        raise ValueError(f"vocab: expected {UNK!r} first, got {vocab[0]!r}")
    singles = [(ord(c), i) for i, c in enumerate(vocab) if i and len(c) == 1]
    known = np.array(sorted(singles), dtype=np.int64).reshape(-1, 2)  # (V-1, 2): code point, id
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)  # (T,)
    at = np.minimum(np.searchsorted(known[:, 0], codes), len(known) - 1)
    return np.where(known[at, 0] == codes, known[at, 1], 0)


def eval_paragraphs(held: list[str] | None = None) -> list[str]:
    """A fixed, seeded subsample of held-out paragraphs totalling about EVAL_CHARS characters."""
    held = split()[1] if held is None else held
    order = np.random.default_rng(SEED + 1).permutation(len(held))
    out, total = [], 0
    for i in order:
        if total >= EVAL_CHARS:
            break
        if len(held[i]) >= 2:
            out.append(held[i])
            total += len(held[i]) - 1
    return out


def evaluate(model: cells.Model, texts: list[str] | None = None) -> dict:
    """Held-out next-character cross-entropy (nats/char), each paragraph read from a zero state.

    The output at step t is scored against character t+1 of the same paragraph.
    """
    texts = eval_paragraphs() if texts is None else texts
    nll, n, correct = 0.0, 0, 0
    for text in texts:
        t = cells.trace(model, text)
        probs = t.outputs[:-1]  # (T-1, V)
        targets = np.asarray(t.token_ids[1:])  # (T-1,)
        nll -= float(log_prob(probs, targets).sum())
        correct += int((probs.argmax(axis=1) == targets).sum())
        n += len(targets)
    nats = nll / max(n, 1)
    return {
        "nats_per_char": round(nats, 4),
        "bits_per_char": round(nats / np.log(2), 4),
        "top1_accuracy": round(correct / max(n, 1), 4),
        "eval_chars": n,
        "eval_paragraphs": len(texts),
    }


def examples(k: int = 4) -> list[str]:
    """A few short everyday phrases from WordNet's examples (fixed choice)."""
    lines = read_lines(DATA / "examples" / "wordnet_examples.txt.gz")
    idx = np.random.default_rng(SEED).choice(len(lines), size=k, replace=False)
    return [lines[i] for i in sorted(idx)]


OPEN, CLOSE, STRAIGHT = "\u201c", "\u201d", '"'  # “ ” "
QUOTE_MARKS = OPEN + CLOSE + STRAIGHT


def inside_quotes(tokens: Sequence) -> np.ndarray:  # (T,)
    """1 inside a double quotation, else 0, after reading each token: an opening mark gives 1, the
    words inside 1, the closing mark 0. Curly “ opens and ” closes; a straight " toggles. Tokens
    may be characters, words (a token holding several marks is read character by character) or
    ``cells.Token``s. A string is read as its characters."""
    out = np.zeros(len(tokens))
    inside = False
    for t, token in enumerate(tokens):
        for ch in token_text(token):
            if ch == OPEN:
                inside = True
            elif ch == CLOSE:
                inside = False
            elif ch == STRAIGHT:
                inside = not inside
        out[t] = float(inside)
    return out


def quote_units(model: cells.Model, texts: list[str], top: int = 3) -> list[tuple[int, float]]:
    """Units whose hidden state h correlates most with ``inside_quotes`` over the ``texts`` that
    hold a quotation mark (all their steps together): [(unit, r)], best |r| first."""
    traces = [cells.trace(model, t) for t in texts if any(m in t for m in QUOTE_MARKS)]
    h = np.concatenate([tr.gates(0, 0)["h"] for tr in traces])  # (N, H)
    inside = np.concatenate([inside_quotes(tr.tokens) for tr in traces])  # (N,)
    return [(u, round(r, 3)) for u, _, r in rank_units(h, inside)[:top]]


def sample_texts(size: int = 40, chars: int = 600) -> list[str]:
    """Held-out text for statistics over many steps: the first ``size`` evaluation paragraphs,
    each cut to ``chars`` characters."""
    return [p[:chars] for p in eval_paragraphs()[:size]]

