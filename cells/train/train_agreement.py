"""Train LSTM / GRU / simplified GRU / vanilla RNN to predict a verb's number across distractors.

Sentences come from the grammar of ``cells/tasks/agreement.py`` (everyday English, ~1,400 words;
0–3 distractors in training); each model reads the prefix before the verb word by word and is
trained with the loss at the last token only. Held-out accuracy (0–5 distractors, another seed)
and the share of unknown words and the accuracy on hand-written natural sentences
(``python -m cells.tasks.agreement_natural``) are measured with cells.

    python -m cells.train.train_agreement [--cells lstm gru sgru rnn] [--epochs 6] [--out DIR]

With the full training set every cell, the vanilla RNN included, is right on (nearly) every
held-out prefix, so ``main()`` also runs a data-starved comparison (``LOW_DATA`` sentences, three
seeds per cell, nothing shipped) and writes its held-out table to ``LOW_DATA_TABLE``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

import cells
from cells.tasks import agreement
from cells.train.modules import SimplifiedGRU

MODELS = Path("assets/models")
RNNS = {"lstm": nn.LSTM, "gru": nn.GRU, "sgru": SimplifiedGRU, "rnn": nn.RNN}
CELL_TITLES = {"lstm": "LSTM", "gru": "GRU", "sgru": "simplified GRU", "rnn": "vanilla RNN"}
HIDDEN, EMBED = 32, 32
EPOCHS, BATCH, LR = 6, 64, 3e-3
SEED = 0
LOW_DATA, LOW_DATA_EPOCHS, LOW_DATA_SEEDS = 3000, 40, 3
LOW_DATA_TABLE = MODELS / "agreement_low_data_table.json"
DATE = "2026-11-23"


class Net(nn.Module):
    """embedding -> one recurrent layer -> linear head (logits over singular/plural) per step."""

    def __init__(self, cell: str, vocab_size: int, hidden: int = HIDDEN, embed: int = EMBED):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.rnn = RNNS[cell](embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, len(agreement.LABELS))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # (B, T) -> (B, T, 2)
        out, _ = self.rnn(self.embedding(ids))  # (B, T, H)
        return self.head(out)


def encode(sentences: list[agreement.Sentence], tok: cells.WordTokenizer) -> list[list[int]]:
    return [[t.id for t in tok(s.prefix)] for s in sentences]


def pad(rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Ids (B, T) padded at the end with <unk> (0), and each row's last index (B,)."""
    t_max = max(len(r) for r in rows)
    ids = np.zeros((len(rows), t_max), np.int64)
    for b, r in enumerate(rows):
        ids[b, : len(r)] = r
    return torch.from_numpy(ids), torch.tensor([len(r) - 1 for r in rows])


def last_logits(net: Net, ids: torch.Tensor, last: torch.Tensor) -> torch.Tensor:  # (B, 2)
    out = net(ids)  # (B, T, 2); unidirectional, so padding after `last` does not matter
    return out[torch.arange(len(last)), last]


def train_one(
    cell: str,
    sentences: list[agreement.Sentence],
    epochs: float = EPOCHS,
    hidden: int = HIDDEN,
    seed: int = SEED,
    log_every: int = 200,
) -> tuple[Net, dict]:
    """Adam on shuffled mini-batches; cross-entropy of the output at the last token."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    tok = cells.WordTokenizer(agreement.vocab(), lowercase=True)
    rows = encode(sentences, tok)
    labels = torch.tensor([s.number for s in sentences])
    net = Net(cell, len(tok.vocab), hidden)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    steps = max(1, int(epochs * len(rows) / BATCH))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=LR / 10)
    start, losses, order, pos = time.time(), [], rng.permutation(len(rows)), 0
    for step in range(steps):
        if pos + BATCH > len(order):
            order, pos = rng.permutation(len(rows)), 0
        idx = order[pos : pos + BATCH]
        pos += BATCH
        ids, last = pad([rows[i] for i in idx])
        loss = nn.functional.cross_entropy(last_logits(net, ids, last), labels[idx])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if log_every and step % log_every == 0:
            recent = float(np.mean(losses[-log_every:]))
            print(f"  {cell} step {step}/{steps} loss {recent:.4f}", flush=True)
    info = {
        "steps": steps,
        "epochs": epochs,
        "seconds": round(time.time() - start, 1),
        "first_loss": losses[0],
        "final_loss": float(np.mean(losses[-100:])),
    }
    return net, info


def export(net: Net, folder: Path, card: dict) -> Path:
    tokenizer = cells.WordTokenizer(agreement.vocab(), lowercase=True).config()
    return cells.export_torch(
        folder,
        rnn=net.rnn,
        embedding=net.embedding,
        head=net.head,
        head_activation="softmax",
        labels=agreement.LABELS,
        tokenizer=tokenizer,
        card=card,
    )


def card_for(cell: str, info: dict, n_train: int, hidden: int) -> dict:
    return {
        "id": f"agreement-{cell}",
        "title": f"{CELL_TITLES[cell]} predicting the verb's number across distractors",
        "task": "agreement",
        "task_title": "Subject–verb agreement",
        "head": {"readout": "last", "labels": agreement.LABELS},
        "training": {
            "data": f"{n_train} generated sentence prefixes (cells/tasks/agreement.py,"
            f" {len(agreement.vocab())} words,"
            f" seed {agreement.TRAIN_SEED}, 0-{agreement.TRAIN_MAX_DISTRACTORS} distractors,"
            " test prefixes removed)",
            "command": "python -m cells.train.train_agreement",
            "seed": SEED,
            "epochs": info["epochs"],
            "steps": info["steps"],
            "seconds": info["seconds"],
            "batch_size": BATCH,
            "optimizer": f"Adam lr {LR} cosine to {LR / 10}, grad-norm clip 1.0",
            "loss": "cross-entropy of the output at the last token (just before the verb)",
            "final_train_loss": round(info["final_loss"], 6),
            "hidden_size": hidden,
            "embedding_size": EMBED,
            "vocabulary_size": len(agreement.vocab()),
        },
        "notices": [],
        "date": DATE,
    }


def finish_card(card: dict, model: cells.Model, metrics: dict) -> dict:
    by_k = metrics["accuracy_by_distractors"]
    cell = card["id"].split("-", 1)[1]
    card["metrics"] = metrics
    k_max = str(agreement.TEST_MAX_DISTRACTORS)
    card["metric_summary"] = (
        f"held-out accuracy {metrics['accuracy']:.1%}; {by_k[k_max]:.1%} with {k_max} distractors"
        f" (training had at most {agreement.TRAIN_MAX_DISTRACTORS}); natural sentences:"
        f" {metrics['natural_accuracy']:.1%} of {metrics['natural_marked']} verbs right,"
        f" {metrics['natural_unknown_share']:.1%} unknown words"
    )
    card["summary"] = (
        f"A {CELL_TITLES[cell]} reads a sentence up to just before its verb and says whether the"
        f" verb must be singular or plural; trained on generated sentences with"
        f" 0-{agreement.TRAIN_MAX_DISTRACTORS} distractor phrases, it gets"
        f" {metrics['accuracy']:.1%} of {metrics['n_test']} held-out prefixes"
        f" (0-{k_max} distractors) right, {by_k[k_max]:.1%} with {k_max}; on"
        f" {metrics['natural_marked']} hand-written everyday sentences it gets"
        f" {metrics['natural_accuracy']:.1%} of the verbs' numbers right."
    )
    card["samples"] = agreement.samples()
    card["notable_units"] = [agreement.number_unit(model)]
    return card


def run(cell_names: list[str], epochs: float = EPOCHS, out: Path = MODELS) -> dict:
    torch.set_num_threads(1)
    sentences = agreement.train_set()
    results = {}
    for cell in cell_names:
        net, info = train_one(cell, sentences, epochs)
        card = card_for(cell, info, len(sentences), HIDDEN)
        folder = export(net, out / card["id"], card)
        model = cells.load(folder)
        metrics = agreement.evaluate(model)
        export(net, folder, finish_card(card, model, metrics))
        results[cell] = metrics
        print(f"wrote {folder}: {card['metric_summary']} ({info['seconds']} s)", flush=True)
        print(f"  {metrics}", flush=True)
    return results


def low_data(cell_names: list[str], seeds: int = LOW_DATA_SEEDS, out: Path = LOW_DATA_TABLE) -> dict:
    """Train on only the first LOW_DATA training sentences; held-out metrics per cell and seed."""
    torch.set_num_threads(1)
    sentences = agreement.train_set()[:LOW_DATA]
    table: dict = {
        "what": f"agreement models trained on {LOW_DATA} sentences for {LOW_DATA_EPOCHS} epochs"
        f" (hidden {HIDDEN}), held-out test set of agreement.evaluate; models not shipped",
        "command": "python -m cells.train.train_agreement --low-data-only",
        "cells": {},
    }
    for cell in cell_names:
        rows = []
        for seed in range(seeds):
            net, info = train_one(cell, sentences, LOW_DATA_EPOCHS, seed=seed, log_every=0)
            card = card_for(cell, info, len(sentences), HIDDEN)
            with tempfile.TemporaryDirectory() as tmp:
                model = cells.load(export(net, Path(tmp) / "m", card))
                metrics = agreement.evaluate(model)
            rows.append({"seed": seed, "steps": info["steps"], **metrics})
            print(f"low-data {cell} seed {seed}: accuracy {metrics['accuracy']:.4f}", flush=True)
        table["cells"][cell] = rows
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(table, indent=1) + "\n")
    return table


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cells", nargs="+", default=list(RNNS), choices=list(RNNS))
    p.add_argument("--epochs", type=float, default=EPOCHS)
    p.add_argument("--out", type=Path, default=MODELS, help="folder for the model folders")
    p.add_argument("--low-data-only", action="store_true", help="only the data-starved table")
    p.add_argument("--no-low-data", action="store_true", help="skip the data-starved table")
    a = p.parse_args(argv)
    if not a.low_data_only:
        run(a.cells, a.epochs, a.out)
    if not a.no_low_data:
        low_data(a.cells)


if __name__ == "__main__":
    main()
