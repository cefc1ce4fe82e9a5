"""NumPy-only helpers shared by the tasks: asset paths, gzip text, seeded held-out splits, the text
of a token."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "assets" / "data"
MODELS = ROOT / "assets" / "models"


def read_lines(path: Path) -> list[str]:
    """Non-empty lines of a (possibly gzipped) UTF-8 text file, without their line ends."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def split_indices(n: int, frac: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A fixed seeded split of range(n): (kept, held_out) index arrays, both sorted."""
    order = np.random.default_rng(seed).permutation(n)
    k = max(1, int(round(n * frac)))
    return np.sort(order[k:]), np.sort(order[:k])


def log_prob(probs: np.ndarray, targets: np.ndarray) -> np.ndarray:  # (T, K), (T,) -> (T,)
    """log p(target) per step, floored so that a zero probability costs a finite amount."""
    p = probs[np.arange(len(targets)), targets].astype(np.float64)
    return np.log(np.maximum(p, 1e-30))


def token_text(token: Any) -> str:
    """The text of a token: a ``cells.Token``'s ``.text``, or the string itself."""
    return getattr(token, "text", token)
