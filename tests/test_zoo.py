"""Every shipped model loads through `cells` (never unpickled), traces its sample inputs, and matches
its PyTorch twin built from the same weights file; assets stay small and pickle-free."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import cells
from cells.train.modules import SimplifiedGRU
from tests.conftest import MODELS, ROOT, shipped_cards

CARDS = shipped_cards()
TORCH_CELLS = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN, "sgru": SimplifiedGRU}


def torch_twin(folder) -> tuple[torch.nn.Module, torch.nn.Module | None, torch.nn.Module | None]:
    """(rnn, embedding, head) rebuilt in PyTorch from the model folder's safetensors."""
    card = CARDS[folder.name]
    a = card["architecture"]
    kwargs = dict(num_layers=a["num_layers"], bidirectional=a["bidirectional"], bias=a["bias"])
    if a["cell"] == "rnn":
        kwargs["nonlinearity"] = a.get("nonlinearity", "tanh")
    rnn = TORCH_CELLS[a["cell"]](a["input_size"], a["hidden_size"], **kwargs)
    weights = load_file(str(folder / "weights.safetensors"))
    rnn.load_state_dict({k[4:]: v for k, v in weights.items() if k.startswith("rnn.")})
    emb = head = None
    if "embedding.weight" in weights:
        emb = torch.nn.Embedding.from_pretrained(weights["embedding.weight"])
    if "head.weight" in weights:
        w = weights["head.weight"]
        head = torch.nn.Linear(w.shape[1], w.shape[0], bias="head.bias" in weights)
        head.load_state_dict({k[5:]: v for k, v in weights.items() if k.startswith("head.")})
    return rnn, emb, head


def test_the_zoo_is_there():
    assert len(CARDS) >= 10, sorted(CARDS)


@pytest.mark.parametrize("model_id", sorted(CARDS))
def test_shipped_model_matches_its_torch_twin(model_id):
    """The reference is the twin in float64. Tolerance 1e-5, unless the sentence is so ill-conditioned
    that PyTorch's own float32 run drifts from float64 by more than a tenth of that: then 10× that
    drift (the counting models near n = 20, where any float32 chain is off by ~1e-5)."""
    folder = MODELS / model_id
    model = cells.load(folder)
    card = CARDS[model_id]
    for key in ("title", "task", "summary", "training", "metrics", "samples"):
        assert card.get(key), f"{model_id}: card has no {key}"
    twin32 = torch_twin(folder)
    rnn32, emb32 = twin32[0], twin32[1]
    rnn, emb, head = (None if m is None else m.double() for m in torch_twin(folder))
    for text in card["samples"][:3]:
        trace = cells.trace(model, text)
        assert trace.steps > 0
        tokens = model.tokenizer(text)
        x = torch.from_numpy(model.embed(tokens)).double() if emb is None else emb(
            torch.tensor([t.id for t in tokens]))
        with torch.no_grad():
            y, _ = rnn(x)
            y32, _ = rnn32(x.float() if emb32 is None else emb32(torch.tensor([t.id for t in tokens])))
            drift32 = float((y32.double() - y).abs().max())
            err = np.abs(y.numpy() - trace.top_output()).max()
            tol = max(1e-5, 10 * drift32)
            assert err <= tol, f"{model_id}: h differs from torch by {err} (tolerance {tol})"
            if head is not None:
                logits = head(y).numpy()
                np.testing.assert_allclose(model.head.logits(trace.top_output()), logits, atol=1e-4)


def test_assets_are_small_and_pickle_free():
    files = subprocess.run(["git", "ls-files", "assets"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    total = sum((ROOT / f).stat().st_size for f in files if (ROOT / f).exists())
    assert total < 40 * 2**20, f"assets/ holds {total / 2**20:.1f} MB"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    pickles = [f for f in tracked if f.rsplit(".", 1)[-1] in ("pt", "pth", "pkl", "pickle", "ckpt")]
    assert pickles == []
