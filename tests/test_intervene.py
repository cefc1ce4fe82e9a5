"""cells.intervene: clamped gates and silenced units behave as the equations say, and agree with a
PyTorch re-implementation of the same intervention. torch is imported at the top on purpose: a
missing torch fails these tests instead of skipping them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

import cells
from cells.intervene import Clamp, run_clamped, trace_clamped
from cells.train.modules import SimplifiedGRU

torch.set_num_threads(1)


def make(cell: str, layers: int = 1, bidirectional: bool = False, bias: bool = True,
         input_size: int = 4, hidden: int = 6, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    kw = dict(num_layers=layers, bidirectional=bidirectional, bias=bias)
    module = {
        "lstm": lambda: nn.LSTM(input_size, hidden, **kw),
        "gru": lambda: nn.GRU(input_size, hidden, **kw),
        "rnn": lambda: nn.RNN(input_size, hidden, **kw),
        "rnn_relu": lambda: nn.RNN(input_size, hidden, nonlinearity="relu", **kw),
        "sgru": lambda: SimplifiedGRU(input_size, hidden, **kw),
    }[cell]()
    with torch.no_grad():  # larger weights than the default init: gates away from 0.5
        for p in module.parameters():
            p.mul_(2.0)
    return module.eval()


def with_head(rec: cells.Recurrent, k: int = 3, seed: int = 0) -> cells.Model:
    rng = np.random.default_rng(seed)
    head = cells.Head(
        rng.normal(size=(k, rec.output_size)).astype(np.float32),
        rng.normal(size=k).astype(np.float32),
        "softmax",
    )
    vocab = ["<unk>", *"abcdefgh"]
    emb = rng.normal(size=(len(vocab), rec.input_size)).astype(np.float32)
    return cells.Model(rec, cells.CharTokenizer(vocab), head=head, embedding=emb)


def inputs(steps: int, size: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(steps, size)).astype(np.float32)


def initial(rec: cells.Recurrent, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = rec.num_layers * rec.num_directions
    return (
        (rng.normal(size=(n, rec.hidden_size)) * 0.5).astype(np.float32),
        rng.normal(size=(n, rec.hidden_size)).astype(np.float32),
    )


STRUCTURES = list(itertools.product(("lstm", "gru", "rnn", "rnn_relu", "sgru"), (1, 2),
                                    (False, True), (True, False)))


@pytest.mark.parametrize("cell,layers,bidirectional,bias", STRUCTURES)
def test_no_clamps_equals_run_exactly(cell, layers, bidirectional, bias):
    rec = cells.from_torch(make(cell, layers, bidirectional, bias))
    model = with_head(rec)
    x = inputs(9, rec.input_size)
    h0, c0 = initial(rec)
    for kw in ({}, {"h0": h0, "c0": c0}):
        ref = cells.run(model, x, **kw)
        got = run_clamped(model, x, [], **kw)
        for layer, direction in itertools.product(range(layers), range(rec.num_directions)):
            a, b = ref.gates(layer, direction), got.gates(layer, direction)
            assert a.keys() == b.keys()
            for key in a:
                assert np.array_equal(a[key], b[key]), (layer, direction, key)
        assert np.array_equal(ref.outputs, got.outputs)
        assert np.array_equal(ref.h0, got.h0) and np.array_equal(ref.c0, got.c0)


@pytest.mark.parametrize("direction", (0, 1))
def test_lstm_forget_1_input_0_keeps_cell_state(direction):
    rec = cells.from_torch(make("lstm", 2, bidirectional=True))
    x = inputs(10, rec.input_size)
    clamps = [Clamp("f", 1.0, 0, direction, steps=(3, 7)), Clamp("i", 0.0, 0, direction, steps=(3, 7))]
    t = run_clamped(rec, x, clamps)
    c = t.gates(0, direction)["c"]
    before = 2 if direction == 0 else 7  # the state the clamped stretch starts from
    for s in range(3, 7):
        assert np.array_equal(c[s], c[before])
    g = t.gates(0, direction)
    assert np.all(g["f"][3:7] == 1.0) and np.all(g["i"][3:7] == 0.0)
    ref = cells.run(rec, x).gates(0, direction)
    outside = [s for s in range(10) if not 3 <= s < 7]
    assert not np.allclose(ref["c"][3:7], ref["c"][before])  # the clamp did something
    assert not np.allclose(g["c"][outside[-1 if direction == 0 else 0]],
                           ref["c"][outside[-1 if direction == 0 else 0]])
    other = 1 - direction  # the other direction of layer 0 is untouched
    assert np.array_equal(t.gates(0, other)["c"], cells.run(rec, x).gates(0, other)["c"])


@pytest.mark.parametrize("cell", ("gru", "sgru"))
def test_update_gate_1_keeps_hidden_state(cell):
    rec = cells.from_torch(make(cell))
    x = inputs(10, rec.input_size)
    h0, _ = initial(rec)
    t = run_clamped(rec, x, [Clamp("z", 1.0, steps=(0, 5))], h0=h0)
    h = t.gates()["h"]
    for s in range(5):
        assert np.array_equal(h[s], h0[0])
    assert not np.allclose(h[5], h0[0])
    # z = 0: write the candidate
    t = run_clamped(rec, x, [Clamp("z", 0.0, units=(1, 4))])
    g = t.gates()
    assert np.array_equal(g["h"][:, [1, 4]], g["n"][:, [1, 4]])
    assert not np.allclose(g["h"][:, 0], g["n"][:, 0])


def test_clamps_cover_only_chosen_units_and_steps():
    rec = cells.from_torch(make("lstm"))
    x = inputs(8, rec.input_size)
    t = run_clamped(rec, x, [Clamp("o", 0.25, units=(0, 2), steps=(2, 5))])
    o = t.gates()["o"]
    assert np.all(o[2:5][:, [0, 2]] == np.float32(0.25))
    ref = cells.run(rec, x).gates()["o"]
    assert np.array_equal(o[:2], ref[:2])  # before the clamp: identical
    assert not np.any(o[2:5][:, [1, 3, 4, 5]] == np.float32(0.25))
    # later clamps on the same gate win
    t2 = run_clamped(rec, x, [Clamp("o", 0.25), Clamp("o", 0.75, steps=(1, 2))])
    assert np.all(t2.gates()["o"][1] == np.float32(0.75)) and np.all(t2.gates()["o"][0] == 0.25)


def torch_clamped(module: nn.Module, cell: str, x: np.ndarray, clamps, zero_units) -> list:
    """A direct PyTorch re-implementation of the clamped recurrence: [layer][direction] -> h (T, H)
    (and c for the LSTM), with the gates overwritten by masks in token positions."""
    sd = {k: v.double() for k, v in module.state_dict().items()}
    hidden, layers = module.hidden_size, module.num_layers
    dirs = 2 if module.bidirectional else 1
    steps = x.shape[0]
    layer_in = torch.tensor(x, dtype=torch.float64)
    result = []
    for layer in range(layers):
        outs, per = [], []
        for d in range(dirs):
            s = f"l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = sd[f"weight_ih_{s}"], sd[f"weight_hh_{s}"]
            b_ih = sd.get(f"bias_ih_{s}", torch.zeros(w_ih.shape[0], dtype=torch.float64))
            b_hh = sd.get(f"bias_hh_{s}", torch.zeros(w_ih.shape[0], dtype=torch.float64))
            h = torch.zeros(hidden, dtype=torch.float64)
            c = torch.zeros(hidden, dtype=torch.float64)
            hs, cs = [None] * steps, [None] * steps
            zero = [u for (zl, zd, u) in zero_units if (zl, zd) == (layer, d)]

            def clamp(gate, pos, v, layer=layer, d=d):
                v = v.clone()
                for cl in clamps:
                    if (cl.gate, cl.layer, cl.direction) != (gate, layer, d):
                        continue
                    lo, hi = cl.steps or (0, steps)
                    if lo <= pos < hi:
                        units = list(cl.units) if cl.units is not None else list(range(hidden))
                        v[units] = cl.value
                return v

            order = range(steps) if d == 0 else range(steps - 1, -1, -1)
            for pos in order:
                xa = w_ih @ layer_in[pos] + b_ih
                ha = w_hh @ h + b_hh
                if cell == "lstm":
                    i, f, g, o = (xa + ha).chunk(4)
                    i, f = clamp("i", pos, torch.sigmoid(i)), clamp("f", pos, torch.sigmoid(f))
                    g, o = clamp("g", pos, torch.tanh(g)), clamp("o", pos, torch.sigmoid(o))
                    c = f * c + i * g
                    c[zero] = 0.0
                    h = o * torch.tanh(c)
                else:  # gru
                    xr, xz, xn = xa.chunk(3)
                    hr, hz, hn = ha.chunk(3)
                    r = clamp("r", pos, torch.sigmoid(xr + hr))
                    z = clamp("z", pos, torch.sigmoid(xz + hz))
                    n = clamp("n", pos, torch.tanh(xn + r * hn))
                    h = (1 - z) * n + z * h
                h[zero] = 0.0
                hs[pos], cs[pos] = h, c
            per.append({"h": torch.stack(hs), "c": torch.stack(cs)})
            outs.append(torch.stack(hs))
        result.append(per)
        layer_in = torch.cat(outs, dim=1)
    return result


@pytest.mark.parametrize("cell", ("lstm", "gru"))
def test_clamped_run_matches_torch_reimplementation(cell):
    module = make(cell, 2, bidirectional=True)
    rec = cells.from_torch(module)
    x = inputs(11, rec.input_size, seed=5)
    gates = ("i", "f", "g", "o") if cell == "lstm" else ("r", "z", "n")
    clamps = [
        Clamp(gates[0], 0.0, 0, 0, units=(0, 3), steps=(2, 8)),
        Clamp(gates[1], 1.0, 0, 1, steps=(4, 9)),
        Clamp(gates[2], 0.3, 1, 0, units=(5,), steps=(0, 11)),
        Clamp(gates[-1], 0.9, 1, 1, units=(1, 2), steps=(6, 20)),
    ]
    zero_units = [(0, 0, 4), (1, 1, 0)]
    got = run_clamped(rec, x, clamps, zero_units)
    ref = torch_clamped(module, cell, x, clamps, zero_units)
    for layer, d in itertools.product(range(2), range(2)):
        np.testing.assert_allclose(got.gates(layer, d)["h"], ref[layer][d]["h"].numpy(), atol=1e-5)
        if cell == "lstm":
            np.testing.assert_allclose(got.gates(layer, d)["c"], ref[layer][d]["c"].numpy(),
                                       atol=1e-5)


def test_clamp_on_layer_0_changes_layer_1_and_outputs():
    rec = cells.from_torch(make("gru", 2))
    model = with_head(rec)
    x = inputs(8, rec.input_size)
    ref = cells.run(model, x)
    got = run_clamped(model, x, [Clamp("r", 0.0, layer=0, steps=(3, 4))])
    assert np.array_equal(got.gates(0)["h"][:3], ref.gates(0)["h"][:3])
    assert np.array_equal(got.gates(1)["h"][:3], ref.gates(1)["h"][:3])
    assert np.all(got.gates(0)["r"][3] == 0.0)
    assert np.abs(got.gates(1)["h"][3:] - ref.gates(1)["h"][3:]).max() > 1e-3
    assert np.abs(got.outputs[3:] - ref.outputs[3:]).max() > 1e-4
    np.testing.assert_allclose(got.outputs.sum(axis=1), 1.0, atol=1e-5)  # still a softmax


@pytest.mark.parametrize("cell", ("lstm", "gru", "rnn", "sgru"))
def test_zero_units(cell):
    rec = cells.from_torch(make(cell, 2))
    model = with_head(rec)
    x = inputs(7, rec.input_size)
    got = run_clamped(model, x, zero_units=[(0, 0, 2), (0, 0, 5)])
    g0 = got.gates(0)
    assert np.all(g0["h"][:, [2, 5]] == 0.0)
    if cell == "lstm":
        assert np.all(g0["c"][:, [2, 5]] == 0.0)
    ref = cells.run(model, x)
    assert np.abs(got.gates(1)["h"] - ref.gates(1)["h"]).max() > 1e-4
    assert np.abs(got.outputs - ref.outputs).max() > 1e-5
    # silencing a unit = giving it a zero row in W_hh of this layer and W_ih of the next, and its h
    # no say in the head; check that for the top layer via the head's weights
    top = run_clamped(model, x, zero_units=[(1, 0, 3)])
    w = model.head.weight.copy()
    w[:, 3] = 0.0
    masked = cells.Model(rec, model.tokenizer, cells.Head(w, model.head.bias, "softmax"),
                         model.embedding)
    plain = run_clamped(masked, x, zero_units=[(1, 0, 3)])
    np.testing.assert_allclose(top.outputs, plain.outputs, atol=1e-7)


def test_trace_clamped_keeps_tokens():
    rec = cells.from_torch(make("lstm"))
    model = with_head(rec)
    t = trace_clamped(model, "abcab", [Clamp("f", 1.0)])
    assert t.tokens == list("abcab") and t.text == "abcab"
    assert t.outputs.shape == (5, 3)
    assert np.all(t.gates()["f"] == 1.0)


def test_bad_interventions_raise():
    rec = cells.from_torch(make("lstm"))
    x = inputs(4, rec.input_size)
    with pytest.raises(ValueError, match="clampable gate 'z'"):
        run_clamped(rec, x, [Clamp("z", 1.0)])
    with pytest.raises(ValueError, match="layer"):
        run_clamped(rec, x, [Clamp("f", 1.0, layer=1)])
    with pytest.raises(ValueError, match="direction"):
        run_clamped(rec, x, [Clamp("f", 1.0, direction=1)])
    with pytest.raises(ValueError, match="unit"):
        run_clamped(rec, x, [Clamp("f", 1.0, units=(6,))])
    with pytest.raises(ValueError, match="steps"):
        run_clamped(rec, x, [Clamp("f", 1.0, steps=(3, 1))])
    with pytest.raises(ValueError, match="zero_units"):
        run_clamped(rec, x, zero_units=[(0, 0, 99)])
    rnn = cells.from_torch(make("rnn"))
    with pytest.raises(ValueError, match="rnn has no clampable gate"):
        run_clamped(rnn, x, [Clamp("h", 0.0)])
    # steps past the end are fine (clipped): the sentence may be shorter than the range
    t = run_clamped(rec, x, [Clamp("f", 1.0, steps=(2, 100))])
    assert np.all(t.gates()["f"][2:] == 1.0)
