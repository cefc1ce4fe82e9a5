"""Subject–verb agreement across distractors, from a probabilistic grammar of everyday English
(NumPy only; the words are in ``cells/tasks/agreement_lexicon.py``: ~250 nouns with their plurals,
irregular ones too, ~110 verbs with their tenses, adjectives, prepositions, names, pronouns).

A sentence is an optional opening — a fronted phrase ("in the gardens ,"), an embedding clause
("the teachers think that", "i think"), or a whole sentence before it ("the cat was sleeping .")
— then a subject ("the dogs", "her biggest achievement", "she"), 0–5 distractor phrases after it
(prepositional phrases "to the cabinets", relative clauses "that the cat chased", "who were
sleeping", "that mrs. smith has found", reduced ones "sitting near the windows"), then the verb
("were", "is", "has", "barks", ...). The nouns of distractors tend to have the other number than
the subject (attractors), and verbs inside relative and embedding clauses agree with their own
subjects, so the last noun and the last verb before the gap are often the wrong cue. The model
reads the prefix up to just before the verb ("the dogs that the cat chased") and its output at the
last token is P(singular), P(plural) of the verb.

Training sentences have 0–3 distractors; the held-out test set (another seed) has 0–5, so the
longest test sentences are longer than any seen in training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

import cells
from cells.tasks import agreement_lexicon as lex
from cells.tasks.datautil import token_text

LABELS = ["singular", "plural"]
TRAIN_SEED, TEST_SEED = 1234, 98765
TRAIN_SIZE, TEST_PER_K = 120000, 1000
TRAIN_MAX_DISTRACTORS, TEST_MAX_DISTRACTORS = 3, 5
DISTANCE_BINS = [(0, 0), (1, 3), (4, 6), (7, 9), (10, 12), (13, 15), (16, 19), (20, 99)]
OPENINGS = ["none", "fronted", "clause", "sentence"]

lex.check()
NOUNS = lex.NOUNS  # (singular, plural)
PRONOUNS = lex.PRONOUNS  # subject pronouns (singular, plural)
FRAME_VERBS = lex.FRAME_VERBS
NAMES = lex.NAMES  # all singular
VERBS = lex.AUXILIARIES + lex.LINKING + [
    (v["s"], v["base"]) for v in [*lex.INTRANSITIVE.values(), *lex.TRANSITIVE.values()]
] + [pair for pair in FRAME_VERBS if pair[0] != pair[1]]  # the agreeing verb forms (singular, plural)
FRONTED = [*lex.TIME_OPENERS, *(f"{p} the" for p in lex.PREPOSITIONS)]  # + "," (or + NP + ",")
SENTENCE_ENDS = {".", "?", "!"}
TITLES = {"mr", "mrs", "ms", "dr"}  # "mrs." is "mrs" "." to the tokenizer: not a sentence end


def _pick(rng: np.random.Generator, items: Sequence):
    return items[rng.integers(len(items))]


@dataclass(frozen=True)
class Sentence:
    prefix: str  # the words before the verb: the model's input
    number: int  # 0 singular, 1 plural: the verb's (= the subject's) number
    verb: str  # a verb form that agrees, for showing the whole sentence
    distractors: int  # phrases between subject and verb
    attractors: int  # nouns among them with the other number
    distance: int  # tokens between the subject noun and the verb
    subject_end: int  # index of the subject noun among the prefix's tokens
    opening: str = "none"  # before the subject: "none", "fronted", embedding "clause", "sentence"


def _np(rng: np.random.Generator, number: int, adjective_p: float = 0.2) -> list[str]:
    """A noun phrase: "the dogs", "her biggest achievement", "an old key", "all the mice"."""
    noun = _pick(rng, NOUNS)[number]
    det = _pick(rng, lex.DETERMINERS)
    if "/" in det:
        det = det.split("/")[number]
    middle: list[str] = []
    if rng.random() < adjective_p:
        if rng.random() < 0.15:
            middle.append(_pick(rng, ["very", "really", "quite"]))
        middle.append(_pick(rng, lex.ADJECTIVES))
    if det == "a" and (middle or [noun])[0][0] in lex.VOWELS:
        det = "an"
    return [*det.split(), *middle, noun]


def _form(pair: tuple[str, str], number: int, person: str = "3") -> str:
    """The form of an agreeing verb for the subject: ``person`` "i" and "you" take the plural
    forms, except "i am" and "i was"."""
    if person == "i" and pair[0] in ("is", "was"):
        return "am" if pair[0] == "is" else "was"
    return pair[1] if person in ("i", "you") else pair[number]


def _object(rng: np.random.Generator, number: int | None = None) -> tuple[list[str], int]:
    """(words, number) of an object: a noun phrase (of ``number`` if given), a name or an object
    pronoun (number -1: not counted as an attractor)."""
    draw = rng.random()
    if draw < 0.75:
        number = int(rng.integers(2)) if number is None else number
        return _np(rng, number), number
    if draw < 0.88:
        return _pick(rng, NAMES).split(), 0
    return [_pick(rng, lex.OBJECT_PRONOUNS)], -1


def _transitive(rng: np.random.Generator) -> dict[str, str]:
    return lex.TRANSITIVE[_pick(rng, sorted(lex.TRANSITIVE))]


def _intransitive(rng: np.random.Generator) -> dict[str, str]:
    return lex.INTRANSITIVE[_pick(rng, sorted(lex.INTRANSITIVE))]


def _pp(rng: np.random.Generator, number: int | None = None) -> tuple[list[str], int]:
    number = int(rng.integers(2)) if number is None else number
    return [*_pick(rng, lex.PREPOSITIONS).split(), *_np(rng, number)], number


def _complement(rng: np.random.Generator) -> list[str]:
    """What may follow a verb: an adverb or a prepositional phrase (or nothing)."""
    draw = rng.random()
    if draw < 0.3:
        return _pick(rng, lex.ADVERBS).split()
    if draw < 0.6:
        return _pp(rng)[0]
    return []


def _vp(rng: np.random.Generator, number: int, person: str = "3") -> list[str]:
    """A whole verb phrase agreeing with its subject: "were barking", "has eaten the cake"."""
    draw = rng.random()
    aux = _pick(rng, lex.AUXILIARIES[:2] + lex.AUXILIARIES[4:6])  # is/was, isn't/wasn't
    if draw < 0.12:  # "is very happy"
        mid = [_pick(rng, lex.INTENSIFIERS)] if rng.random() < 0.3 else []
        return [_form(aux, number, person), *mid, _pick(rng, lex.ADJECTIVES)]
    if draw < 0.24:  # "were barking near the door"
        return [_form(aux, number, person), _intransitive(rng)["ing"], *_complement(rng)]
    if draw < 0.34:  # "was chasing the cat"
        return [_form(aux, number, person), _transitive(rng)["ing"], *_object(rng)[0]]
    if draw < 0.40:  # "is on the table", "is a teacher"
        if rng.random() < 0.5:
            return [_form(aux, number, person), *_pp(rng)[0]]
        return [_form(aux, number, person), *_np(rng, number if person == "3" else 0)]
    if draw < 0.46:  # "was found by the boys"
        by = _np(rng, int(rng.integers(2)))
        return [_form(aux, number, person), _transitive(rng)["participle"], "by", *by]
    if draw < 0.54:  # "have eaten the cake"
        have = _pick(rng, [("has", "have"), ("hasn't", "haven't")])
        return [_form(have, number, person), _transitive(rng)["participle"], *_object(rng)[0]]
    if draw < 0.58:  # "don't like the rain"
        do = _pick(rng, [("does", "do"), ("doesn't", "don't")])
        return [_form(do, number, person), _transitive(rng)["base"], *_object(rng)[0]]
    if draw < 0.63:  # "seems tired"
        return [_form(_pick(rng, lex.LINKING), number, person), _pick(rng, lex.ADJECTIVES)]
    if draw < 0.72:  # "sleeps in the garden"
        verb = _intransitive(rng)
        return [_form((verb["s"], verb["base"]), number, person), *_complement(rng)]
    if draw < 0.80:  # "feeds the cats"
        verb = _transitive(rng)
        return [_form((verb["s"], verb["base"]), number, person), *_object(rng)[0]]
    if draw < 0.86:  # "will sleep", "can open the door"
        if rng.random() < 0.5:
            return [_pick(rng, lex.MODALS), _intransitive(rng)["base"], *_complement(rng)]
        return [_pick(rng, lex.MODALS), _transitive(rng)["base"], *_object(rng)[0]]
    if draw < 0.93:  # "slept", "starred in a pilot"
        return [_intransitive(rng)["past"], *_complement(rng)]
    if rng.random() < 0.3:  # "had found the keys"
        return ["had", _transitive(rng)["participle"], *_object(rng)[0]]
    return [_transitive(rng)["past"], *_object(rng)[0]]  # "chased the cat"


def _clause_subject(rng: np.random.Generator) -> tuple[list[str], int, str]:
    """(words, number, person) of the subject of a whole clause."""
    draw = rng.random()
    if draw < 0.55:
        number = int(rng.integers(2))
        return _np(rng, number, adjective_p=0.3), number, "3"
    if draw < 0.7:
        return _pick(rng, NAMES).split(), 0, "3"
    if draw < 0.9:
        number = int(rng.integers(2))
        return [_pick(rng, PRONOUNS)[number]], number, "3"
    person = _pick(rng, lex.FRAME_ONLY_PRONOUNS)
    return [person], 1, person


def _sentence_before(rng: np.random.Generator) -> list[str]:
    """A whole sentence (one or two clauses) before the one whose verb is predicted."""
    words: list[str] = []
    if rng.random() < 0.15:
        words += [*_pick(rng, lex.TIME_OPENERS).split(), ","]
    for i in range(1 + int(rng.random() < 0.3)):
        if i:
            words.append(_pick(rng, lex.CONJUNCTIONS))
        subject, number, person = _clause_subject(rng)
        words += [*subject, *_vp(rng, number, person)]
    return [*words, _pick(rng, [".", ".", ".", "!", "?"])]


def _relative_subject(rng: np.random.Generator, number: int) -> tuple[list[str], int]:
    """The subject inside an object relative clause: (words, its number)."""
    draw = rng.random()
    if draw < 0.6:
        return _np(rng, number), number
    if draw < 0.8:
        return _pick(rng, NAMES).split(), 0
    return [_pick(rng, PRONOUNS)[number]], number


def _distractor(
    rng: np.random.Generator, subject_number: int, first: bool
) -> tuple[list[str], int]:
    """One phrase after the subject: (words, attractors in it)."""
    number = 1 - subject_number if rng.random() < 0.8 else subject_number
    rel = _pick(rng, lex.RELATIVES)
    kind = rng.random()
    if kind < 0.30:  # prepositional phrase: "to the cabinets"
        words, number = _pp(rng, number)
        return words, int(number != subject_number)
    if kind < 0.58:  # object relative: "that the cat chased", "that they feed", "that tom has found"
        inner, inner_number = _relative_subject(rng, number)
        verb, tense = _transitive(rng), rng.random()
        if tense < 0.45:
            tail = [verb["past"]]
        elif tense < 0.7:
            tail = [verb[("s", "base")[inner_number]]]
        elif tense < 0.85:
            tail = [("was", "were")[inner_number], verb["ing"]]
        else:
            tail = [("has", "have")[inner_number], verb["participle"]]
        if rng.random() < 0.2:
            tail += _complement(rng)
        return [rel, *inner, *tail], int(inner_number != subject_number)
    if kind < 0.72 or not first:  # subject or reduced relative, number-free
        draw = rng.random()
        if draw < 0.45:  # "that chased the cats"
            (obj, obj_number), head = _object(rng, number), [rel, _transitive(rng)["past"]]
        elif draw < 0.6:  # "who lived near the rivers"
            (obj, obj_number), head = _pp(rng, number), [rel, _intransitive(rng)["past"]]
        elif draw < 0.7:  # "that had found the keys"
            (obj, obj_number) = _object(rng, number)
            head = [rel, "had", _transitive(rng)["participle"]]
        elif draw < 0.8:  # "chasing the cat"
            (obj, obj_number), head = _object(rng, number), [_transitive(rng)["ing"]]
        elif draw < 0.9:  # "sitting near the windows"
            (obj, obj_number), head = _pp(rng, number), [_intransitive(rng)["ing"]]
        else:  # "found by the boys"
            obj, obj_number = _np(rng, number), number
            head = [_transitive(rng)["participle"], "by"]
        return [*head, *obj], int(obj_number == 1 - subject_number)
    # right after the subject only, so that it cannot attach to a nearer noun: a subject relative
    # agreeing with the subject: "that chase the cat", "who were sleeping", "that has lost the keys"
    draw = rng.random()
    if draw < 0.35:
        verb = _transitive(rng)
        obj, obj_number = _object(rng)
        return [rel, verb[("s", "base")[subject_number]], *obj], int(obj_number == 1 - subject_number)
    if draw < 0.6:
        return [rel, ("was", "were", "is", "are")[subject_number + 2 * int(rng.random() < 0.5)],
                _intransitive(rng)["ing"], *_complement(rng)], 0
    if draw < 0.8:
        obj, obj_number = _object(rng)
        return [rel, ("has", "have")[subject_number], _transitive(rng)["participle"], *obj], \
            int(obj_number == 1 - subject_number)
    words, pp_number = _pp(rng, number)
    return [rel, ("is", "are", "was", "were")[subject_number + 2 * int(rng.random() < 0.5)],
            *words], int(pp_number != subject_number)


def _frame(rng: np.random.Generator, subject_number: int) -> list[str]:
    """An embedding clause before the subject: "the teachers think that", "i think"."""
    number = 1 - subject_number if rng.random() < 0.7 else subject_number
    draw = rng.random()
    if draw < 0.2:
        person = _pick(rng, [*lex.FRAME_ONLY_PRONOUNS, "she", "he", "we", "they"])
        words = [person]
        number = {"she": 0, "he": 0}.get(person, 1)
        that = ["that"] if rng.random() < 0.5 else []  # "i think her biggest achievement ..."
        return [*words, _pick(rng, FRAME_VERBS)[number], *that]
    if draw < 0.4:
        words, number = _pick(rng, NAMES).split(), 0
    else:
        words = _np(rng, number)
    return [*words, _pick(rng, FRAME_VERBS)[number], "that"]


def _subject(rng: np.random.Generator, number: int, distractors: int) -> list[str]:
    if distractors == 0 and rng.random() < 0.15:  # "she", "everyone", "they"
        return [_pick(rng, PRONOUNS)[number]]
    return _np(rng, number, adjective_p=0.3)


def sentence(rng: np.random.Generator, distractors: int) -> Sentence:
    number = int(rng.integers(2))
    words: list[str] = []
    draw, opening = rng.random(), "none"
    if draw < 0.12:
        words += [*_pick(rng, lex.TIME_OPENERS).split(), ","] if rng.random() < 0.5 \
            else [*_pp(rng)[0], ","]
        opening = "fronted"
    elif draw < 0.37:
        words += _frame(rng, number)
        opening = "clause"
    elif draw < 0.52:
        words += _sentence_before(rng)
        opening = "sentence"
    words += _subject(rng, number, distractors)
    subject_end = len(_tokens(" ".join(words))) - 1
    attractors = 0
    for i in range(distractors):
        phrase, attract = _distractor(rng, number, first=i == 0)
        if phrase[0] in ("which", "who") and rng.random() < 0.25:  # ", which tom kept ,"
            phrase = [*([] if words[-1] == "," else [","]), *phrase, ","]
        words += phrase
        attractors += attract
    if rng.random() < 0.15:
        words += _pick(rng, lex.ADVERBS).split()
    prefix = " ".join(words)
    verb = _pick(rng, VERBS)[number]
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
    verbs = [*lex.TRANSITIVE.values(), *lex.INTRANSITIVE.values()]
    parts = [
        *(n for pair in NOUNS + PRONOUNS + FRAME_VERBS + lex.AUXILIARIES + lex.LINKING
          for n in pair),
        *(form for verb in verbs for form in verb.values()),
        *lex.DETERMINERS, *lex.ADJECTIVES, *lex.INTENSIFIERS, *lex.PREPOSITIONS, *NAMES,
        *lex.FRAME_ONLY_PRONOUNS, *lex.OBJECT_PRONOUNS, *lex.ADVERBS, *lex.TIME_OPENERS,
        *lex.CONJUNCTIONS, *lex.RELATIVES, *lex.MODALS,
        "an", "am", "had", "by", "very", "really", "quite", ",", ".", "!", "?",
    ]
    words: set[str] = set()
    for p in parts:
        words.update(_tokens(p.replace("/", " ")))
    return ["<unk>", *sorted(words)]


def _noun_sets() -> tuple[set[str], set[str]]:
    """(singular, plural) words that can be a subject: the nouns and the subject pronouns."""
    return ({s for s, _ in NOUNS + PRONOUNS}, {p for _, p in NOUNS + PRONOUNS})


_PREPOSITION_STARTS = {p.split()[0] for p in lex.PREPOSITIONS}
_TIME_OPENERS = [o.split() for o in lex.TIME_OPENERS]
_FRAME_FORMS = {form for pair in FRAME_VERBS for form in pair}
_FRAME_PRONOUNS = {*lex.FRAME_ONLY_PRONOUNS, "she", "he", "we", "they"}


def _last_sentence_start(words: list[str]) -> int:
    """Index of the first word after the last sentence end that has words after it ("mrs." is
    not an end)."""
    start = 0
    for k, w in enumerate(words[:-1]):
        if w in SENTENCE_ENDS and not (w == "." and k and words[k - 1] in TITLES):
            start = k + 1
    return start


def subject_index(
    tokens: Sequence, nouns: tuple[set[str], set[str]] | None = None
) -> tuple[int, int] | None:
    """(position of the subject noun, 0 singular / 1 plural) or None if no known noun is found.

    The subject is the first noun or subject pronoun of this grammar (``NOUNS``, ``PRONOUNS``) of
    the last sentence (after the last ".", "?" or "!" that has words after it), after an opening:
    a fronted phrase ("in the gardens , the dogs ..." skips up to the comma when the sentence
    starts with a preposition, or with one of the ``TIME_OPENERS`` and a comma) or an embedding clause
    ("the children believe that <subject> ...": the subject follows "that" after a
    ``FRAME_VERBS`` form, or follows the frame verb of "i think <subject>"). Tokens may be strings
    or ``cells.Token``s. ``nouns``: (singulars, plurals) to use instead of the grammar's.
    """
    singular, plural = nouns if nouns is not None else _noun_sets()
    words = [token_text(t).lower() for t in tokens]
    start = _last_sentence_start(words)
    if "," in words[start:] and (
        (start < len(words) and words[start] in _PREPOSITION_STARTS)
        or any(words[start : start + len(o) + 1] == [*o, ","] for o in _TIME_OPENERS)
    ):
        start = words.index(",", start) + 1
    for k in range(start, min(start + 6, len(words) - 1)):
        if words[k] in _FRAME_FORMS and words[k + 1] == "that":
            start = k + 2
            break
        if words[k] in _FRAME_FORMS and k == start + 1 and words[start] in _FRAME_PRONOUNS:
            start = k + 1
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
    """Example inputs: prefixes that end just before the verb (the task's own question: the output
    at the last word is the prediction) and whole sentences of the seed articles' kind."""
    return [
        "The dogs that the cat chased",
        "The dogs that the cat chased were barking.",
        "The dog that Mrs. Smith kept was barking.",
        "The dogs that Mrs. Smith kept",
        "The key to the cabinets",
        "The keys to the cabinet are on the table.",
        "I think her biggest achievement",
        "I think her biggest achievement was a pilot. She was the best thing in it.",
        "The children who live near the river",
        "The mice under the kitchen floor were eating the bread.",
        "The author that the critics praised",
        "Mrs. Smith said that the dogs near the cat that the children feed",
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
        "accuracy_by_opening": order(by(lambda s: s.opening), OPENINGS),
        "count_by_distance": order(counts, dist_keys),
        "accuracy_unseen_lengths": round(  # more distractors than any training sentence
            float(np.mean([r for s, r in zip(test, right, strict=True)
                           if s.distractors > TRAIN_MAX_DISTRACTORS])), 6
        ),
        **natural_metrics(model),
    }


def natural_texts() -> list[str]:
    """The hand-written natural sentences, without marks (``cells.tasks.agreement_natural``)."""
    from cells.tasks import agreement_natural

    return agreement_natural.sample_texts()


def natural_metrics(model: cells.Model) -> dict[str, float]:
    """Unknown-word share and verb-number accuracy on the hand-written natural sentences
    (``cells.tasks.agreement_natural``, which reads this module: imported here, when called)."""
    from cells.tasks import agreement_natural

    return agreement_natural.metrics(model)


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
