"""Export: CSV and NPZ hold every number of the trace; the PyTorch snippet reproduces them."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import cells
from app import export
from tests.conftest import MODELS, ROOT, shipped_cards


def model_for(cell: str) -> cells.Model:
    mid = next(m for m, c in shipped_cards().items() if c["architecture"]["cell"] == cell
               and c["tokenizer"]["kind"] != "values")
    return cells.load(MODELS / mid)


def test_csv_and_npz_hold_every_number():
    model = model_for("lstm")
    trace = cells.trace(model, "The dogs were barking.")
    rows = list(csv.reader(io.StringIO(export.trace_csv(trace).decode("utf-8"))))
    rec = model.recurrent
    per_gate = trace.steps * rec.hidden_size
    assert len(rows) - 1 == per_gate * len(rec.gate_names) * rec.num_layers * rec.num_directions
    npz = np.load(io.BytesIO(export.trace_npz(trace)), allow_pickle=False)
    np.testing.assert_array_equal(npz["l0_d0_f"], trace.gates(0, 0)["f"])
    np.testing.assert_array_equal(npz["outputs"], trace.outputs)
    assert json.loads(npz["tokens_json"].tobytes().decode("utf-8")) == trace.tokens
    first = rows[1]
    assert first[:5] == ["0", "0", "i", "0", trace.tokens[0]]
    assert float(first[6]) == pytest.approx(float(trace.gates(0, 0)["i"][0, 0]), rel=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_snippet_reproduces_the_numbers_with_pytorch(cell):
    model = model_for(cell)
    code = export.torch_snippet(model, "The dogs that Mrs. Smith kept were barking.")
    code = code.replace('folder = "assets/models/', f'folder = "{MODELS}/')
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    err = float(re.search(r"max \|torch - cells\| = (\S+)", out.stdout).group(1))
    assert err <= 1e-5
