"""The agreement models on everyday sentences written by hand (not by the grammar): the share of
their words each model does not know, and its verb-number accuracy where a sentence marks its
subject and verb.

    python -m cells.tasks.agreement_natural                 # the four shipped agreement models
    python -m cells.tasks.agreement_natural path/to/model ...

The sentences are in ``assets/data/agreement/natural_sentences.txt``: one a line, "#" starts a
comment, the subject's head word is marked "[dogs]" and the agreeing verb "{were}".
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import cells
from cells.tasks import agreement
from cells.tasks.datautil import DATA, MODELS

NATURAL_SENTENCES = DATA / "agreement" / "natural_sentences.txt"
SHIPPED = [MODELS / f"agreement-{cell}" for cell in ("lstm", "gru", "rnn", "sgru")]
_SUBJECT = re.compile(r"\[([^\]]+)\]")
_VERB = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class NaturalSentence:
    text: str  # without the marks
    prefix: str | None  # the words before the marked verb: what the model reads, or None
    subject: str | None  # the marked subject word
    verb: str | None  # the marked verb
    number: int | None  # 0 singular, 1 plural: the verb's number (from its form)


def verb_number(verb: str) -> int:
    """0 for a singular verb form ("was", "barks"), 1 for a plural one ("were", "bark")."""
    word = verb.lower()
    for singular, plural in agreement.VERBS:
        if word == singular:
            return 0
        if word == plural:
            return 1
    raise ValueError(f"natural sentences: expected an agreeing verb form of the grammar, got {verb!r}")


def parse(line: str) -> NaturalSentence:
    """One line: its text without marks, and the prefix, subject, verb and number if marked."""
    subjects, verbs = _SUBJECT.findall(line), _VERB.findall(line)
    if len(subjects) > 1 or len(verbs) > 1 or len(subjects) != len(verbs):
        raise ValueError(
            f"natural sentences: expected one [subject] and one {{verb}} or neither, got"
            f" {len(subjects)} and {len(verbs)} in {line!r}"
        )
    plain = _VERB.sub(r"\1", _SUBJECT.sub(r"\1", line)).strip()
    if not verbs:
        return NaturalSentence(plain, None, None, None, None)
    before = line[: line.index("{")]
    prefix = _SUBJECT.sub(r"\1", before).strip()
    return NaturalSentence(plain, prefix, subjects[0], verbs[0], verb_number(verbs[0]))


def load(path: Path = NATURAL_SENTENCES) -> list[NaturalSentence]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def sample_texts() -> list[str]:
    """The natural sentences without their marks: everyday text for statistics over many steps."""
    return [s.text for s in load()]


def unknown_words(tokenizer: cells.tokenize.Tokenizer, sentences: list[NaturalSentence]) -> dict:
    """How many of the sentences' tokens the tokenizer maps to <unk>, and which."""
    tokens = [t for s in sentences for t in tokenizer(s.text)]
    unknown = sorted({t.text.lower() for t in tokens if not t.known})
    n_unknown = sum(not t.known for t in tokens)
    return {"tokens": len(tokens), "unknown": n_unknown,
            "share": n_unknown / max(1, len(tokens)), "words": unknown}


def accuracy(model: cells.Model, sentences: list[NaturalSentence]) -> dict:
    """Verb-number accuracy on the marked sentences (argmax of the output at the prefix's end)."""
    marked = [s for s in sentences if s.prefix is not None]
    right = [agreement.predict(model, s.prefix) == s.number for s in marked]
    wrong = [s.text for s, r in zip(marked, right, strict=True) if not r]
    return {"n": len(marked), "accuracy": float(np.mean(right)) if marked else float("nan"),
            "wrong": wrong}


def metrics(model: cells.Model, path: Path = NATURAL_SENTENCES) -> dict[str, float]:
    """The card's numbers: unknown-word share and verb-number accuracy on the natural sentences."""
    sentences = load(path)
    unknown, right = unknown_words(model.tokenizer, sentences), accuracy(model, sentences)
    return {"natural_sentences": len(sentences), "natural_unknown_share": round(unknown["share"], 6),
            "natural_marked": right["n"], "natural_accuracy": round(right["accuracy"], 6)}


def report(folders: list[Path], path: Path = NATURAL_SENTENCES) -> list[dict]:
    sentences = load(path)
    rows = []
    for folder in folders:
        model = cells.load(folder)
        rows.append({"model": model.id, "vocabulary": len(model.tokenizer.vocab),
                     **{f"unknown_{k}": v for k, v in unknown_words(model.tokenizer, sentences).items()},
                     **accuracy(model, sentences)})
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("models", nargs="*", type=Path, default=SHIPPED)
    p.add_argument("--sentences", type=Path, default=NATURAL_SENTENCES)
    a = p.parse_args(argv)
    rows = report(a.models, a.sentences)
    n = len(load(a.sentences))
    print(f"{n} natural sentences ({a.sentences}), {rows[0]['n'] if rows else 0} with a marked verb\n")
    print("| model | vocabulary | unknown words | verb-number accuracy |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['vocabulary']} | {r['unknown_share']:.1%}"
              f" ({r['unknown_unknown']} of {r['unknown_tokens']} tokens) |"
              f" {r['accuracy']:.1%} ({round(r['accuracy'] * r['n'])} of {r['n']}) |")
    for r in rows:
        if r["unknown_words"]:
            print(f"\n{r['model']} does not know: {', '.join(r['unknown_words'])}")
        if r["wrong"]:
            print(f"{r['model']} gets the verb's number wrong in: " + " | ".join(r["wrong"]))


if __name__ == "__main__":
    main()
