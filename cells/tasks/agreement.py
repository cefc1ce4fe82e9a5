"""Subject–verb agreement across distractors, from a small probabilistic grammar (NumPy only).

A sentence is an optional fronted phrase ("in the gardens ,") or an embedding clause ("the
teachers think that", "mrs. smith said that"), a subject ("the dogs"), 0–5 distractor phrases
after it (prepositional phrases "near the cabinets", relative clauses "that the teachers liked",
"that mrs. smith kept", "that the cat chases", "that saw the farmers"), then the verb ("were",
"is", "has", ...). The nouns of distractors tend to have the other number than the subject
(attractors), and present-tense verbs inside relative and embedding clauses agree with their own
subjects, so the last noun and the last verb before the gap are often the wrong cue. The model
reads the prefix up to just before the verb ("the dogs that mrs. smith kept") and its output at
the last token is P(singular), P(plural) of the verb.

Training sentences have 0–3 distractors; the held-out test set (another seed) has 0–5, so the
longest test sentences are longer than any seen in training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

import cells
from cells.tasks.datautil import token_text

LABELS = ["singular", "plural"]
TRAIN_SEED, TEST_SEED = 1234, 98765
TRAIN_SIZE, TEST_PER_K = 60000, 1000
TRAIN_MAX_DISTRACTORS, TEST_MAX_DISTRACTORS = 3, 5
DISTANCE_BINS = [(0, 0), (1, 3), (4, 6), (7, 9), (10, 12), (13, 15), (16, 19), (20, 99)]

# (singular, plural)
NOUNS = [
    ("dog", "dogs"), ("key", "keys"), ("author", "authors"), ("teacher", "teachers"),
    ("cabinet", "cabinets"), ("critic", "critics"), ("boy", "boys"), ("girl", "girls"),
    ("doctor", "doctors"), ("farmer", "farmers"), ("student", "students"), ("book", "books"),
    ("painting", "paintings"), ("car", "cars"), ("child", "children"), ("woman", "women"),
    ("man", "men"), ("friend", "friends"), ("neighbour", "neighbours"), ("pilot", "pilots"),
    ("table", "tables"), ("house", "houses"), ("tree", "trees"), ("bird", "birds"),
    ("cat", "cats"), ("horse", "horses"), ("lawyer", "lawyers"), ("singer", "singers"),
    ("player", "players"), ("box", "boxes"), ("window", "windows"), ("garden", "gardens"),
    ("letter", "letters"), ("picture", "pictures"), ("sister", "sisters"),
    ("brother", "brothers"), ("nurse", "nurses"), ("baker", "bakers"), ("river", "rivers"),
    ("village", "villages"), ("song", "songs"), ("story", "stories"), ("lamp", "lamps"),
    ("door", "doors"), ("chair", "chairs"), ("sailor", "sailors"), ("officer", "officers"),
]
DETERMINERS = ["the", "the", "the", "my", "our", "these/this"]
ADJECTIVES = ["old", "young", "small", "big", "new", "quiet", "friendly", "red", "tall", "busy"]
PREPOSITIONS = ["near", "behind", "beside", "with", "from", "under", "by", "for", "of", "to",
                "next to", "in front of", "above"]
NAMES = ["mrs. smith", "mr. brown", "dr. jones", "anna", "tom", "the captain", "my aunt"]
NAME_NUMBER = 0  # all names above are singular
PAST_VERBS = ["liked", "kept", "saw", "praised", "visited", "painted", "found", "helped",
              "admired", "met", "described", "followed", "fed", "chose", "remembered"]
PRESENT_VERBS = [("chases", "chase"), ("likes", "like"), ("sees", "see"), ("follows", "follow"),
                 ("visits", "visit"), ("feeds", "feed"), ("admires", "admire"), ("helps", "help")]
FRAME_VERBS = [("said", "said"), ("heard", "heard"), ("noticed", "noticed"), ("thinks", "think"),
               ("knows", "know"), ("believes", "believe")]
ADVERBS = ["yesterday", "last week", "often", "once", "recently", "every day"]
FRONTED = ["in the morning ,", "after the storm ,", "in the gardens ,", "near the rivers ,",
           "on sunday ,", "according to the teachers ,", "behind the houses ,"]
VERBS = [("is", "are"), ("was", "were"), ("has", "have"), ("barks", "bark"),
         ("seems", "seem"), ("looks", "look"), ("does", "do")]


@dataclass(frozen=True)
class Sentence:
    prefix: str  # the words before the verb: the model's input
    number: int  # 0 singular, 1 plural: the verb's (= the subject's) number
    verb: str  # a verb form that agrees, for showing the whole sentence
    distractors: int  # phrases between subject and verb
    attractors: int  # nouns among them with the other number
    distance: int  # tokens between the subject noun and the verb
    subject_end: int  # index of the subject noun among the prefix's tokens
    opening: str = "none"  # before the subject: "none", "fronted" phrase or embedding "clause"


def _np(rng: np.random.Generator, number: int, adjective_p: float = 0.2) -> list[str]:
    noun = NOUNS[rng.integers(len(NOUNS))][number]
    det = DETERMINERS[rng.integers(len(DETERMINERS))]
    if "/" in det:
        det = det.split("/")[1 - number]  # "these" with plurals, "this" with singulars
    words = [det]
    if rng.random() < adjective_p:
        words.append(ADJECTIVES[rng.integers(len(ADJECTIVES))])
    return [*words, noun]


def _distractor(
    rng: np.random.Generator, subject_number: int, first: bool
) -> tuple[list[str], int]:
    """One phrase after the subject: (words, attractors in it)."""
    number = 1 - subject_number if rng.random() < 0.8 else subject_number
    attract = int(number != subject_number)
    rel = "that" if rng.random() < 0.7 else "which"
    kind = rng.random()
    if kind < 0.35:  # prepositional phrase: "near the cabinets"
        prep = PREPOSITIONS[rng.integers(len(PREPOSITIONS))]
        return [*prep.split(), *_np(rng, number)], attract
    if kind < 0.47:  # object relative with a (singular) name: "that mrs. smith kept"
        name = NAMES[rng.integers(len(NAMES))].split()
        return [rel, *name, PAST_VERBS[rng.integers(len(PAST_VERBS))]], int(subject_number != 0)
    if kind < 0.62:  # object relative, past: "that the teachers liked"
        return [rel, *_np(rng, number), PAST_VERBS[rng.integers(len(PAST_VERBS))]], attract
    if kind < 0.80:  # object relative, present, agreeing with ITS subject: "that the cat chases"
        verb = PRESENT_VERBS[rng.integers(len(PRESENT_VERBS))][number]
        return [rel, *_np(rng, number), verb], attract
    if kind < 0.90 or not first:  # subject relative, past: "that saw the farmers"
        return [rel, PAST_VERBS[rng.integers(len(PAST_VERBS))], *_np(rng, number)], attract
    # right after the subject only, so that it cannot attach to a nearer noun:
    # subject relative, present, agreeing with the subject: "that chase the cat"
    verb = PRESENT_VERBS[rng.integers(len(PRESENT_VERBS))][subject_number]
    return [rel, verb, *_np(rng, number)], attract


def _frame(rng: np.random.Generator, subject_number: int) -> list[str]:
    """An embedding clause before the subject: "the teachers think that", "tom said that"."""
    number = 1 - subject_number if rng.random() < 0.7 else subject_number
    if rng.random() < 0.25:
        words, number = NAMES[rng.integers(len(NAMES))].split(), 0
    else:
        words = _np(rng, number)
    return [*words, FRAME_VERBS[rng.integers(len(FRAME_VERBS))][number], "that"]


def sentence(rng: np.random.Generator, distractors: int) -> Sentence:
    number = int(rng.integers(2))
    words: list[str] = []
    draw, opening = rng.random(), "none"
    if draw < 0.15:
        words += FRONTED[rng.integers(len(FRONTED))].split()
        opening = "fronted"
    elif draw < 0.45:
        words += _frame(rng, number)
        opening = "clause"
    words += _np(rng, number, adjective_p=0.3)
    subject_end = len(_tokens(" ".join(words))) - 1
    attractors = 0
    for i in range(distractors):
        phrase, attract = _distractor(rng, number, first=i == 0)
        words += phrase
        attractors += attract
    if rng.random() < 0.15:
        words += ADVERBS[rng.integers(len(ADVERBS))].split()
    prefix = " ".join(words)
    verb = VERBS[rng.integers(len(VERBS))][number]
    distance = len(_tokens(prefix)) - 1 - subject_end
    return Sentence(prefix, number, verb, distractors, attractors, distance, subject_end, opening)


_TOKENIZER = cells.WordTokenizer(["<unk>"], lowercase=True)


def _tokens(text: str) -> list[str]:
    return [t.text.lower() for t in _TOKENIZER(text)]


def dataset(seed: int, per_k: dict[int, int]) -> list[Sentence]:
    """``per_k[k]`` sentences with k distractors each, shuffled, from ``seed``."""
    rng = np.random.default_rng(seed)
    out = [sentence(rng, k) for k, count in sorted(per_k.items()) for _ in range(count)]
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def train_set(size: int = TRAIN_SIZE) -> list[Sentence]:
    """Training sentences (0–3 distractors), without any prefix that is also in the test set."""
    ks = range(TRAIN_MAX_DISTRACTORS + 1)
    held_out = {s.prefix for s in test_set()}
    return [s for s in dataset(TRAIN_SEED, {k: size // len(ks) for k in ks})
            if s.prefix not in held_out]


def test_set(per_k: int = TEST_PER_K) -> list[Sentence]:
    return dataset(TEST_SEED, {k: per_k for k in range(TEST_MAX_DISTRACTORS + 1)})


def vocab() -> list[str]:
    """Every word of the grammar, ``<unk>`` first, sorted."""
    words: set[str] = set()
    parts = [*(n for pair in NOUNS for n in pair), *DETERMINERS, *ADJECTIVES, *PREPOSITIONS,
             *NAMES, *PAST_VERBS, *ADVERBS, *FRONTED, "that", "which",
             *(v for pair in PRESENT_VERBS + FRAME_VERBS for v in pair)]
    for p in parts:
        words.update(_tokens(p.replace("/", " ")))
    return ["<unk>", *sorted(words)]


def _noun_sets() -> tuple[set[str], set[str]]:
    return {s for s, _ in NOUNS}, {p for _, p in NOUNS}


def subject_index(
    tokens: Sequence, nouns: tuple[set[str], set[str]] | None = None
) -> tuple[int, int] | None:
    """(position of the subject noun, 0 singular / 1 plural) or None if no known noun is found.

    The subject is the first noun of this grammar's ``NOUNS`` after an opening: a fronted phrase
    ("in the gardens , the dogs ..." skips up to the comma when the sentence starts with one of
    the ``FRONTED`` phrases' first words) or an embedding clause ("the children believe that
    <subject> ...": the subject follows "that" after a ``FRAME_VERBS`` form). Tokens may be
    strings or ``cells.Token``s. ``nouns``: (singulars, plurals) to use instead of ``NOUNS``.
    """
    singular, plural = nouns if nouns is not None else _noun_sets()
    words = [token_text(t).lower() for t in tokens]
    start = 0
    if words and words[0] in {f.split()[0] for f in FRONTED} and "," in words:
        start = words.index(",") + 1
    frames = {form for pair in FRAME_VERBS for form in pair}
    for k in range(start, min(start + 6, len(words) - 1)):
        if words[k] in frames and words[k + 1] == "that":
            start = k + 2
            break
    for k in range(start, len(words)):
        if words[k] in plural:
            return k, 1
        if words[k] in singular:
            return k, 0
    return None


def subject_number(
    tokens: Sequence, nouns: tuple[set[str], set[str]] | None = None
) -> np.ndarray:  # (T,)
    """The agreement task's hidden variable, after reading each token: 0 before the subject noun,
    then +1 for a plural subject and −1 for a singular one, from the subject noun on (see
    ``subject_index``)."""
    out = np.zeros(len(tokens))
    found = subject_index(tokens, nouns)
    if found is not None:
        k, number = found
        out[k:] = 1.0 if number else -1.0
    return out


def samples() -> list[str]:
    return [
        "the dogs that mrs. smith kept",
        "the key to the cabinets",
        "the author that the critics praised",
        "the boys near the tree",
        "the painting that the teachers liked in front of the windows",
        "the keys to the cabinet behind the doors that my aunt found",
        "the pilot with the sailors that saw the officers",
        "the teachers think that the boy",
        "mrs. smith said that the dogs near the cat that the children feed",
    ]


def _bin(distance: int) -> str:
    for lo, hi in DISTANCE_BINS:
        if lo <= distance <= hi:
            return f"{lo}" if lo == hi else (f"{lo}-{hi}" if hi < 99 else f"{lo}+")
    return "other"


def predict(model: cells.Model, prefix: str) -> int:
    """The model's verb number for ``prefix``: argmax of the output at its last token."""
    out = cells.trace(model, prefix).outputs  # (T, 2)
    return int(np.argmax(out[-1]))


def evaluate(model: cells.Model, per_k: int = TEST_PER_K) -> dict:
    """Held-out accuracy overall, by distractors, by attractors and by distance (cells only)."""
    test = test_set(per_k)
    right = np.array([predict(model, s.prefix) == s.number for s in test], np.float64)

    def by(key) -> dict[str, float]:
        groups: dict[str, list[float]] = {}
        for s, r in zip(test, right, strict=True):
            groups.setdefault(key(s), []).append(r)
        return {k: round(float(np.mean(v)), 6) for k, v in groups.items()}

    def order(d: dict[str, float], keys: list[str]) -> dict[str, float]:
        return {k: d[k] for k in keys if k in d}

    dist_keys = [_bin(lo) for lo, _ in DISTANCE_BINS]
    n_by_dist = by(lambda s: _bin(s.distance))
    counts: dict[str, int] = {}
    for s in test:
        counts[_bin(s.distance)] = counts.get(_bin(s.distance), 0) + 1
    return {
        "accuracy": round(float(right.mean()), 6),
        "n_test": len(test),
        "accuracy_by_distractors": order(by(lambda s: str(s.distractors)),
                                         [str(k) for k in range(TEST_MAX_DISTRACTORS + 1)]),
        "accuracy_by_attractors": order(by(lambda s: str(s.attractors)),
                                        [str(k) for k in range(TEST_MAX_DISTRACTORS + 1)]),
        "accuracy_by_distance": order(n_by_dist, dist_keys),
        "accuracy_by_opening": order(by(lambda s: s.opening), ["none", "fronted", "clause"]),
        "count_by_distance": order(counts, dist_keys),
        "accuracy_unseen_lengths": round(  # more distractors than any training sentence
            float(np.mean([r for s, r in zip(test, right, strict=True)
                           if s.distractors > TRAIN_MAX_DISTRACTORS])), 6
        ),
    }


def number_unit(model: cells.Model, n: int = 300) -> dict:
    """The unit whose h best tracks the subject's number (``subject_number``: ±1) over the steps of
    the first ``n`` test prefixes from their subject noun on."""
    hs, ys = [], []
    for s in test_set(n // (TEST_MAX_DISTRACTORS + 1) + 1)[:n]:
        trace = cells.trace(model, s.prefix)
        y = subject_number(trace.tokens)  # (T,)
        after = np.flatnonzero(y)  # the steps from the subject on
        hs.append(trace.gates(0, 0)["h"][after])  # (T', H)
        ys.append(y[after])
    h_all, y = np.concatenate(hs).astype(np.float64), np.concatenate(ys)
    best = (0.0, 0)
    for unit in range(h_all.shape[1]):
        col = h_all[:, unit]
        if col.std() < 1e-9:
            continue
        r = float(np.corrcoef(col, y)[0, 1])
        if abs(r) > abs(best[0]):
            best = (r, unit)
    r, unit = best
    sign = "plural" if r > 0 else "singular"
    return {
        "layer": 0,
        "direction": 0,
        "unit": int(unit),
        "what": f"subject number: h is high for a {sign} subject from the subject to the verb"
        f" (correlation {r:+.3f} with the subject's number over {n} test prefixes)",
        "gate": "h",
        "correlation": round(r, 4),
    }
