"""PyTorch is the oracle: ``cells`` must compute what ``nn.LSTM``/``nn.GRU``/``nn.RNN`` (and the
simplified-GRU twin in ``cells.train.modules``) compute, for every layer, direction and step.

torch is imported at module top on purpose: without it this file fails to collect (an error, not a
skip), because these are the tests that say the NumPy cells are right.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

import cells
from cells.train.modules import SimplifiedGRU

# One intra-op thread: on a machine whose cores are busy (training jobs), torch's OpenMP workers
# wait on each other and a 1 ms forward can take seconds. These tensors are tiny anyway.
torch.set_num_threads(1)

TOL = 1e-5  # max abs error in float32, DESIGN.md
CELLS = ("lstm", "gru", "rnn_tanh", "rnn_relu", "sgru")
SIZES = ((1, 1), (5, 7), (16, 32))  # (input_size, hidden_size)
SEEDS = (0, 1, 2)
INITS = ("default", "zeros", "random")  # no h0/c0 given; explicit zeros (torch's (L*D, 1, H)); random
STRUCTURES = list(itertools.product((1, 2, 3), (False, True), (True, False)))  # layers, bidir, bias
LONG = 300


@dataclass(frozen=True)
class Case:
    cell: str
    layers: int
    bidirectional: bool
    bias: bool
    seed: int
    input_size: int
    hidden_size: int
    init: str
    steps: int

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def __str__(self) -> str:
        return (
            f"{self.cell}-L{self.layers}-{'bi' if self.bidirectional else 'uni'}"
            f"-{'bias' if self.bias else 'nobias'}-s{self.seed}-{self.input_size}x{self.hidden_size}"
            f"-{self.init}-T{self.steps}"
        )


def _cases() -> list[Case]:
    """Every cell × every (layers, bidirectional, bias) × sequence length 1 and 300; seeds, sizes
    and initial states rotate through those so that each cell meets each seed, size and initial
    state with short and long sequences, one and several layers (120 cases, not 2,160)."""
    out = []
    for c, cell in enumerate(CELLS):
        for j, (layers, bidir, bias) in enumerate(STRUCTURES):
            for k, steps in enumerate((1, LONG)):
                input_size, hidden_size = SIZES[(j + c + k) % 3]
                seed = SEEDS[(j // 3 + c) % 3]
                init = INITS[(j + 2 * k + c) % 3]
                out.append(
                    Case(cell, layers, bidir, bias, seed, input_size, hidden_size, init, steps)
                )
    return out


CASES = _cases()


def make_module(
    cell: str, input_size: int, hidden_size: int, layers: int, bidirectional: bool, bias: bool
) -> nn.Module:
    kw = dict(num_layers=layers, bidirectional=bidirectional, bias=bias)
    if cell == "lstm":
        return nn.LSTM(input_size, hidden_size, **kw)
    if cell == "gru":
        return nn.GRU(input_size, hidden_size, **kw)
    if cell == "rnn_tanh":
        return nn.RNN(input_size, hidden_size, nonlinearity="tanh", **kw)
    if cell == "rnn_relu":
        return nn.RNN(input_size, hidden_size, nonlinearity="relu", **kw)
    if cell == "sgru":
        return SimplifiedGRU(input_size, hidden_size, **kw)
    raise AssertionError(cell)


def module_for(case: Case) -> nn.Module:
    torch.manual_seed(case.seed)
    m = make_module(
        case.cell, case.input_size, case.hidden_size, case.layers, case.bidirectional, case.bias
    )
    if case.cell == "rnn_relu":  # keep a 300-step ReLU recurrence from blowing up to 1e6
        with torch.no_grad():
            for name, p in m.named_parameters():
                if name.startswith("weight_hh"):
                    p.mul_(0.5)
    return m.eval()


def first_layers(module: nn.Module, case: Case, k: int) -> nn.Module:
    """A module of the same kind holding only the first ``k`` layers of ``module``."""
    sub = make_module(case.cell, case.input_size, case.hidden_size, k, case.bidirectional, case.bias)
    keep = {n: p for n, p in module.state_dict().items() if int(n.split("_l")[1][0]) < k}
    sub.load_state_dict(keep, strict=True)
    return sub.eval()


def torch_forward(module: nn.Module, cell: str, x: torch.Tensor, h0, c0):
    """(output (T, D*H), h_n (L*D, H), c_n or None) for a batch of one."""
    with torch.no_grad():
        xb = x.unsqueeze(1)  # (T, 1, I)
        if cell == "lstm":
            y, (h_n, c_n) = module(xb, (h0.unsqueeze(1), c0.unsqueeze(1)))
            return y[:, 0], h_n[:, 0], c_n[:, 0]
        y, h_n = module(xb, h0.unsqueeze(1))
        return y[:, 0], h_n[:, 0], None


def inputs_for(case: Case):
    g = torch.Generator().manual_seed(1000 + case.seed)
    x = torch.randn(case.steps, case.input_size, generator=g)
    n = case.layers * case.directions
    h0 = torch.randn(n, case.hidden_size, generator=g) * 0.7
    c0 = torch.randn(n, case.hidden_size, generator=g) * 1.5
    if case.init != "random":
        h0, c0 = torch.zeros_like(h0), torch.zeros_like(c0)
    return x, h0, c0


def cells_states(case: Case, h0: torch.Tensor, c0: torch.Tensor) -> dict:
    """The keyword arguments of cells.run for this case's initial states."""
    if case.init == "default":
        return {}
    if case.init == "zeros":  # PyTorch's (L*D, batch=1, H) shape, which cells also takes
        kw = {"h0": np.zeros((h0.shape[0], 1, h0.shape[1]), np.float32)}
        if case.cell == "lstm":
            kw["c0"] = np.zeros((c0.shape[0], 1, c0.shape[1]), np.float32)
        return kw
    kw = {"h0": h0.numpy()}
    if case.cell == "lstm":
        kw["c0"] = c0.numpy()
    return kw


def max_err(a: np.ndarray, b) -> float:
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max()) if a.size else 0.0


@pytest.fixture(scope="module", params=CASES, ids=str)
def run_case(request):
    """One case run both ways, shared by the checks below."""
    case: Case = request.param
    module = module_for(case)
    x, h0, c0 = inputs_for(case)
    trace = cells.run(cells.from_torch(module), x.numpy(), **cells_states(case, h0, c0))
    return case, module, x, h0, c0, trace


@pytest.fixture(scope="module")
def torch_runs(run_case) -> dict[int, tuple]:
    """torch's (output, h_n, c_n) of the modules made of the first k layers, k = 1..L."""
    case, module, x, h0, c0, _ = run_case
    d = case.directions
    return {
        k: torch_forward(
            module if k == case.layers else first_layers(module, case, k),
            case.cell,
            x,
            h0[: k * d],
            c0[: k * d],
        )
        for k in range(1, case.layers + 1)
    }


def test_gate_names_shapes_dtypes(run_case):
    case, _, _, _, _, trace = run_case
    expected = {
        "lstm": {"i", "f", "g", "o", "c", "h"},
        "gru": {"r", "z", "n", "h"},
        "rnn_tanh": {"h"},
        "rnn_relu": {"h"},
        "sgru": {"z", "n", "h"},
    }[case.cell]
    for layer in range(case.layers):
        for d in range(case.directions):
            gates = trace.gates(layer, d)
            assert set(gates) == expected
            for name, arr in gates.items():
                assert arr.shape == (case.steps, case.hidden_size), name
                assert arr.dtype == np.float32, name
                assert np.isfinite(arr).all(), name
    with pytest.raises(IndexError):
        trace.gates(case.layers, 0)
    with pytest.raises(IndexError):
        trace.gates(0, case.directions)


def test_every_layer_and_direction_matches_torch(run_case, torch_runs):
    """h of layer k, both directions, against a torch module made of the first k+1 layers."""
    case, _, _, _, _, trace = run_case
    for k in range(1, case.layers + 1):
        y, h_n, c_n = torch_runs[k]
        for direction in range(case.directions):
            want = y[:, direction * case.hidden_size : (direction + 1) * case.hidden_size]
            got = trace.gates(k - 1, direction)["h"]
            err = max_err(got, want)
            assert err <= TOL, f"layer {k - 1} direction {direction}: h max abs err {err:.2e}"
        # the layers below k end where the k-layer module's h_n says they do
        assert max_err(trace.final_states()[0][: len(h_n)], h_n) <= TOL
    assert max_err(trace.top_output(), torch_runs[case.layers][0]) <= TOL


def test_final_states_match_torch(run_case, torch_runs):
    case, _, _, _, _, trace = run_case
    _, h_n, c_n = torch_runs[case.layers]
    got_h, got_c = trace.final_states()
    assert max_err(got_h, h_n) <= TOL
    if case.cell == "lstm":
        assert max_err(got_c, c_n) <= TOL
    else:
        assert got_c is None


def test_lstm_cell_state_every_step_matches_torch(run_case):
    """c (and h) at every step against torch's own ``nn.LSTMCell`` stepped with the same weights
    over torch's input to that layer."""
    case, module, x, h0, c0, trace = run_case
    if case.cell != "lstm":
        assert "c" not in trace.gates(0, 0)
        return
    d, hidden = case.directions, case.hidden_size
    layer_in = x
    sd = module.state_dict()
    for layer in range(case.layers):
        outs = []
        for direction in range(d):
            s = f"l{layer}" + ("_reverse" if direction else "")
            lstm_cell = nn.LSTMCell(layer_in.shape[1], hidden, bias=case.bias)
            state = {"weight_ih": sd[f"weight_ih_{s}"], "weight_hh": sd[f"weight_hh_{s}"]}
            if case.bias:
                state.update(bias_ih=sd[f"bias_ih_{s}"], bias_hh=sd[f"bias_hh_{s}"])
            lstm_cell.load_state_dict(state)
            h, c = h0[layer * d + direction][None], c0[layer * d + direction][None]
            hs, cs = [None] * case.steps, [None] * case.steps
            order = range(case.steps) if direction == 0 else reversed(range(case.steps))
            with torch.no_grad():
                for t in order:
                    h, c = lstm_cell(layer_in[t][None], (h, c))
                    hs[t], cs[t] = h[0], c[0]
            gates = trace.gates(layer, direction)
            assert max_err(gates["c"], torch.stack(cs)) <= TOL, f"layer {layer} dir {direction}"
            assert max_err(gates["h"], torch.stack(hs)) <= TOL, f"layer {layer} dir {direction}"
            outs.append(torch.stack(hs))
        layer_in = torch.cat(outs, dim=1)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _previous(seq: np.ndarray, initial: np.ndarray, direction: int) -> np.ndarray:
    """The state each step started from: h_(t−1) forward, h_(t+1) backward (token-aligned)."""
    if direction == 0:
        return np.concatenate([initial[None], seq[:-1]])
    return np.concatenate([seq[1:], initial[None]])


def test_gates_recombine_into_states_by_the_equations(run_case):
    """Every gate recomputed in float64 from the weights, the layer input and the previous state,
    and the states rebuilt from the gates by each cell's equations."""
    case, module, x, h0, c0, trace = run_case
    sd = {k: v.double().numpy() for k, v in module.state_dict().items()}
    d, hidden = case.directions, case.hidden_size
    h0_all = h0.double().numpy() if case.init == "random" else np.zeros((case.layers * d, hidden))
    c0_all = c0.double().numpy() if case.init == "random" else np.zeros((case.layers * d, hidden))
    for layer in range(case.layers):
        layer_in = (
            x.double().numpy()
            if layer == 0
            else np.concatenate([trace.gates(layer - 1, k)["h"] for k in range(d)], axis=1)
        )
        for direction in range(d):
            s = f"l{layer}" + ("_reverse" if direction else "")
            g = {k: v.astype(np.float64) for k, v in trace.gates(layer, direction).items()}
            h_prev = _previous(g["h"], h0_all[layer * d + direction], direction)
            xi = layer_in @ sd[f"weight_ih_{s}"].T + (sd[f"bias_ih_{s}"] if case.bias else 0)
            hh = h_prev @ sd[f"weight_hh_{s}"].T + (sd[f"bias_hh_{s}"] if case.bias else 0)
            blocks = np.split(xi, xi.shape[1] // hidden, axis=1)
            rblocks = np.split(hh, hh.shape[1] // hidden, axis=1)
            want: dict[str, np.ndarray] = {}
            if case.cell == "lstm":
                c_prev = _previous(g["c"], c0_all[layer * d + direction], direction)
                for name, a, b in zip("ifgo", blocks, rblocks, strict=True):
                    want[name] = np.tanh(a + b) if name == "g" else _sigmoid(a + b)
                want["c"] = g["f"] * c_prev + g["i"] * g["g"]  # c_t = f ⊙ c_(t−1) + i ⊙ g
                want["h"] = g["o"] * np.tanh(g["c"])  # h_t = o ⊙ tanh(c_t)
            elif case.cell == "gru":
                want["r"] = _sigmoid(blocks[0] + rblocks[0])
                want["z"] = _sigmoid(blocks[1] + rblocks[1])
                # the reset gate scales W_hn h + b_hn, bias included (PyTorch's form)
                want["n"] = np.tanh(blocks[2] + g["r"] * rblocks[2])
                want["h"] = (1 - g["z"]) * g["n"] + g["z"] * h_prev
            elif case.cell == "sgru":
                want["z"] = _sigmoid(blocks[0] + rblocks[0])
                want["n"] = np.tanh(blocks[1] + rblocks[1])
                want["h"] = (1 - g["z"]) * g["n"] + g["z"] * h_prev
            elif case.cell == "rnn_tanh":
                want["h"] = np.tanh(blocks[0] + rblocks[0])
            else:
                want["h"] = np.maximum(blocks[0] + rblocks[0], 0.0)
            assert set(want) == set(g)
            for name in want:
                err = max_err(g[name], want[name])
                assert err <= TOL, f"layer {layer} dir {direction} {name}: max abs err {err:.2e}"


def test_sigmoid_gates_stay_in_unit_interval(run_case):
    case, _, _, _, _, trace = run_case
    sig = {"lstm": "ifo", "gru": "rz", "sgru": "z"}.get(case.cell, "")
    rec = trace.recurrent
    assert set(rec.sigmoid_gates) == set(sig)
    for layer in range(case.layers):
        for d in range(case.directions):
            for name in sig:
                v = trace.gates(layer, d)[name]
                assert ((v >= 0) & (v <= 1)).all(), f"{name} leaves [0, 1]: {v.min()}..{v.max()}"


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "sgru"])  # ReLU: nothing saturates
def test_saturated_gates_stay_finite_and_in_range(cell):
    """Pre-activations of ±1e4: sigmoid gates reach 0 and 1 exactly, nothing overflows to NaN,
    and cells still equals torch."""
    torch.manual_seed(7)
    m = make_module(cell, 4, 6, 2, True, True).eval()
    with torch.no_grad():
        for p in m.parameters():
            p.mul_(3000.0)
    x = torch.randn(20, 4)
    h0 = torch.zeros(4, 6)
    trace = cells.run(cells.from_torch(m), x.numpy())
    y, h_n, _ = torch_forward(m, cell, x, h0, h0)
    assert max_err(trace.top_output(), y) <= TOL
    for layer in range(2):
        for d in range(2):
            gates = trace.gates(layer, d)
            for name, v in gates.items():
                assert np.isfinite(v).all(), name
            for name in trace.recurrent.sigmoid_gates:
                v = gates[name]
                assert v.min() >= 0 and v.max() <= 1
                assert (v == 0).any() or (v == 1).any(), "expected saturated gates"


def test_cases_cover_every_option():
    """The rotation above really meets every seed, size, initial state and length per cell."""
    for cell in CELLS:
        mine = [c for c in CASES if c.cell == cell]
        assert {c.seed for c in mine} == set(SEEDS)
        assert {(c.input_size, c.hidden_size) for c in mine} == set(SIZES)
        assert {c.init for c in mine} == set(INITS)
        assert {(c.layers, c.bidirectional, c.bias, c.steps) for c in mine} == {
            (*s, t) for s in STRUCTURES for t in (1, LONG)
        }
        for steps in (1, LONG):
            assert {c.init for c in mine if c.steps == steps} == set(INITS)
            assert {c.hidden_size for c in mine if c.steps == steps} == {h for _, h in SIZES}
        assert {c.init for c in mine if c.layers > 1 and c.steps == LONG} >= {"random"}
