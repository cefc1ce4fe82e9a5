"""Train the word-by-word sentiment models (LSTM, GRU, bidirectional LSTM) and export them to
``assets/models/sentiment-<cell>/``.

    python -m cells.train.train_sentiment [--models lstm,gru,bilstm] [--out DIR]

The head (softmax over negative/positive) is applied at every word; the loss is on the output at
the last token of each sentence, which is what the app reads as the verdict (readout "last"). For
the bidirectional LSTM that output is [h_fwd, h_bwd] at the last token, as ``cells`` computes it.
Dropout on the embeddings and on the head's input, weight decay, and early stopping on the
validation part of the training split.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

import cells
from cells.tasks import sentiment
from cells.tasks.datautil import MODELS
from cells.tokenize import WordTokenizer
from cells.train import classify, seqtrain

SEED = 11
CONFIG = {
    "embedding_size": 96,
    "hidden_size": 128,
    "batch_size": 32,
    "max_epochs": 12,
    "patience": 3,
    "lr": 2e-3,
    "weight_decay": 1e-4,
    "emb_dropout": 0.5,
    "out_dropout": 0.3,
    "grad_clip": 1.0,
}
CELLS = {"lstm": ("lstm", False), "gru": ("gru", False), "bilstm": ("lstm", True)}
TITLES = {"lstm": "LSTM", "gru": "GRU", "bilstm": "bidirectional LSTM"}


def encode(data: list, tok: WordTokenizer) -> list[tuple[list[int], int]]:
    out = []
    for _, text, label in data:
        ids = [t.id for t in tok(text)]
        if ids:
            out.append((ids, label))
    return out


def build(name: str, out: Path, cfg: dict, split, tok: WordTokenizer) -> dict:
    fit, val, held = split
    cell, bidir = CELLS[name]
    model, log = classify.train(
        name,
        cell,
        encode(fit, tok),
        encode(val, tok),
        len(tok.vocab),
        len(sentiment.LABELS),
        cfg,
        SEED,
        bidirectional=bidir,
    )
    ident = f"sentiment-{name}"
    sample = sentiment.SAMPLES[1]
    verdict = (
        "the class probabilities after the last token (for the bidirectional LSTM: the head on"
        " [h_fwd, h_bwd] at the last token, where the backward half has read only that token)"
    )
    card = {
        "id": ident,
        "title": f"Sentiment {TITLES[name]}, word by word",
        "task": sentiment.TASK,
        "task_title": sentiment.TITLE,
        "summary": "",
        "head": {"readout": "last", "labels": sentiment.LABELS, "verdict": verdict},
        "training": {
            "data": "assets/data/sentiment/vader_movie_amazon.tsv.gz (label column pos/neg):"
            f" {len(fit)} training and {len(val)} validation sentences; {len(held)} held out"
            f" (15%, seed {sentiment.SEED})",
            "command": f"python -m cells.train.train_sentiment --models {name}",
            "seed": SEED,
            "epochs": log["best_epoch"],
            "seconds": log["seconds"],
            "early_stopping": log,
            "loss": "cross-entropy of the head's output at the last token",
            "optimizer": "AdamW",
            **cfg,
        },
        "samples": sentiment.SAMPLES + sentiment.held_out_samples(3),
        "notable_units": [],
        "notices": ["licenses/vaderSentiment.LICENSE.txt"],
        "date": seqtrain.DATE,
    }
    metrics = seqtrain.export(
        out / ident,
        model,
        tokenizer=tok.config(),
        card=card,
        evaluate=lambda m: sentiment.evaluate(m, held),
        summarize=lambda m: f"held-out accuracy {100 * m['accuracy']:.1f}%",
        check=(torch.tensor([t.id for t in tok(sample)]), sample),
        labels=sentiment.LABELS,
    )
    path = out / ident / "card.json"
    full = json.loads(path.read_text("utf-8"))
    who = f"{seqtrain.a_or_an(TITLES[name]).title()} {TITLES[name]}"
    full["summary"] = (
        f"{who} of {cfg['hidden_size']} units reading movie-review and product-review"
        " sentences word by word, trained to call each sentence positive or negative after its last"
        f" word; {100 * metrics['accuracy']:.1f}% right on {metrics['held_out_sentences']}"
        " held-out sentences."
    )
    found = sentiment.verdict_units(cells.load(out / ident), held)
    full["verdict_unit_correlations"] = [{"unit": u, "r": r} for u, r in found]
    unit, r = found[0]
    if abs(r) >= 0.5:
        full["notable_units"] = [
            {
                "layer": 0,
                "direction": 0,
                "unit": unit,
                "what": "a sentiment unit: its h after the last word is"
                f" {'high' if r > 0 else 'low'} for positive sentences (correlation"
                f" r = {r:.2f} with the true label over held-out sentences)",
            }
        ]
    seqtrain.write_card(out / ident, full)
    return metrics


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="lstm,gru,bilstm")
    ap.add_argument("--out", type=Path, default=MODELS)
    ap.add_argument("--epochs", type=int, default=None, help="override (pilot runs)")
    args = ap.parse_args(argv)
    cfg = dict(CONFIG)
    if args.epochs is not None:
        cfg["max_epochs"] = args.epochs
    split = sentiment.split()
    tok = WordTokenizer(sentiment.build_vocab(split[0]), lowercase=True)
    for name in args.models.split(","):
        build(name, args.out, cfg, split, tok)


if __name__ == "__main__":
    main()
