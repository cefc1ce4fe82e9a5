"""Sequence classification with the verdict read at the last token (readout "last"): batching,
the training loop with early stopping on a validation part, accuracy. Torch only.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch
from torch import nn

from cells.train import seqtrain


def batches(data: list, size: int, gen: np.random.Generator | None):
    """(ids (B, T) right-padded with 0, lengths (B,), labels (B,)); shuffled if ``gen``."""
    order = gen.permutation(len(data)) if gen is not None else np.arange(len(data))
    for s in range(0, len(order), size):
        part = [data[i] for i in order[s : s + size]]
        lengths = torch.tensor([len(ids) for ids, _ in part])
        x = torch.zeros(len(part), int(lengths.max()), dtype=torch.long)
        for j, (ids, _) in enumerate(part):
            x[j, : len(ids)] = torch.tensor(ids)
        yield x, lengths, torch.tensor([y for _, y in part])


def last_logits(model: seqtrain.SeqModel, x, lengths) -> torch.Tensor:  # -> (B, 2)
    logits, _ = model(x, lengths=lengths)  # (B, T, 2)
    return logits[torch.arange(len(lengths)), lengths - 1]


def accuracy(model: seqtrain.SeqModel, data: list) -> float:
    model.eval()
    hits = 0
    with torch.no_grad():
        for x, lengths, y in batches(data, 256, None):
            hits += int((last_logits(model, x, lengths).argmax(1) == y).sum())
    return hits / len(data)


def train(
    name: str,
    cell: str,
    fit: list,
    val: list,
    vocab_size: int,
    n_classes: int,
    cfg: dict,
    seed: int,
    bidirectional: bool = False,
    init_state: dict | None = None,
) -> tuple[seqtrain.SeqModel, dict]:
    """Train with early stopping on validation accuracy; returns (best model, log dict).

    ``fit``/``val``: lists of (token ids, class index). The loss is on the last token's output.
    ``init_state``: a state dict to start from (fine-tuning) instead of a fresh initialisation.
    """
    seqtrain.seed_all(seed)
    model = seqtrain.SeqModel(
        cell,
        vocab_size,
        cfg["embedding_size"],
        cfg["hidden_size"],
        n_classes,
        bidirectional=bidirectional,
        emb_dropout=cfg["emb_dropout"],
        out_dropout=cfg["out_dropout"],
    )
    if init_state is not None:
        model.load_state_dict(init_state)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    gen = np.random.default_rng(seed)
    best, best_acc, best_epoch, bad = None, -1.0, 0, 0
    t0 = time.time()
    for epoch in range(1, cfg["max_epochs"] + 1):
        model.train()
        total, n = 0.0, 0
        for x, lengths, y in batches(fit, cfg["batch_size"], gen):
            loss = nn.functional.cross_entropy(last_logits(model, x, lengths), y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
            opt.step()
            total, n = total + loss.item() * len(y), n + len(y)
        acc = accuracy(model, val)
        print(
            f"{name} epoch {epoch}: train loss {total / n:.3f}, validation accuracy {acc:.3f},"
            f" {time.time() - t0:.0f} s",
            flush=True,
        )
        if acc > best_acc:
            best, best_acc, best_epoch, bad = copy.deepcopy(model.state_dict()), acc, epoch, 0
        else:
            bad += 1
            if bad >= cfg["patience"]:
                break
    model.load_state_dict(best)
    model.eval()
    log = {
        "best_epoch": best_epoch,
        "epochs_run": epoch,
        "validation_accuracy": round(best_acc, 4),
        "seconds": round(time.time() - t0, 1),
    }
    return model, log
