"""cells.gradients: NumPy backpropagation through time agrees with torch autograd on the same
weights, for every cell, 1–2 layers, both directions, with and without a head. torch is imported at
the top on purpose: a missing torch fails these tests instead of skipping them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

import cells
from cells.gradients import input_gradient_norms, input_gradients
from cells.train.modules import SimplifiedGRU

torch.set_num_threads(1)

CELLS = ("lstm", "gru", "rnn", "rnn_relu", "sgru")


def make(cell: str, layers: int, bidirectional: bool, bias: bool = True,
         input_size: int = 3, hidden: int = 5, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    kw = dict(num_layers=layers, bidirectional=bidirectional, bias=bias)
    module = {
        "lstm": lambda: nn.LSTM(input_size, hidden, **kw),
        "gru": lambda: nn.GRU(input_size, hidden, **kw),
        "rnn": lambda: nn.RNN(input_size, hidden, **kw),
        "rnn_relu": lambda: nn.RNN(input_size, hidden, nonlinearity="relu", **kw),
        "sgru": lambda: SimplifiedGRU(input_size, hidden, **kw),
    }[cell]()
    with torch.no_grad():
        for p in module.parameters():
            p.mul_(1.5)
    return module.eval()


def torch_norms(module: nn.Module, cell: str, x: np.ndarray, step: int, head: nn.Linear | None,
                output: int | None, h0: np.ndarray | None = None, c0: np.ndarray | None = None):
    """The same quantity by torch autograd, in float64 on the float32 weights."""
    module = module.double()
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    args = []
    if h0 is not None:
        h = torch.tensor(h0, dtype=torch.float64).unsqueeze(1)
        args = [(h, torch.tensor(c0, dtype=torch.float64).unsqueeze(1))] if cell == "lstm" else [h]
    y, _ = module(xt.unsqueeze(1), *args)  # (T, 1, D·H)
    top = y[step, 0]
    target = head.double()(top)[output] if output is not None else top.sum()
    (g,) = torch.autograd.grad(target, xt)
    return g.norm(dim=1).numpy(), g.numpy()


STRUCTURES = list(itertools.product(CELLS, (1, 2), (False, True)))


@pytest.mark.parametrize("cell,layers,bidirectional", STRUCTURES)
def test_matches_torch_autograd(cell, layers, bidirectional):
    module = make(cell, layers, bidirectional, bias=(layers == 1 or cell != "gru"))
    rec = cells.from_torch(module)
    torch.manual_seed(7)
    head = nn.Linear(rec.output_size, 4)
    model = cells.Model(
        rec,
        cells.CharTokenizer(["<unk>"]),
        head=cells.Head(head.weight.detach().numpy().copy(), head.bias.detach().numpy().copy()),
    )
    rng = np.random.default_rng(3)
    steps = 9
    x = rng.normal(size=(steps, rec.input_size)).astype(np.float32)
    for step, output in ((steps - 1, 2), (4, None), (0, 0)):
        got = input_gradient_norms(model, x, step, output)
        want, _ = torch_norms(module, cell, x, step, head, output)
        assert got.shape == (steps,)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
        if not bidirectional:
            assert np.all(got[step + 1 :] == 0.0)
        if bidirectional and step < steps - 1:
            assert np.all(got[step + 1 :] > 0.0)  # the backward direction read the later inputs


@pytest.mark.parametrize("cell", CELLS)
def test_full_gradient_with_initial_states_and_no_head(cell):
    module = make(cell, 2, True, seed=4)
    rec = cells.from_torch(module)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, rec.input_size)).astype(np.float32)
    h0 = (rng.normal(size=(4, rec.hidden_size)) * 0.5).astype(np.float32)
    c0 = rng.normal(size=(4, rec.hidden_size)).astype(np.float32)
    kw = {"h0": h0, "c0": c0} if cell == "lstm" else {"h0": h0}
    got = input_gradients(rec, x, 3, None, **kw)
    _, want = torch_norms(module, cell, x, 3, None, None, h0, c0)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_long_sequence_tiny_gradients_match_torch_relatively():
    """Over 60 steps the gradients shrink by ten orders of magnitude (random weights); the NumPy
    numbers stay within 1e-4 of torch's *relatively*, down to the smallest (the log-scale view)."""
    steps = 60
    rng = np.random.default_rng(0)
    x = rng.normal(size=(steps, 3)).astype(np.float32)
    for cell in ("rnn", "lstm"):
        module = make(cell, 1, False, hidden=8, seed=1)
        got = input_gradient_norms(cells.from_torch(module), x, steps - 1)
        want, _ = torch_norms(module, cell, x, steps - 1, None, None)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=0.0)
        assert got[0] < 1e-8 * got[-1]


def test_bad_arguments():
    rec = cells.from_torch(make("gru", 1, False))
    x = np.zeros((4, rec.input_size), np.float32)
    with pytest.raises(IndexError, match="step"):
        input_gradient_norms(rec, x, 4)
    with pytest.raises(ValueError, match="no head"):
        input_gradient_norms(rec, x, 1, output=0)
    model = cells.Model(rec, cells.CharTokenizer(["<unk>"]),
                        head=cells.Head(np.ones((2, 5), np.float32), None))
    with pytest.raises(IndexError, match="output"):
        input_gradient_norms(model, x, 1, output=2)
