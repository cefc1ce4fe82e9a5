"""cells.probe: ranking units by correlation with a hidden variable, on synthetic data where the
answer is known (torch only for the Pearson reference; imported at the top on purpose so a missing
torch fails). The hidden-variable extractors are task knowledge: tests/test_tasks.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cells.probe import rank_units


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
