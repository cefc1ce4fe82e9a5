"""Torch pieces shared by the zoo's training scripts: the embedding -> RNN -> per-step head module,
seeding, and export to a model folder whose card metrics are measured by ``cells`` itself.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

import cells
from cells.train.modules import SimplifiedGRU

DATE = "2026-11-23"
RNNS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN, "sgru": SimplifiedGRU}


def seed_all(seed: int) -> None:
    """One thread (the machine is shared) and every random generator seeded."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


class SeqModel(nn.Module):
    """(optional) embedding -> 1-layer RNN -> Linear head at every step: what ``cells`` computes."""

    def __init__(
        self,
        cell: str,
        vocab_size: int | None,
        input_size: int,
        hidden_size: int,
        out_size: int,
        bidirectional: bool = False,
        emb_dropout: float = 0.0,
        out_dropout: float = 0.0,
    ):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, input_size) if vocab_size else None
        self.rnn = RNNS[cell](
            input_size, hidden_size, batch_first=True, bidirectional=bidirectional
        )
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), out_size)
        self.emb_dropout = nn.Dropout(emb_dropout)
        self.out_dropout = nn.Dropout(out_dropout)

    def features(self, x: torch.Tensor, state=None, lengths: torch.Tensor | None = None):
        """x: (B, T) ids or (B, T, I) values -> top outputs (B, T, D*H), final state."""
        e = self.embedding(x) if self.embedding is not None else x  # (B, T, I)
        e = self.emb_dropout(e)
        if lengths is None:
            out, state = self.rnn(e, state)
            return out, state
        packed = nn.utils.rnn.pack_padded_sequence(
            e, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, state = self.rnn(packed, state)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return out, state  # (B, T, D*H)

    def forward(self, x: torch.Tensor, state=None, lengths: torch.Tensor | None = None):
        out, state = self.features(x, state, lengths)
        return self.head(self.out_dropout(out)), state  # (B, T, K)


def a_or_an(title: str) -> str:
    """ "an LSTM", "a GRU", "a bidirectional LSTM": the article for a cell's title."""
    return "an" if title[:1] in "AEIOUL" and title[:3] != "Uni" else "a"


def write_card(folder: Path, card: dict) -> None:
    (folder / "card.json").write_text(
        json.dumps(card, indent=1, ensure_ascii=False) + "\n", "utf-8"
    )


def check_twin(model: SeqModel, loaded: cells.Model, x: torch.Tensor, text: str) -> float:
    """Max |cells - torch| of the per-step head output on one input; raises if above 1e-4."""
    model.eval()
    with torch.no_grad():
        logits, _ = model(x[None])
        h = loaded.card.head
        act = h.activation
        if act == "softmax":
            ref = torch.softmax(logits[0], dim=-1).numpy()
        else:
            ref = logits[0].numpy() * h.scale + h.shift
    got = cells.trace(loaded, text).outputs
    err = float(np.abs(got - ref).max()) / (1.0 if act == "softmax" else max(1.0, abs(ref).max()))
    if err > 1e-4:
        raise AssertionError(f"cells and torch disagree on {text!r}: max error {err}")
    return err


def export(
    folder: Path,
    model: SeqModel,
    *,
    tokenizer: dict,
    card: dict,
    evaluate: Callable[[cells.Model], dict],
    summarize: Callable[[dict], str],
    check: tuple[torch.Tensor, str],
    head_activation: str = "softmax",
    labels: list[str] | None = None,
) -> dict:
    """Export, reload with ``cells``, check it against torch, measure held-out metrics with
    ``evaluate`` and write them into the card. Returns the metrics."""
    model.eval()
    cells.export_torch(
        folder,
        rnn=model.rnn,
        embedding=model.embedding,
        head=model.head,
        head_activation=head_activation,
        labels=labels,
        tokenizer=tokenizer,
        card=card,
    )
    loaded = cells.load(folder)
    err = check_twin(model, loaded, *check)
    t0 = time.time()
    metrics = evaluate(loaded)
    full = json.loads((folder / "card.json").read_text("utf-8"))
    full["metrics"] = metrics
    full["metric_summary"] = summarize(metrics)
    full["training"]["cells_vs_torch_max_error"] = float(f"{err:.2e}")
    write_card(folder, full)
    print(f"{folder.name}: {full['metric_summary']} (evaluated in {time.time() - t0:.1f} s)")
    return metrics
