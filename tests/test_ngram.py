"""The Kneser-Ney character n-gram baseline: a distribution over the whole vocabulary for every
context, the numbers of a corpus small enough to check by hand, agreement with a plain-Python
reference, scoring exactly what charlm.evaluate scores, and the order chosen on validation."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from cells.tasks import charlm, ngram
from cells.tokenize import UNK, CharTokenizer

UNK_ID, NL, A, B = 0, 1, 2, 3  # vocabulary [<unk>, "\n", "a", "b"]


def tiny() -> ngram.CountTable:
    return ngram.count([np.array([A, B]), np.array([A, A, B])], 4, NL, 2)  # "ab", "aab"


def test_bigram_by_hand():
    # padded: "\n a b \n" and "\n a a b \n"; bigrams: \n a ×2, a b ×2, b \n ×2, a a ×1
    # -> D2 = n1 / (n1 + 2 n2) = 1 / (1 + 2·3) = 1/7
    # continuation counts of the unigrams (distinct left neighbours): a {\n, a} 2, b {a} 1, \n {b} 1
    # -> total 4, 3 types, D1 = 2 / (2 + 2·1) = 1/2, and a quarter of D1·3/4 to each of 4 symbols
    model = ngram.KneserNey(tiny(), 2)
    assert model.levels[1].discount == pytest.approx(1 / 7)
    assert model.levels[0].discount == pytest.approx(1 / 2)
    uniform_share = 0.5 * 3 / 4 / 4
    p1 = {UNK_ID: uniform_share, NL: 0.5 / 4 + uniform_share, A: 1.5 / 4 + uniform_share,
          B: 0.5 / 4 + uniform_share}
    # after "a": c(a •) = 3 (ab 2, aa 1), 2 types
    d2 = 1 / 7
    want = {w: (max({A: 1, B: 2}.get(w, 0) - d2, 0) + d2 * 2 * p1[w]) / 3 for w in p1}
    got = model.distribution([A])
    for w, p in want.items():
        assert got[w] == pytest.approx(p, rel=1e-12), w
    assert got[B] == pytest.approx(0.6398809523809523)
    # <unk> is never seen as a context: its distribution is the unigram level's, exactly
    assert ngram.KneserNey(tiny(), 2).distribution([UNK_ID]) == pytest.approx([p1[w] for w in range(4)])


def reference_kn(paras: list[list[int]], order: int, vocab: int, pad: int):
    """Plain-Python interpolated Kneser-Ney with dictionaries, written from the formula."""
    grams = [Counter() for _ in range(order + 1)]
    for p in paras:
        s = [pad] * (order - 1) + p + [pad]
        for t in range(order - 1, len(s)):
            for k in range(1, order + 1):
                grams[k][tuple(s[t - k + 1 : t + 1])] += 1
    counts = [None] * (order + 1)
    counts[order] = grams[order]
    for k in range(1, order):
        left = defaultdict(set)
        for g in grams[k + 1]:
            left[g[1:]].add(g[0])
        counts[k] = Counter({g: len(v) for g, v in left.items()})
    disc, tot, types = {}, {}, {}
    for k in range(1, order + 1):
        c = counts[k]
        n1 = sum(1 for v in c.values() if v == 1)
        n2 = sum(1 for v in c.values() if v == 2)
        disc[k] = n1 / (n1 + 2 * n2) if n1 and n2 else 0.5
        tot[k], types[k] = Counter(), Counter()
        for g, v in c.items():
            tot[k][g[:-1]] += v
            types[k][g[:-1]] += 1

    def prob(ctx: tuple, w: int) -> float:
        p = 1 / vocab
        for k in range(1, order + 1):
            h = ctx[len(ctx) - (k - 1):] if k > 1 else ()
            if tot[k][h] > 0:
                p = (max(counts[k][h + (w,)] - disc[k], 0) + disc[k] * types[k][h] * p) / tot[k][h]
        return p

    return prob


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_matches_a_plain_python_reference(order):
    rng = np.random.default_rng(order)
    paras = [list(rng.integers(0, 5, size=rng.integers(1, 30))) for _ in range(40)]
    paras = [[1 + (x % 4) if x == 0 and i % 3 else x for i, x in enumerate(p)] for p in paras]
    model = ngram.KneserNey(ngram.count([np.array(p) for p in paras], 6, 5, order), order)
    ref = reference_kn(paras, order, 6, 5)
    for ctx in [(), (1,), (2, 3), (4, 4, 1), (0, 0, 0), (5, 5, 5)]:
        full = ((5,) * order + ctx)[-(order - 1):] if order > 1 else ()
        got = model.distribution(list(ctx))
        want = [ref(full, w) for w in range(6)]
        assert got == pytest.approx(want, rel=1e-10), ctx


@pytest.mark.parametrize("order", [1, 3, 6])
def test_every_context_gets_a_distribution_summing_to_one(order):
    rng = np.random.default_rng(0)
    paras = [rng.integers(0, 20, size=rng.integers(2, 60)) for _ in range(50)]
    model = ngram.KneserNey(ngram.count(paras, 21, 20, 6), order)
    for ctx in [[], [3], list(paras[0][:5]), [19, 18, 17, 16, 15, 14, 13], [0] * 9]:
        d = model.distribution(ctx)
        assert d.shape == (21,)
        assert d.sum() == pytest.approx(1.0, abs=1e-12)
        assert (d > 0).all()


def test_log_probs_score_what_charlm_evaluate_scores():
    paras = [np.array([A, B, A]), np.array([B]), np.array([A, A, B, B])]
    model = ngram.KneserNey(ngram.count(paras, 4, NL, 3), 3)
    lp = model.log_probs(paras)
    # every character after the first of each paragraph: 2 + 0 + 3, not the closing separators
    assert len(lp) == 5
    want = [np.log(model.distribution(list(p[:t]))[p[t]]) for p in paras for t in range(1, len(p))]
    assert lp == pytest.approx(want, rel=1e-12)


def test_chosen_order_is_the_best_on_validation():
    rng = np.random.default_rng(3)
    # a source where the character two back decides the next: order 3 is needed, more overfits
    def para(n):
        s = list(rng.integers(2, 6, size=2))
        while len(s) < n:
            s.append(2 + (s[-2] + 1) % 4 if rng.random() < 0.9 else int(rng.integers(2, 6)))
        return np.array(s)
    fit = [para(int(rng.integers(5, 40))) for _ in range(60)]
    val = [para(int(rng.integers(5, 40))) for _ in range(30)]
    table = ngram.count(fit, 6, NL, 6)
    best, scores = ngram.choose_order(table, val)
    assert sorted(scores) == [1, 2, 3, 4, 5, 6]
    assert best == min(scores, key=scores.get)
    assert scores[best] == pytest.approx(ngram.nats_per_char(ngram.KneserNey(table, best), val))
    assert best >= 3 and scores[3] < scores[2] - 0.3


def test_codes_must_fit_64_bits():
    assert ngram.max_order(83) == 10
    with pytest.raises(ValueError, match="expected 1..10"):
        ngram.count([np.array([1, 2])], 83, 1, 11)


def test_char_ids_equal_the_tokenizer():
    vocab = [UNK, "\n", " ", "a", "b", "é"]
    text = "ab a\nbé—zb"
    want = [t.id for t in CharTokenizer(vocab)(text)]
    assert charlm.char_ids(text, vocab).tolist() == want
    assert want.count(0) == 2  # — and z are unknown


def test_top1_is_the_argmax_of_the_distribution():
    rng = np.random.default_rng(5)
    paras = [rng.integers(0, 7, size=rng.integers(2, 30)) for _ in range(40)]
    model = ngram.KneserNey(ngram.count(paras, 8, 7, 3), 3)
    got = model.top1(paras[:10], chunk=7)
    want = [int(np.argmax(model.distribution(list(p[:t])))) == p[t] for p in paras[:10]
            for t in range(1, len(p))]
    assert got.tolist() == want
    assert 0 < sum(want) < len(want)
