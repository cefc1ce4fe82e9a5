"""cells.probe: ranking units by correlation with a hidden variable, and the hidden-variable
extractors, on synthetic data where the answer is known (torch only for the Pearson reference;
imported at the top on purpose so a missing torch fails)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import cells
from cells.probe import (
    count_a_minus_b,
    count_b_minus_c,
    inside_quotes,
    rank_units,
    subject_index,
    subject_number,
)
from cells.tasks import agreement


def test_rank_units_finds_the_planted_units():
    rng = np.random.default_rng(0)
    steps = 200
    y = rng.normal(size=steps)
    v = rng.normal(size=(steps, 6)) * 0.5
    v[:, 3] = 2.0 * y + 0.05 * rng.normal(size=steps)  # tracks y
    v[:, 1] = -y + 0.5 * rng.normal(size=steps)  # tracks −y, noisier
    v[:, 0] = 0.1  # constant (float32 0.1: its mean in float64 is not exactly 0.1)
    v = v.astype(np.float32)
    ranked = rank_units(v, y)
    assert [u for u, _, _ in ranked[:2]] == [3, 1]
    assert ranked[0][2] > 0.99 and ranked[1][2] < -0.8
    assert all(score == abs(r) for _, score, r in ranked)
    assert [s for _, s, _ in ranked] == sorted((s for _, s, _ in ranked), reverse=True)
    assert dict((u, r) for u, _, r in ranked)[0] == 0.0
    for u, _, r in ranked:  # Pearson as torch computes it
        if u != 0:
            want = torch.corrcoef(torch.tensor(np.stack([v[:, u], y]), dtype=torch.float64))[0, 1]
            assert r == pytest.approx(float(want), abs=1e-9)


def test_rank_units_degenerate_inputs():
    v = np.random.default_rng(1).normal(size=(5, 3))
    assert all(r == 0.0 for _, _, r in rank_units(v, np.ones(5)))  # constant target
    assert all(r == 0.0 for _, _, r in rank_units(v[:1], np.ones(1)))  # one step
    assert rank_units(np.zeros((0, 2)), np.zeros(0)) == [(0, 0.0, 0.0), (1, 0.0, 0.0)]
    y = np.array([0, 0, 1, 2, 3], float)
    mask = np.array([False, False, True, True, True])
    vv = np.array([[9, 9, 1, 2, 3], [5, -5, 3, 2, 1]], float).T
    ranked = rank_units(vv, y, mask)
    assert ranked[0][2] == pytest.approx(1.0) and ranked[1][2] == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="mask"):
        rank_units(vv, y, mask[:3])
    with pytest.raises(ValueError, match="target"):
        rank_units(vv, y[:3])


def test_counters():
    assert count_a_minus_b(list("$aaabbb")).tolist() == [0, 1, 2, 3, 2, 1, 0]
    assert count_b_minus_c(list("$aabbcc")).tolist() == [0, 0, 0, 1, 2, 1, 0]
    assert count_a_minus_b([]).shape == (0,)
    tokens = cells.CharTokenizer(["<unk>", "$", "a", "b"])("$aab")
    assert count_a_minus_b(tokens).tolist() == [0, 1, 2, 1]


def test_inside_quotes():
    text = 'He said "hi there" and \u201cyes\u201d.'
    got = inside_quotes(list(text))
    want = [0.0] * len(text)
    for k in range(text.index('"'), text.rindex('"')):
        want[k] = 1.0
    for k in range(text.index("\u201c"), text.index("\u201d")):
        want[k] = 1.0
    assert got.tolist() == want
    words = [t.text for t in cells.WordTokenizer([])(text)]
    w = inside_quotes(words)
    assert [words[k] for k in np.flatnonzero(w)] == ['"', "hi", "there", "\u201c", "yes"]
    assert inside_quotes(['x"y"', '"z']).tolist() == [0.0, 1.0]  # several marks in one token


def test_subject_number_on_the_agreement_grammar():
    """On generated sentences the subject noun and its number are known: the extractor finds both,
    including after fronted phrases whose nouns have the other number."""
    sentences = agreement.dataset(4321, {k: 40 for k in range(5)})
    fronted = 0
    for s in sentences:
        tokens = agreement._tokens(s.prefix)
        assert subject_index(tokens) == (s.subject_end, s.number), s.prefix
        y = subject_number(tokens)
        assert np.all(y[: s.subject_end] == 0.0)
        assert np.all(y[s.subject_end :] == (1.0 if s.number else -1.0))
        fronted += tokens[0] in ("in", "after", "near", "on", "according", "behind")
    assert fronted > 5  # the fronted case was exercised


def test_subject_number_edge_cases():
    assert subject_number([]).shape == (0,)
    assert subject_number(["hello", "world"]).tolist() == [0.0, 0.0]
    assert subject_number("The Dogs near the cat".split()).tolist() == [0, 1, 1, 1, 1]
    own = ({"ox"}, {"oxen"})
    assert subject_number(["the", "oxen", "run"], nouns=own).tolist() == [0, 1, 1]
