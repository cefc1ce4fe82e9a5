"""The two squashing functions of every cell, in float32, optionally written into ``out``."""

from __future__ import annotations

import weakref

import numpy as np

# A 0-d array, not a Python or NumPy scalar: NumPy multiplies a vector by a 0-d array on its plain
# array path, ~30 % faster per call than by a scalar (that matters ~10 times per step in a cell).
HALF = np.array(0.5, np.float32)


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(x) = 1 / (1 + e^(−x)), computed as ½·tanh(½x) + ½, which never overflows."""
    if out is None:
        out = np.empty(np.shape(x), np.float32)
    np.multiply(x, HALF, out=out)
    np.tanh(out, out=out)
    out *= HALF
    out += HALF
    return out


def tanh(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """tanh(x) in float32."""
    if out is None:
        return np.tanh(x, dtype=np.float32)
    return np.tanh(x, out=out)


def aligned(a: np.ndarray, alignment: int = 64) -> np.ndarray:
    """A C-contiguous float32 copy of ``a`` whose data starts on an ``alignment``-byte boundary.

    OpenBLAS's vector × matrix product is ~1.4× faster on a 32-byte-aligned matrix than on one that
    NumPy happened to place at 16 bytes past a boundary; the step loops call it once per step.
    """
    a = np.asarray(a, dtype=np.float32)
    buf = np.empty(a.size + alignment // 4, np.float32)
    start = (-buf.ctypes.data % alignment) // 4
    out = buf[start : start + a.size].reshape(a.shape)
    out[...] = a
    return out


# id of a read-only matrix -> (a weak reference to it, its aligned transpose)
_transposed: dict[int, tuple[weakref.ref, np.ndarray]] = {}


def aligned_transpose(w: np.ndarray) -> np.ndarray:
    """``aligned(w.T)``: the step loops' (H, blocks·H) recurrent matrix.

    Copying a 2048 × 512 matrix transposed takes ~2–4 ms, a sixth of a 200-step trace, so for a
    matrix that cannot change (read-only and owning its data: the weights ``cells.Recurrent``
    keeps) the copy is made once and kept while the matrix lives. Any other matrix is copied anew.
    """
    if w.flags.writeable or w.base is not None or w.dtype != np.float32:
        return aligned(w.T)
    key = id(w)
    kept = _transposed.get(key)
    if kept is not None and kept[0]() is w:
        return kept[1]
    out = aligned(w.T)
    out.flags.writeable = False
    _transposed[key] = (weakref.ref(w, lambda _: _transposed.pop(key, None)), out)
    return out
