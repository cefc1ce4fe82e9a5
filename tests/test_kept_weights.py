"""A model's weights are read-only copies, and the step loops' transposed recurrent matrix is made
once per weight matrix (``cells.activations.aligned_transpose``), never kept for one that can change."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch
from torch import nn

import cells
from cells.activations import _transposed, aligned_transpose


def lstm(seed: int = 0) -> cells.Recurrent:
    torch.manual_seed(seed)
    return cells.from_torch(nn.LSTM(3, 5))


def test_weights_are_read_only_copies_of_what_was_given():
    given = np.ones((20, 5), np.float32)
    rec = cells.Recurrent("lstm", 3, 5, weights={
        "weight_ih_l0": np.ones((20, 3), np.float32), "weight_hh_l0": given,
        "bias_ih_l0": np.zeros(20, np.float32), "bias_hh_l0": np.zeros(20, np.float32)})
    w = rec.weights["weight_hh_l0"]
    assert w is not given and given.flags.writeable  # the caller's array is left alone
    with pytest.raises(ValueError, match="read-only"):
        w[0, 0] = 2.0


def test_a_models_transpose_is_made_once_and_is_the_transpose():
    rec = lstm()
    w = rec.weights["weight_hh_l0"]  # (4H, H)
    first, again = aligned_transpose(w), aligned_transpose(w)
    assert again is first
    np.testing.assert_array_equal(first, w.T)
    assert first.flags.c_contiguous and first.ctypes.data % 32 == 0
    assert not first.flags.writeable


def test_a_writable_matrix_is_copied_every_time():
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    first = aligned_transpose(w)
    w[0, 0] = 100.0  # it may change between two runs: the second copy must see the change
    second = aligned_transpose(w)
    assert second is not first and second[0, 0] == 100.0 and first[0, 0] == 0.0
    view = np.arange(12, dtype=np.float32).reshape(4, 3)
    view.flags.writeable = False  # read-only, but a view of an array that can change
    assert aligned_transpose(view) is not aligned_transpose(view)


def test_the_kept_transpose_goes_with_its_model():
    rec = lstm(1)
    key = id(rec.weights["weight_hh_l0"])
    cells.run(rec, np.ones((4, 3), np.float32))
    assert key in _transposed
    del rec
    gc.collect()
    assert key not in _transposed


def test_two_models_in_turn_each_run_with_their_own_weights():
    """Runs alternate between two models of the same shape: each trace matches its own torch twin
    (a transpose kept for the wrong matrix would give the other model's gates)."""
    x = torch.randn(6, 3)
    for _ in range(2):
        for seed in (2, 3):
            torch.manual_seed(seed)
            module = nn.LSTM(3, 5)
            rec = cells.from_torch(module)
            with torch.no_grad():
                want, _ = module(x)
            got = cells.run(rec, x.numpy()).top_output()
            assert np.abs(got - want.numpy()).max() <= 1e-5
