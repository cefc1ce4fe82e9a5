"""Train the surname -> language classifiers (LSTM and GRU, same size) and export them to
``assets/models/names-<cell>/``.

    python -m cells.train.train_names [--models lstm,gru] [--out DIR]

Characters in, a softmax over the languages at every character; the loss is on the output after
the last character (readout "last"). Early stopping on a validation part of the training split.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from cells.tasks import names
from cells.tasks.datautil import MODELS, split_indices
from cells.tokenize import CharTokenizer
from cells.train import classify, seqtrain

SEED = 13
CONFIG = {
    "embedding_size": 32,
    "hidden_size": 128,
    "batch_size": 32,
    "max_epochs": 30,
    "patience": 5,
    "lr": 3e-3,
    "weight_decay": 1e-4,
    "emb_dropout": 0.1,
    "out_dropout": 0.2,
    "grad_clip": 1.0,
    "validation_fraction": 0.1,
}
TITLES = {"lstm": "LSTM", "gru": "GRU"}
SAMPLES = [
    "Kowalski",
    "Schneider",
    "Rossi",
    "Fernández",
    "Novák",
    "Van der Berg",
    "Dlamini",
    "Horvat",
    "Dubois",
    "Smith",
]


def encode(data: list[tuple[str, int]], tok: CharTokenizer) -> list[tuple[list[int], int]]:
    return [([t.id for t in tok(name)], k) for name, k in data if name]


def build(cell: str, out: Path, cfg: dict, train_part, held, labels, tok: CharTokenizer) -> dict:
    fit_idx, val_idx = split_indices(len(train_part), cfg["validation_fraction"], SEED)
    fit = encode([train_part[i] for i in fit_idx], tok)
    val = encode([train_part[i] for i in val_idx], tok)
    model, log = classify.train(cell, cell, fit, val, len(tok.vocab), len(labels), cfg, SEED)
    ident = f"names-{cell}"
    per = len(held) // len(labels)
    card = {
        "id": ident,
        "title": f"Surname {TITLES[cell]}: which language?",
        "task": names.TASK,
        "task_title": names.TITLE,
        "summary": "",
        "head": {"readout": "last", "labels": labels},
        "training": {
            "data": "assets/data/names/surnames_by_language.tsv.gz: the"
            f" {len(labels)} languages with the most surnames, each subsampled to"
            f" {(len(train_part) + len(held)) // len(labels)} (balanced); {len(fit)} training,"
            f" {len(val)} validation and {len(held)} held-out surnames ({per} per language,"
            f" seed {names.SEED})",
            "command": f"python -m cells.train.train_names --models {cell}",
            "seed": SEED,
            "epochs": log["best_epoch"],
            "seconds": log["seconds"],
            "early_stopping": log,
            "loss": "cross-entropy of the head's output at the last character",
            "optimizer": "AdamW",
            **cfg,
        },
        "samples": SAMPLES,
        "notable_units": [],
        "notices": ["licenses/faker.LICENSE.txt"],
        "date": seqtrain.DATE,
    }
    sample = SAMPLES[0]
    metrics = seqtrain.export(
        out / ident,
        model,
        tokenizer=tok.config(),
        card=card,
        evaluate=lambda m: names.evaluate(m, held),
        summarize=lambda m: (
            f"held-out accuracy {100 * m['accuracy']:.1f}%"
            f" over {len(labels)} languages (chance {100 * m['chance']:.0f}%)"
        ),
        check=(torch.tensor([t.id for t in tok(sample)]), sample),
        labels=labels,
    )
    path = out / ident / "card.json"
    full = json.loads(path.read_text("utf-8"))
    worst = min(metrics["accuracy_by_language"].items(), key=lambda kv: kv[1])
    who = f"{seqtrain.a_or_an(TITLES[cell]).title()} {TITLES[cell]}"
    full["summary"] = (
        f"{who} of {cfg['hidden_size']} units reading a surname letter by letter and"
        f" naming its language among {len(labels)} (balanced); {100 * metrics['accuracy']:.1f}%"
        f" right on held-out surnames (chance {100 / len(labels):.0f}%; hardest: {worst[0]}"
        f" {100 * worst[1]:.0f}%)."
    )
    seqtrain.write_card(out / ident, full)
    return metrics


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="lstm,gru")
    ap.add_argument("--out", type=Path, default=MODELS)
    ap.add_argument("--epochs", type=int, default=None, help="override (pilot runs)")
    args = ap.parse_args(argv)
    cfg = dict(CONFIG)
    if args.epochs is not None:
        cfg["max_epochs"] = args.epochs
    train_part, held, labels = names.split()
    tok = CharTokenizer(names.build_vocab(train_part), lowercase=True)
    np.random.seed(SEED)
    for cell in args.models.split(","):
        build(cell, args.out, cfg, train_part, held, labels, tok)


if __name__ == "__main__":
    main()
