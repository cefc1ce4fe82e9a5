"""Bag-of-words baselines, the exact McNemar test and the word-order test set (all fast, no torch)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from math import comb

import numpy as np
import pytest

from cells.tasks import bow, order_templates, sentiment
from cells.tasks.paired import discordant, mcnemar_exact
from cells.tokenize import WordTokenizer
from cells.train import sentiment_order
from tests.conftest import MODELS

VOCAB = ["<unk>", "good", "bad", "not", "the", "film", "great", "dull"]
TOK = WordTokenizer(VOCAB, lowercase=True)
TRAIN = [("good film", 1), ("great film", 1), ("the good", 1), ("bad film", 0), ("dull film", 0),
         ("the bad", 0), ("great", 1), ("dull", 0)]


def _xy(data):
    return bow.bags([t for t, _ in data], TOK), np.array([y for _, y in data])


def test_bags_count_words_and_ignore_order():
    x = bow.bags(["the film the", "film the the", "zebra"], TOK)
    dense = np.zeros((3, len(VOCAB)))
    np.add.at(dense, (x.rows, x.cols), x.counts)
    assert dense[0, VOCAB.index("the")] == 2 and dense[0, VOCAB.index("film")] == 1
    np.testing.assert_array_equal(dense[0], dense[1])
    assert dense[2, 0] == 1 and dense[2].sum() == 1  # an unknown word counts as <unk>


def test_logistic_regression_reaches_the_minimum_of_its_objective():
    x, y = _xy(TRAIN)
    model = bow.fit_logistic(x, y, l2=1e-2, steps=2000)
    assert bow.accuracy(model.predict(x), y) == 1.0
    theta = np.append(model.w, model.b)
    loss = bow.logistic_loss(model, x, y)
    for j in range(len(theta)):  # the minimum: no coordinate step lowers the loss
        for eps in (1e-3, -1e-3):
            t = theta.copy()
            t[j] += eps
            moved = bow.LogisticRegression(t[:-1], float(t[-1]), model.l2)
            assert bow.logistic_loss(moved, x, y) >= loss - 1e-9
    assert model.w[VOCAB.index("good")] > 0 > model.w[VOCAB.index("bad")]


def test_stronger_l2_gives_smaller_weights():
    x, y = _xy(TRAIN)
    small, big = (bow.fit_logistic(x, y, l2) for l2 in (1e-3, 1.0))
    assert np.linalg.norm(big.w) < 0.5 * np.linalg.norm(small.w)


def test_naive_bayes_matches_the_closed_form():
    x, y = _xy(TRAIN)
    nb = bow.fit_naive_bayes(x, y, alpha=1.0)
    pos_words = Counter(w for t, lab in TRAIN if lab == 1 for w in t.split())
    total = sum(pos_words.values()) + len(VOCAB)
    expected = np.log((pos_words["film"] + 1) / total)
    assert nb.log_word[1, VOCAB.index("film")] == pytest.approx(expected)
    np.testing.assert_allclose(nb.log_prior, np.log([0.5, 0.5]))
    test = bow.bags(["good good film", "dull the"], TOK)
    assert list(nb.predict(test)) == [1, 0]


def test_baselines_give_both_sentences_of_a_same_bag_pair_one_verdict():
    x, y = _xy(TRAIN)
    pair = ["the film not good , bad", "the film not bad , good"]
    for model in (bow.fit_logistic(x, y, 1e-2), bow.fit_naive_bayes(x, y)):
        verdicts = model.predict(bow.bags(pair, TOK))
        assert verdicts[0] == verdicts[1]


@pytest.mark.parametrize(
    ("only_a", "only_b", "p"),
    [(10, 0, 2 / 2**10), (0, 10, 2 / 2**10), (1, 6, 2 * 8 / 2**7), (5, 5, 1.0), (0, 0, 1.0),
     (30, 12, 2 * sum(comb(42, i) for i in range(13)) / 2**42)],
)
def test_mcnemar_exact_known_values(only_a, only_b, p):
    assert mcnemar_exact(only_a, only_b) == pytest.approx(p, rel=1e-12)


def test_mcnemar_is_a_probability_and_refuses_bad_input():
    rng = np.random.default_rng(0)
    for _ in range(50):
        a, b = (int(v) for v in rng.integers(0, 60, 2))
        p = mcnemar_exact(a, b)
        assert 0 < p <= 1 and p == mcnemar_exact(b, a)
    assert mcnemar_exact(20, 0) < 0.05 < mcnemar_exact(8, 3)
    with pytest.raises(ValueError, match="must be >= 0"):
        mcnemar_exact(-1, 2)
    assert discordant(np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 1], bool)) == (1, 2)
    with pytest.raises(ValueError, match="same shape"):
        discordant(np.ones(3, bool), np.ones(4, bool))


def test_word_order_set_is_the_generated_one_and_balanced():
    rows = sentiment.word_order()
    assert len(rows) >= 300
    assert [(r["kind"], r["text"], r["label"]) for r in order_templates.generate("test")] == rows
    assert sum(y for *_, y in rows) * 2 == len(rows)
    with open(sentiment.WORD_ORDER_FILE, encoding="utf-8") as f:
        header = f.readline()
    assert header.startswith("# Word-order sentiment test set") and "written by" in header
    assert "not drawn from any corpus" in header


def test_word_order_pairs_flip_the_label_with_the_same_words():
    text = sentiment.WORD_ORDER_FILE.read_text("utf-8")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
    by_pair: dict[str, list[dict]] = {}
    for r in csv.DictReader(io.StringIO("".join(lines)), delimiter="\t"):
        by_pair.setdefault(r["pair"], []).append(r)
    assert {k.rsplit("-", 1)[0] for k in by_pair} == set(order_templates.KINDS)
    for pair, (a, b) in by_pair.items():
        assert {a["label"], b["label"]} == {"0", "1"}, pair
        wa, wb = Counter(a["text"].split()), Counter(b["text"].split())
        if a["kind"] == "double_negation":
            assert (wa - wb) + (wb - wa) == Counter({"not": 1}), pair
        else:
            assert wa == wb, pair  # no bag of words can tell them apart


def test_training_phrases_share_no_sentence_or_content_word_with_the_test_set():
    test, train = order_templates.generate("test"), order_templates.generate("train")
    assert not {r["text"] for r in test} & {r["text"] for r in train}
    lex = order_templates.LEXICON
    for key in ("pos", "neg", "movie", "product", "strong", "mild"):
        assert not set(lex["test"][key]) & set(lex["train"][key]), key
    train_words = {w for r in train for w in r["text"].split()}
    test_content = {w for k in ("pos", "neg", "movie", "product") for w in lex["test"][k]}
    assert not train_words & test_content


def test_every_word_of_the_set_is_in_the_models_vocabulary():
    card = json.loads((MODELS / "sentiment-lstm" / "card.json").read_text("utf-8"))
    tok = WordTokenizer(card["tokenizer"]["vocab"], lowercase=True)
    tokens = [t for _, text, _ in sentiment.word_order() for t in tok(text)]
    assert sum(not t.known for t in tokens) == 0


def _row(order_counts):
    return {"held_out_accuracy": 0.8, "word_order_accuracy": 0.7,
            **{f"vs_{n}": {"held_out": {"only_model_right": 1, "only_baseline_right": 1,
                                        "mcnemar_p": 1.0},
                           "word_order": {"only_model_right": a, "only_baseline_right": b,
                                          "mcnemar_p": mcnemar_exact(a, b)}}
               for n, (a, b) in order_counts.items()}}


def test_beats_baselines_needs_every_baseline_and_significance():
    assert sentiment_order.beats_baselines(_row({"lr": (30, 5), "nb": (28, 6)}))
    assert not sentiment_order.beats_baselines(_row({"lr": (30, 5), "nb": (10, 6)}))
    assert not sentiment_order.beats_baselines(_row({"lr": (5, 30)}))  # significant, but worse
    assert not sentiment_order.beats_baselines({"held_out_accuracy": 1.0})
    base = [{"model": "lr", "accuracy": 0.78, "word_order_accuracy": 0.5}]
    md = sentiment_order.table({"m": _row({"lr": (30, 5)})}, base)
    assert "| m | 80.0% | 70.0% | 1 |" in md and "| lr | 78.0% | 50.0% | — | — |" in md


def test_real_baselines_learn_the_task_and_cannot_read_word_order():
    """Trained on the real training split: near the models on held-out sentences, exactly at chance
    on the word-order kinds whose pairs hold the same words (one verdict for both sentences)."""
    rows = {r["model"]: r for r in sentiment_order.sentiment_baseline_rows()}
    assert set(rows) == {"bow-logreg", "bow-naive-bayes"}
    for r in rows.values():
        assert 0.75 < r["accuracy"] < 0.85 and r["held_out_sentences"] == 1901
        for kind in ("negation", "contrast", "intensity"):
            assert r["word_order_accuracy_by_kind"][kind] == 0.5, (r["model"], kind)
