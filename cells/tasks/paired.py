"""Paired comparison of two classifiers on the same items: the exact McNemar test."""

from __future__ import annotations

from math import comb

import numpy as np


def discordant(right_a: np.ndarray, right_b: np.ndarray) -> tuple[int, int]:
    """(items only A gets right, items only B gets right) from two (N,) boolean arrays."""
    a, b = np.asarray(right_a, bool), np.asarray(right_b, bool)
    if a.shape != b.shape:
        raise ValueError(f"paired results must have the same shape, got {a.shape} and {b.shape}")
    return int(np.sum(a & ~b)), int(np.sum(~a & b))


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: under the null each of the n = only_a + only_b discordant
    items favours A or B with probability 1/2, so p = min(1, 2 · P(Bin(n, 1/2) ≤ min(a, b)))."""
    if only_a < 0 or only_b < 0:
        raise ValueError(f"discordant counts must be >= 0, got {only_a} and {only_b}")
    n, k = only_a + only_b, min(only_a, only_b)
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(k + 1))  # exact integers
    return min(1.0, 2 * tail / 2**n)
