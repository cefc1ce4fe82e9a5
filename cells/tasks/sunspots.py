"""Next value of a time series: yearly sunspot numbers, 1700-2008.

``assets/data/timeseries/sunspots.csv`` (YEAR, SUNACTIVITY). The last 18% of the years are held
out. ``evaluate`` forecasts every held-out year from the WINDOW values before it (read by ``cells``
with the "values" tokenizer; readout "every", so the last step's output is the forecast) and
compares RMSE and MAE with the naive forecast "same as last year".
"""

from __future__ import annotations

import csv

import numpy as np

import cells
from cells.tasks.datautil import DATA

TASK = "sunspots"
TITLE = "Next value of a time series"
FILE = DATA / "timeseries" / "sunspots.csv"
HELD_OUT = 0.18
WINDOW = 100


def series() -> tuple[np.ndarray, np.ndarray]:
    """(years, values), both (N,) float64."""
    with FILE.open(newline="") as f:
        rows = [(float(r["YEAR"]), float(r["SUNACTIVITY"])) for r in csv.DictReader(f)]
    arr = np.array(rows)
    return arr[:, 0], arr[:, 1]


def split_point(n: int) -> int:
    """Index of the first held-out value."""
    return n - int(round(n * HELD_OUT))


def as_text(values: np.ndarray) -> str:
    return ", ".join(f"{v:g}" for v in values)


def evaluate(model: cells.Model, window: int = WINDOW) -> dict:
    """Held-out one-step-ahead forecasts against the naive last-value forecast."""
    years, values = series()
    start = split_point(len(values))
    preds, targets, naive = [], [], []
    for t in range(start, len(values)):
        ctx = values[max(0, t - window) : t]
        out = cells.trace(model, as_text(ctx)).outputs  # (T, 1)
        preds.append(float(out[-1, 0]))
        targets.append(values[t])
        naive.append(values[t - 1])
    p, y, z = np.array(preds), np.array(targets), np.array(naive)
    rmse, mae = float(np.sqrt(np.mean((p - y) ** 2))), float(np.mean(np.abs(p - y)))
    n_rmse, n_mae = float(np.sqrt(np.mean((z - y) ** 2))), float(np.mean(np.abs(z - y)))
    return {
        "rmse": round(rmse, 3),
        "mae": round(mae, 3),
        "naive_rmse": round(n_rmse, 3),
        "naive_mae": round(n_mae, 3),
        "rmse_ratio_to_naive": round(rmse / n_rmse, 4),
        "mae_ratio_to_naive": round(mae / n_mae, 4),
        "held_out_years": f"{int(years[start])}-{int(years[-1])}",
        "held_out_points": len(y),
        "context_window": window,
    }


def samples(k: int = 3, length: int = 40) -> list[str]:
    """Comma-separated windows of held-out years (the last ones overlap the training years)."""
    _, values = series()
    start = split_point(len(values))
    ends = np.linspace(start + 12, len(values), k).astype(int)
    return [as_text(values[e - length : e]) for e in ends]
