"""The agreement grammar's everyday vocabulary: the lexicon's spelling rules, the hand-written
natural sentences (their marks, their words, their subjects) and the command that measures them."""

import subprocess
import sys

import pytest

import cells
from cells import tasks
from cells.tasks import agreement, agreement_lexicon, agreement_natural
from tests.conftest import ROOT


def test_spelling_rules_and_irregular_forms():
    assert [agreement_lexicon.plural(n) for n in ("dog", "box", "story", "key", "church")] == [
        "dogs", "boxes", "stories", "keys", "churches"]
    nouns = dict(agreement.NOUNS)
    for singular, plural in [("child", "children"), ("mouse", "mice"), ("person", "people"),
                             ("woman", "women"), ("knife", "knives"), ("goose", "geese")]:
        assert nouns[singular] == plural
    chase = agreement_lexicon.TRANSITIVE["chase"]
    assert (chase["s"], chase["past"], chase["participle"], chase["ing"]) == (
        "chases", "chased", "chased", "chasing")
    see = agreement_lexicon.TRANSITIVE["see"]
    assert (see["s"], see["past"], see["participle"], see["ing"]) == ("sees", "saw", "seen", "seeing")
    assert agreement_lexicon.TRANSITIVE["carry"]["s"] == "carries"
    assert agreement_lexicon.INTRANSITIVE["run"]["ing"] == "running"
    assert ("were", "was") == (agreement.VERBS[1][1], agreement.VERBS[1][0])


def test_the_lexicon_refuses_a_noun_that_is_also_a_verb(monkeypatch):
    agreement_lexicon.check()
    monkeypatch.setattr(agreement_lexicon, "NOUNS", [*agreement_lexicon.NOUNS, ("answer", "answers")])
    with pytest.raises(ValueError, match="nouns apart from verbs.*answer"):
        agreement_lexicon.check()


def test_vocabulary_is_everyday_sized_and_the_grammar_uses_it():
    vocab = agreement.vocab()
    assert 1000 <= len(vocab) <= 2000 and vocab[0] == "<unk>" and len(set(vocab)) == len(vocab)
    for word in ("chased", "children", "mice", "people", "she", "achievement", "cabinets", "were"):
        assert word in vocab, word
    sample = agreement.dataset(agreement.TRAIN_SEED, {k: 3000 for k in range(4)})
    seen = {t.lower() for s in sample for t in agreement._tokens(s.prefix)}
    unused = set(vocab[1:]) - seen
    assert len(unused) <= len(vocab) // 100, sorted(unused)  # words no training sentence has
    assert seen <= set(vocab)


def test_natural_sentences_are_written_in_the_grammar_s_words_with_the_subject_found():
    text = agreement_natural.NATURAL_SENTENCES.read_text(encoding="utf-8")
    assert "written by the Gatescope authors" in text
    sentences = agreement_natural.load()
    marked = [s for s in sentences if s.prefix is not None]
    assert len(sentences) >= 40 and len(marked) >= 40
    assert {s.number for s in marked} == {0, 1}
    tok = cells.WordTokenizer(agreement.vocab(), lowercase=True)
    assert agreement_natural.unknown_words(tok, sentences)["unknown"] == 0
    for s in marked:
        words = agreement._tokens(s.prefix)
        found = agreement.subject_index(words)
        assert found is not None and words[found[0]] == s.subject.lower(), s.text
        assert found[1] == s.number, s.text
    seed = [s for s in marked if s.text.startswith("The dogs that the cat chased")]
    assert seed and seed[0].prefix == "The dogs that the cat chased" and seed[0].number == 1


def test_marks_are_parsed_and_wrong_marks_refused():
    s = agreement_natural.parse("The [keys] to the cabinet {are} here.")
    assert (s.text, s.prefix, s.subject, s.verb, s.number) == (
        "The keys to the cabinet are here.", "The keys to the cabinet", "keys", "are", 1)
    assert agreement_natural.parse("She starred in a pilot.").prefix is None
    with pytest.raises(ValueError, match="one \\[subject\\] and one \\{verb\\}"):
        agreement_natural.parse("The [dog] and the [cat] {are} here.")
    with pytest.raises(ValueError, match="agreeing verb form.*'chased'"):
        agreement_natural.parse("The [dog] {chased} the cat.")


def test_samples_are_known_words_with_a_subject():
    tok = cells.WordTokenizer(agreement.vocab(), lowercase=True)
    for text in agreement.samples():
        assert all(t.known for t in tok(text)), text
        assert agreement.subject_index(tok(text)) is not None, text
    assert "The dogs that the cat chased were barking." in agreement.samples()


def test_statistics_read_the_natural_sentences():
    assert tasks.statistics_texts("agreement") == [s.text for s in agreement_natural.load()]


def test_the_command_prints_a_row_per_model_and_the_words_it_does_not_know():
    out = subprocess.run(
        [sys.executable, "-m", "cells.tasks.agreement_natural", "assets/models/agreement-lstm"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    rows = [line for line in out.splitlines() if line.startswith("| agreement-lstm |")]
    assert len(rows) == 1 and "%" in rows[0], out
    model = cells.load(ROOT / "assets" / "models" / "agreement-lstm")
    share = agreement_natural.unknown_words(model.tokenizer, agreement_natural.load())["share"]
    assert f"{share:.1%}" in rows[0]
