"""Cell specs (``cells.spec``): each spec agrees with its module's forward pass and with PyTorch's
shapes, the step panel says each cell's own equation (no reset gate in the simplified GRU, ReLU for a
ReLU RNN), and no module other than the cell modules repeats a cell's recurrence or branches on
the cell's name. torch is imported at the top on purpose: a missing torch fails these tests."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import cells
from app import i18n
from app.payload import stepper_payload
from cells.explain import unit_equations
from cells.registry import ALL_SPECS, CELLS, MODULES, spec_of
from cells.train.modules import SimplifiedGRU

ROOT = Path(__file__).resolve().parents[1]
TEXT = i18n.t("en")["stepper"]

TORCH = {
    ("lstm", "tanh"): lambda: nn.LSTM(3, 5),
    ("gru", "tanh"): lambda: nn.GRU(3, 5),
    ("sgru", "tanh"): lambda: SimplifiedGRU(3, 5),
    ("rnn", "tanh"): lambda: nn.RNN(3, 5),
    ("rnn", "relu"): lambda: nn.RNN(3, 5, nonlinearity="relu"),
}


def recurrent(cell: str, nonlinearity: str = "tanh") -> cells.Recurrent:
    torch.manual_seed(0)
    return cells.from_torch(TORCH[(cell, nonlinearity)]())


def x(steps: int = 6) -> np.ndarray:
    return np.random.default_rng(1).standard_normal((steps, 3)).astype(np.float32)


def test_every_spec_has_a_torch_oracle_here():
    assert {(s.name, s.nonlinearity) for s in ALL_SPECS} == set(TORCH)


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: f"{s.name}-{s.nonlinearity}")
def test_spec_matches_the_forward_pass_and_torch_shapes(spec):
    torch.manual_seed(0)
    module = TORCH[(spec.name, spec.nonlinearity)]()
    rec = cells.from_torch(module)
    assert rec.spec is spec  # from_torch and Recurrent.spec find this very spec
    hidden = module.hidden_size
    assert module.weight_ih_l0.shape[0] == spec.blocks * hidden  # blocks == weight rows / H
    assert len(spec.block_gates) == spec.blocks
    trace = cells.run(rec, x())
    assert tuple(trace.gates(0, 0)) == spec.keys  # gates keys == trace keys, in order
    assert set(spec.grid) == set(spec.keys)
    assert set(spec.sigmoid_gates) == set(rec.sigmoid_gates)
    for key in spec.sigmoid_gates:
        v = trace.gates(0, 0)[key]
        assert np.all((v >= 0) & (v <= 1))
    if spec.nonlinearity == "relu":
        assert np.all(trace.gates(0, 0)["h"] >= 0)
    with torch.no_grad():
        want = module(torch.from_numpy(x()).unsqueeze(1))[0][:, 0].numpy()
    np.testing.assert_allclose(trace.gates(0, 0)["h"], want, atol=1e-5)


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: f"{s.name}-{s.nonlinearity}")
def test_every_template_placeholder_is_an_equation_part_or_a_word(spec):
    rec = recurrent(spec.name, spec.nonlinearity)
    eq = unit_equations(cells.run(rec, x()), 0, 0, 1)
    for line in (*spec.step_panel, *spec.step_panel_u):
        names = re.findall(r"\{([^{}]+)\}", line)
        assert names, line
        for name in names:
            if name in ("t", "t-1"):
                continue
            if name.startswith("@"):
                assert name[1:] in TEXT, f"{spec.name}: {name} is not in the string table"
            else:
                assert name in eq, f"{spec.name}: {{{name}}} is not a key of unit_equations"


def test_unit_equation_parts_add_up():
    """What the templates print is what the trace holds: kept + written = the new state."""
    for cell in ("lstm", "gru", "sgru"):
        eq = unit_equations(cells.run(recurrent(cell), x()), 0, 0, 2)
        state = eq["c"] if cell == "lstm" else eq["h"]
        np.testing.assert_allclose(eq["kept"] + eq["written"], state, atol=1e-6)
        if cell != "lstm":
            np.testing.assert_allclose(eq["u"], 1 - eq["z"], atol=1e-7)


def payload(cell: str, nonlinearity: str = "tanh", convention: str = "z") -> dict:
    trace = cells.run(recurrent(cell, nonlinearity), x())
    return stepper_payload(trace, None, 0, 0, 1, 0, 0, "seq", convention, TEXT)


def panel_text(p: dict) -> str:
    return "\n".join(p["panel"]) + "\n" + "\n".join(r["label"] for r in p["rows"])


def test_simplified_gru_step_panel_has_no_reset_gate():
    for convention in ("z", "u"):
        p = payload("sgru", convention=convention)
        text = panel_text(p)
        assert "r ⊙" not in text and "reset" not in text
        assert [r["key"] for r in p["rows"] if r["parts"]] == ["z", "n"]
        assert "n{t} = tanh(W_in·x + b_in + W_hn·h{t-1} + b_hn)" in p["panel"][0]
    gru = panel_text(payload("gru"))  # control: the full GRU does show its reset gate
    assert "r ⊙ (W_hn·h{t-1} + b_hn)" in gru and "reset" in gru


def test_relu_rnn_step_panel_says_relu_not_tanh():
    p = payload("rnn", "relu")
    text = panel_text(p)
    assert "max(0, " in text and "tanh" not in text
    assert "tanh" in panel_text(payload("rnn", "tanh"))  # control


def test_u_convention_adds_the_u_row_only_where_there_is_a_z():
    assert [r["key"] for r in payload("gru", convention="u")["rows"]][-1] == "u"
    assert "u ⊙ n" in payload("gru", convention="u")["panel"][1]
    assert all(r["key"] != "u" for r in payload("lstm", convention="u")["rows"])


def render_js(p: dict, step: int) -> dict:
    """Run stepper.js's own table and state-line functions in node on a payload."""
    source = (ROOT / "app" / "stepper.js").read_text("utf-8")
    source = source.replace("export default function", "function mount")
    show = f"{{rows: equationRows(d, {step}), lines: stateLines(d, {step})}}"
    script = source + f"\nconst d = {json.dumps(p)};\nconsole.log(JSON.stringify({show}));\n"
    out = subprocess.run(["node", "--input-type=module"], input=script, capture_output=True,
                         text=True, timeout=60, check=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_rendered_step_panel():
    sgru = render_js(payload("sgru"), 2)
    text = "\n".join(sgru["lines"])
    assert "r ⊙" not in text and "{" not in text
    p = payload("sgru")
    z, n, h_prev = (p["eq"][k][2] for k in ("z", "n", "h_prev"))
    assert f"= {1 - z:.3f}×{n:.3f} + {z:.3f}×{h_prev:.3f}".replace("-", "−") in text
    relu = "\n".join(render_js(payload("rnn", "relu"), 3)["lines"])
    assert relu.startswith("hₜ = max(0, ") and "tanh" not in relu
    lstm = render_js(payload("lstm"), 1)
    assert [r[0] for r in lstm["rows"]] == [TEXT["gate_names"][g] for g in "ifgo"]
    assert "(kept)" in lstm["lines"][1] and "(written)" in lstm["lines"][1]


# --- no cell's recurrence outside its module -------------------------------------------------

CELL_ARITHMETIC = {"sigmoid", "tanh", "maximum", "sig_grad", "_sig_grad"}
GATE_KEYS = {g.key for s in ALL_SPECS for g in s.gates if g.block is not None} - {"h"}


def per_cell_code(source: str) -> list[str]:
    """Lines that step a cell's equations in a loop, or branch on which cell it is."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.For | ast.While):
            for inner in ast.walk(node):
                call = isinstance(inner, ast.Call) and (
                    getattr(inner.func, "id", None) in CELL_ARITHMETIC
                    or getattr(inner.func, "attr", None) in CELL_ARITHMETIC)
                gate = (isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Constant)
                        and inner.slice.value in GATE_KEYS)
                if call or gate:
                    found.append(f"line {node.lineno}: a step loop with cell arithmetic")
                    break
        if isinstance(node, ast.Compare):  # rec.cell == "gru", m.cell in ("gru", "sgru"), …
            sides = [node.left, *node.comparators]
            names = any(isinstance(c, ast.Constant) and isinstance(c.value, str)
                        for side in sides for c in ast.walk(side))
            if names and any(isinstance(s, ast.Attribute) and s.attr == "cell" for s in sides):
                found.append(f"line {node.lineno}: compares .cell with a cell's name")
    return found


def checked_files() -> list[Path]:
    cell_files = {Path(m.__file__).resolve() for m in CELLS}
    cells_dir = ROOT / "cells"
    files = [p for p in cells_dir.glob("*.py") if p.resolve() not in cell_files]
    files += list((ROOT / "app").rglob("*.py"))
    return files


def test_no_recurrence_or_cell_branch_outside_the_cell_modules():
    names = {p.name for p in checked_files()}
    assert {"intervene.py", "gradients.py", "explain.py", "run.py", "payload.py"} <= names
    problems = {str(p.relative_to(ROOT)): per_cell_code(p.read_text("utf-8")) for p in checked_files()}
    assert {k: v for k, v in problems.items() if v} == {}


def test_js_has_no_per_cell_branch():
    source = (ROOT / "app" / "stepper.js").read_text("utf-8")
    assert not re.search(r"\.cell\s*[!=]==?", source)
    assert not any(f'"{name}"' in source for name in MODULES)


PLANTED = '''
def _gru(x_part, w_hh_t, h, out, overrides):
    for t in range(len(x_part)):
        hp = h @ w_hh_t
        r = sigmoid(x_part[t, :4] + hp[:4], out["r"][t])
        h = np.add(h, r)
    return out

def backward(rec, states, t):
    if rec.cell == "lstm":
        return states["f"][t]
'''


def test_the_check_catches_a_planted_copy():
    found = per_cell_code(PLANTED)
    assert any("step loop" in f for f in found) and any("compares .cell" in f for f in found)
    assert per_cell_code("ok = m.recurrent.cell in ('gru', 'sgru')\n")
    assert per_cell_code("ok = rec.cell in MODULES\n") == []  # control: asking the registry
    lstm_copy = "for t in range(3):\n    c = states['f'][t] * c\n"  # gate by key, no activations
    assert per_cell_code(lstm_copy)
    assert per_cell_code("for t in range(3):\n    y = x[t] + 1\n") == []  # control: plain loop


def test_spec_of_unknown_cell_says_what_exists():
    with pytest.raises(KeyError, match="expected one of"):
        spec_of("transformer")
    assert spec_of("rnn", "relu").nonlinearity == "relu"
    assert spec_of("lstm", "relu") is MODULES["lstm"].SPEC  # gated cells have one spec


def test_a_trace_is_made_once_and_never_changes():
    import dataclasses

    rec = recurrent("lstm")
    inputs = x()
    trace = cells.run(rec, inputs)
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.tokens = ["a"]  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        trace.gates(0, 0)["f"][0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        trace.layer_inputs[0][0, 0] = 1.0
    inputs[0, 0] = 5.0  # the caller's own array stays writeable
