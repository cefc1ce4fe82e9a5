"""Train next-value forecasters of the yearly sunspot numbers (LSTM and GRU of 50 units, windows of
100 years, as in the seed article) and export them to ``assets/models/sunspots-<cell>/``.

    python -m cells.train.train_sunspots [--models lstm,gru] [--out DIR]

Every step of a window predicts the next year's value (readout "every"; mean squared error over all
steps, in standardized units). The last 15% of the training years is a validation part for early
stopping; the held-out years (the last 18% of the series) are never seen in training.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cells.tasks import sunspots
from cells.tasks.datautil import MODELS
from cells.tokenize import ValueTokenizer
from cells.train import seqtrain

SEED = 17
CONFIG = {
    "hidden_size": 50,
    "window": sunspots.WINDOW,
    "batch_size": 16,
    "max_epochs": 400,
    "patience_checks": 8,
    "check_every_epochs": 10,
    "lr": 3e-3,
    "weight_decay": 1e-4,
    "grad_clip": 1.0,
    "validation_fraction": 0.15,
}
TITLES = {"lstm": "LSTM", "gru": "GRU"}


def windows(z: np.ndarray, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All windows of ``length`` inputs with their next values: x, y (N, length, 1)."""
    starts = range(0, len(z) - length)
    x = np.stack([z[s : s + length] for s in starts])
    y = np.stack([z[s + 1 : s + length + 1] for s in starts])
    return (
        torch.tensor(x, dtype=torch.float32)[..., None],
        torch.tensor(y, dtype=torch.float32)[..., None],
    )


def val_rmse(model: seqtrain.SeqModel, z: np.ndarray, first: int, window: int) -> float:
    """Standardized RMSE of one-step forecasts of z[first:], each from the window before it."""
    model.eval()
    errs = []
    with torch.no_grad():
        for t in range(first, len(z)):
            ctx = torch.tensor(z[max(0, t - window) : t], dtype=torch.float32)[None, :, None]
            out, _ = model(ctx)
            errs.append(float(out[0, -1, 0]) - z[t])
    return float(np.sqrt(np.mean(np.square(errs))))


def train(cell: str, z: np.ndarray, cfg: dict) -> tuple[seqtrain.SeqModel, dict]:
    """z: the standardized training years. Returns the model with the best validation RMSE."""
    seqtrain.seed_all(SEED)
    first_val = len(z) - int(round(len(z) * cfg["validation_fraction"]))
    x, y = windows(z[:first_val], min(cfg["window"], first_val - 1))
    model = seqtrain.SeqModel(cell, None, 1, cfg["hidden_size"], 1)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    gen = torch.Generator().manual_seed(SEED)
    best, best_rmse, best_epoch, bad = None, float("inf"), 0, 0
    t0 = time.time()
    for epoch in range(1, cfg["max_epochs"] + 1):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        for s in range(0, len(x), cfg["batch_size"]):
            idx = order[s : s + cfg["batch_size"]]
            out, _ = model(x[idx])  # (B, W, 1)
            loss = nn.functional.mse_loss(out, y[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
            opt.step()
        if epoch % cfg["check_every_epochs"]:
            continue
        rmse = val_rmse(model, z, first_val, cfg["window"])
        print(
            f"{cell} epoch {epoch}: train mse {loss.item():.4f}, validation rmse {rmse:.4f}"
            f" (standardized), {time.time() - t0:.0f} s",
            flush=True,
        )
        if rmse < best_rmse:
            best, best_rmse, best_epoch, bad = copy.deepcopy(model.state_dict()), rmse, epoch, 0
        else:
            bad += 1
            if bad >= cfg["patience_checks"]:
                break
    model.load_state_dict(best)
    model.eval()
    return model, {
        "best_epoch": best_epoch,
        "epochs_run": epoch,
        "validation_rmse_standardized": round(best_rmse, 4),
        "seconds": round(time.time() - t0, 1),
    }


def build(cell: str, out: Path, cfg: dict) -> dict:
    years, values = sunspots.series()
    start = sunspots.split_point(len(values))
    mean, std = float(values[:start].mean()), float(values[:start].std())
    model, log = train(cell, (values[:start] - mean) / std, cfg)
    ident = f"sunspots-{cell}"
    card = {
        "id": ident,
        "title": f"Sunspot {TITLES[cell]}: next year's value",
        "task": sunspots.TASK,
        "task_title": sunspots.TITLE,
        "summary": "",
        "input": {"kind": "values", "mean": mean, "std": std},
        "head": {"readout": "every", "labels": ["next value"], "scale": std, "shift": mean},
        "training": {
            "data": f"assets/data/timeseries/sunspots.csv, years {int(years[0])}-"
            f"{int(years[start - 1])} (the last 15% of them for early stopping); years"
            f" {int(years[start])}-{int(years[-1])} held out",
            "command": f"python -m cells.train.train_sunspots --models {cell}",
            "seed": SEED,
            "epochs": log["best_epoch"],
            "seconds": log["seconds"],
            "early_stopping": log,
            "loss": "mean squared error of the next (standardized) value at every step",
            "optimizer": "AdamW",
            **cfg,
        },
        "samples": sunspots.samples(),
        "notable_units": [],
        "notices": [],
        "date": seqtrain.DATE,
    }
    text = sunspots.samples()[0]
    x = (torch.tensor([float(t.text) for t in ValueTokenizer()(text)]) - mean) / std
    metrics = seqtrain.export(
        out / ident,
        model,
        tokenizer={"kind": "values", "vocab": [], "lowercase": False},
        card=card,
        evaluate=sunspots.evaluate,
        summarize=lambda m: (
            f"held-out RMSE {m['rmse']:.1f} vs naive {m['naive_rmse']:.1f}"
            f" (ratio {m['rmse_ratio_to_naive']:.2f})"
        ),
        check=(x[:, None], text),
        head_activation="linear",
        labels=["next value"],
    )
    full = json.loads((out / ident / "card.json").read_text("utf-8"))
    who = f"{seqtrain.a_or_an(TITLES[cell]).title()} {TITLES[cell]}"
    full["summary"] = (
        f"{who} of {cfg['hidden_size']} units reading yearly sunspot numbers and"
        f" forecasting the next year; on the held-out years {metrics['held_out_years']} its RMSE is"
        f" {metrics['rmse']:.1f} against {metrics['naive_rmse']:.1f} for 'same as last year'"
        f" ({100 * metrics['rmse_ratio_to_naive']:.0f}%)."
    )
    seqtrain.write_card(out / ident, full)
    return metrics


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="lstm,gru")
    ap.add_argument("--out", type=Path, default=MODELS)
    args = ap.parse_args(argv)
    for cell in args.models.split(","):
        build(cell, args.out, dict(CONFIG))


if __name__ == "__main__":
    main()
