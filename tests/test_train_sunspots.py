"""Sunspots: a short training run lowers the loss; evaluate() reads a tiny export in data units."""

import numpy as np
import torch

import cells
from cells.tasks import sunspots
from cells.train import train_sunspots

TINY = dict(train_sunspots.CONFIG, hidden_size=8, max_epochs=10, check_every_epochs=5)


def _z():
    _, values = sunspots.series()
    start = sunspots.split_point(len(values))
    mean, std = values[:start].mean(), values[:start].std()
    return (values[:start] - mean) / std, float(mean), float(std)


def test_series_and_split():
    years, values = sunspots.series()
    start = sunspots.split_point(len(values))
    assert years[0] == 1700 and len(values) == 309
    assert 0.15 <= (len(values) - start) / len(values) <= 0.20


def test_short_training_lowers_the_loss():
    z, _, _ = _z()
    x, y = train_sunspots.windows(z, 100)

    def mse(model):
        with torch.no_grad():
            return float(torch.nn.functional.mse_loss(model(x)[0], y))

    before, _ = train_sunspots.train("lstm", z, dict(TINY, max_epochs=5, lr=0.0))
    after, _ = train_sunspots.train("lstm", z, TINY)
    assert mse(after) < mse(before) - 0.05


def test_evaluate_on_a_tiny_export(tmp_path):
    z, mean, std = _z()
    model, _ = train_sunspots.train("gru", z, dict(TINY, max_epochs=5))
    text = sunspots.samples()[0]
    x = (torch.tensor([float(v) for v in text.split(",")]) - mean) / std
    folder = tmp_path / "sunspots-tiny"
    from cells.train import seqtrain

    metrics = seqtrain.export(
        folder,
        model,
        tokenizer={"kind": "values", "vocab": [], "lowercase": False},
        card={
            "id": "sunspots-tiny",
            "input": {"kind": "values", "mean": mean, "std": std},
            "head": {"readout": "every", "scale": std, "shift": mean},
            "training": {},
        },
        evaluate=sunspots.evaluate,
        summarize=lambda m: f"{m['rmse']}",
        check=(x[:, None], text),
        head_activation="linear",
        labels=["next value"],
    )
    assert metrics["held_out_points"] == 309 - sunspots.split_point(309)
    assert metrics["naive_rmse"] > 10 and np.isfinite(metrics["rmse"])
    assert abs(metrics["rmse_ratio_to_naive"] - metrics["rmse"] / metrics["naive_rmse"]) < 1e-3
    out = cells.trace(cells.load(folder), text).outputs
    assert out.shape == (40, 1) and 0 < float(out[-1, 0]) < 400  # data units, not standardized
