"""cells.memory: running products of the keep gates, by hand and against torch.cumprod. torch is
imported at the top on purpose: a missing torch fails these tests instead of skipping them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import cells
from cells.memory import keep_share, lifetime_mean, lifetime_per_unit, memory_lifetime

torch.set_num_threads(1)


def fake_trace(cell: str, keep: np.ndarray, directions: int = 1) -> cells.Trace:
    """A trace whose keep gate is ``keep`` (T, H) in every direction."""
    steps, hidden = keep.shape
    gate = {"lstm": "f", "gru": "z", "sgru": "z", "rnn": "h"}[cell]
    rec = cells.Recurrent(cell=cell, input_size=1, hidden_size=hidden,
                          bidirectional=directions == 2)
    state = {gate: keep.astype(np.float32), "h": np.zeros_like(keep, np.float32)}
    return cells.Trace(rec, [[dict(state) for _ in range(directions)]],
                       [np.zeros((steps, 1), np.float32)])


def test_hand_example_forward():
    keep = np.array([[0.9, 1.0], [0.5, 1.0], [0.5, 0.0], [1.0, 1.0], [0.2, 1.0]])
    t = fake_trace("lstm", keep)
    got = lifetime_per_unit(t, 0, 0, 1)
    want = np.array([[0, 0], [1, 1], [0.5, 0], [0.5, 0], [0.1, 0]], np.float32)
    np.testing.assert_allclose(got, want, rtol=1e-7)
    full = memory_lifetime(t)
    assert full.shape == (5, 5, 2) and full.dtype == np.float32
    np.testing.assert_allclose(full[1], want, rtol=1e-7)
    assert np.all(full[np.arange(5), np.arange(5)] == 1.0)  # the diagonal
    assert np.all(np.triu(full[..., 0]) == full[..., 0])  # nothing before the write
    np.testing.assert_allclose(lifetime_mean(t), full.mean(axis=2), rtol=1e-6)
    assert lifetime_mean(t)[0, 4] == pytest.approx((0.5 * 0.5 * 1.0 * 0.2 + 0.0) / 2)


def test_hand_example_backward_direction():
    keep = np.array([[0.5], [0.25], [0.8], [1.0]])
    t = fake_trace("gru", keep, directions=2)
    got = lifetime_per_unit(t, 0, 1, 2)[:, 0]  # written at 2, read by steps 2, 1, 0
    np.testing.assert_allclose(got, [0.5 * 0.25, 0.25, 1.0, 0.0], rtol=1e-7)
    np.testing.assert_allclose(lifetime_per_unit(t, 0, 1, 0)[:, 0], [1, 0, 0, 0])


def test_exact_zeros_and_ones_need_no_guard():
    keep = np.array([[1.0, 0.0, 0.3], [0.0, 1.0, 0.3], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    full = memory_lifetime(fake_trace("sgru", keep))
    assert np.all(np.isfinite(full))
    np.testing.assert_allclose(full[0, :, 0], [1, 0, 0, 0])
    np.testing.assert_allclose(full[0, :, 1], [1, 1, 1, 0])
    np.testing.assert_allclose(full[2, :, 2], [0, 0, 1, 1])


@pytest.mark.parametrize("cell", ("lstm", "gru"))
def test_against_torch_products_on_a_real_trace(cell):
    torch.manual_seed(0)
    module = (nn.LSTM if cell == "lstm" else nn.GRU)(3, 4, num_layers=2, bidirectional=True)
    x = np.random.default_rng(0).normal(size=(12, 3)).astype(np.float32)
    trace = cells.run(cells.from_torch(module), x)
    for layer, direction in ((0, 0), (1, 1)):
        keep = torch.tensor(keep_share(trace, layer, direction), dtype=torch.float64)
        assert torch.equal(keep, torch.tensor(trace.gates(layer, direction)["f" if cell == "lstm"
                                                                           else "z"]).double())
        full = memory_lifetime(trace, layer, direction)
        for s in range(12):
            want = torch.zeros(12, 4, dtype=torch.float64)
            want[s] = 1.0
            if direction == 0 and s + 1 < 12:
                want[s + 1 :] = torch.cumprod(keep[s + 1 :], dim=0)
            if direction == 1 and s > 0:
                want[:s] = torch.flip(torch.cumprod(torch.flip(keep[:s], [0]), dim=0), [0])
            np.testing.assert_allclose(full[s], want.numpy(), rtol=1e-5, atol=1e-12)
            np.testing.assert_allclose(lifetime_per_unit(trace, layer, direction, s),
                                       want.numpy(), rtol=1e-5, atol=1e-12)
        np.testing.assert_allclose(lifetime_mean(trace, layer, direction), full.mean(axis=2),
                                   rtol=1e-5, atol=1e-12)


def test_rnn_raises_and_bad_s():
    t = fake_trace("rnn", np.zeros((3, 2)))
    for f in (memory_lifetime, lifetime_mean):
        with pytest.raises(ValueError, match="undefined for a rnn"):
            f(t)
    with pytest.raises(ValueError, match="undefined"):
        lifetime_per_unit(t, 0, 0, 0)
    with pytest.raises(IndexError, match="s must be"):
        lifetime_per_unit(fake_trace("lstm", np.ones((3, 2))), 0, 0, 3)
