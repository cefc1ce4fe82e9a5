"""The output head: a linear map of the top layer's output at every step, then its activation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("softmax", "sigmoid", "linear")


@dataclass
class Head:
    weight: np.ndarray  # (K, D*H)
    bias: np.ndarray | None  # (K,)
    activation: str = "softmax"  # "softmax" | "sigmoid" | "linear"
    labels: tuple[str, ...] = ()
    scale: float = 1.0  # linear heads: value = raw·scale + shift (undoes target normalisation)
    shift: float = 0.0

    def logits(self, top: np.ndarray) -> np.ndarray:  # (T, D*H) -> (T, K)
        z = top @ self.weight.T
        return z + self.bias if self.bias is not None else z

    def apply(self, top: np.ndarray) -> np.ndarray:  # (T, D*H) -> (T, K)
        z = self.logits(top).astype(np.float32)
        if self.activation == "softmax":
            z = np.exp(z - z.max(axis=1, keepdims=True)) if len(z) else z
            return z / z.sum(axis=1, keepdims=True) if len(z) else z
        if self.activation == "sigmoid":
            return 0.5 * np.tanh(0.5 * z) + 0.5
        return z * np.float32(self.scale) + np.float32(self.shift)
