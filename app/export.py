"""Export a trace: CSV (one row per step, gate and unit), NPZ (one array per layer, direction and
gate), and a Python snippet that reproduces the numbers with PyTorch from the model files."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

import cells
from cells.registry import SPECS


def trace_csv(trace: cells.Trace) -> bytes:
    """Long format: layer, direction, gate, step, token, unit, value."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(["layer", "direction", "gate", "step", "token", "unit", "value"])
    rec = trace.recurrent
    for layer in range(rec.num_layers):
        for direction in range(rec.num_directions):
            for gate, values in trace.gates(layer, direction).items():
                for step, row in enumerate(values):
                    token = trace.tokens[step] if step < len(trace.tokens) else ""
                    for unit, v in enumerate(row):
                        out.writerow([layer, direction, gate, step, token, unit, f"{v:.6g}"])
    return buf.getvalue().encode("utf-8")


def trace_npz(trace: cells.Trace) -> bytes:
    """``l{layer}_d{direction}_{gate}``: (T, H) float32; ``outputs``: (T, K); ``tokens``: JSON."""
    arrays = {
        f"l{layer}_d{direction}_{gate}": values
        for layer, per_direction in enumerate(trace.states)
        for direction, gates in enumerate(per_direction)
        for gate, values in gates.items()
    }
    if trace.outputs is not None:
        arrays["outputs"] = trace.outputs
    arrays["tokens_json"] = np.frombuffer(json.dumps(trace.tokens).encode("utf-8"), np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # plain arrays only: loads with allow_pickle=False
    return buf.getvalue()


TORCH_MODULES = {name: spec.torch_module for name, spec in SPECS.items()}  # as code


def torch_snippet(model: cells.Model, text: str) -> str:
    """Python that rebuilds the model in PyTorch from its files and prints h for ``text``."""
    rec, model_id = model.recurrent, model.id
    spec = rec.spec
    extra = f", nonlinearity='{spec.nonlinearity}'" if spec.nonlinearity != "tanh" else ""
    build = (f"{spec.torch_import}\n" if spec.torch_import else "") + (
        f"rnn = {spec.torch_module}({rec.input_size}, {rec.hidden_size}, "
        f"num_layers={rec.num_layers}, bidirectional={rec.bidirectional}, bias={rec.bias}{extra})")
    inputs = (
        "x = torch.from_numpy(m.embed(m.tokenizer(text)))  # (T, I)"
    )
    return f'''# Reproduce Gatescope's numbers with PyTorch (run from the Gatescope folder).
import torch
from torch import nn
from safetensors.torch import load_file

import cells

folder = "assets/models/{model_id}"
m = cells.load(folder)                     # tokenizer and embedding, as the app uses them
weights = load_file(folder + "/weights.safetensors")
{build}
rnn.load_state_dict({{k[4:]: v for k, v in weights.items() if k.startswith("rnn.")}})

text = {json.dumps(text, ensure_ascii=False)}
{inputs}
with torch.no_grad():
    h, _ = rnn(x)                          # (T, D*H): the top layer's hidden states
t = cells.trace(m, text)
print("max |torch - cells| =", (h.numpy() - t.top_output()).__abs__().max())
'''
