"""cells.saturation: fractions of left/right-saturated steps per unit, on one array and pooled over
texts traced through a model built from torch. torch is imported at the top on purpose."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import cells
from cells.saturation import saturation, saturation_over_texts

torch.set_num_threads(1)


def test_fractions_by_hand():
    v = np.array([
        [0.05, 0.5, 0.95, 0.1],
        [0.02, 0.5, 0.99, 0.9],
        [0.50, 0.5, 0.05, 0.1],
        [0.95, 0.5, 0.91, 0.9],
    ], np.float32)
    low, high = saturation(v)
    np.testing.assert_allclose(low, [0.5, 0.0, 0.25, 0.0])  # 0.1 itself is not below 0.1
    np.testing.assert_allclose(high, [0.25, 0.0, 0.75, 0.0])  # nor 0.9 above 0.9
    assert np.all(low + high <= 1.0)
    low, high = saturation(v, low=0.2, high=0.8)
    np.testing.assert_allclose(low, [0.5, 0.0, 0.25, 0.5])
    np.testing.assert_allclose(high, [0.25, 0.0, 0.75, 0.5])
    low, high = saturation(np.zeros((0, 3)))
    assert low.shape == high.shape == (3,) and not low.any() and not high.any()
    with pytest.raises(ValueError, match=r"\(T, H\)"):
        saturation(np.zeros(3))


def model(cell: str = "lstm") -> cells.Model:
    torch.manual_seed(0)
    rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(4, 6)
    with torch.no_grad():
        for p in rnn.parameters():
            p.mul_(4.0)  # big weights: saturated gates
    vocab = ["<unk>", *"abc "]
    emb = np.random.default_rng(0).normal(size=(len(vocab), 4)).astype(np.float32) * 2
    return cells.Model(cells.from_torch(rnn), cells.CharTokenizer(vocab), embedding=emb)


def test_over_texts_pools_every_step():
    m = model()
    texts = ["abc", "a bb ca", "c"]
    low, high = saturation_over_texts(m, texts, 0, 0, "f")
    f = np.concatenate([cells.trace(m, t).gates()["f"] for t in texts])  # (11, 6)
    want_low, want_high = saturation(f)
    np.testing.assert_allclose(low, want_low)
    np.testing.assert_allclose(high, want_high)
    assert low.shape == (6,) and (low > 0).any() and (high > 0).any()
    gl, gh = saturation_over_texts(model("gru"), texts, gate="z")
    assert gl.shape == gh.shape == (6,)
    el, eh = saturation_over_texts(m, [], gate="i")
    assert el.shape == (6,) and not el.any() and not eh.any()


def test_only_sigmoid_gates():
    m = model()
    with pytest.raises(ValueError, match="not a sigmoid gate"):
        saturation_over_texts(m, ["ab"], gate="g")
    with pytest.raises(ValueError, match="not a sigmoid gate"):
        saturation_over_texts(model("gru"), ["ab"], gate="f")
