"""Interpolated Kneser-Ney character n-gram: the classic baseline of the character LMs (NumPy).

    python -m cells.tasks.ngram            # choose the order, then score the held-out split

Each paragraph is one sequence, padded on the left with ``order - 1`` separators (the newline that
joins paragraphs in the char LMs' training stream) and closed by one; the n-grams are counted per
paragraph. An n-gram is a base-V integer (V = the vocabulary's size, the oldest character most
significant) so that counting is ``np.unique``. Kneser & Ney (1995), interpolated as in Chen &
Goodman (1998): at the top order the counts are raw, below it they are continuation counts (the
number of distinct characters seen before the n-gram), one absolute discount per order
``D = n1 / (n1 + 2 n2)``, and the lowest order is interpolated with the uniform distribution, so
every character of the vocabulary has a probability above zero and they sum to one::

    P_k(w | h) = (max(c(h w) - D_k, 0) + D_k · N1+(h •) · P_{k-1}(w | h')) / c(h •)

(h' is h without its oldest character; where c(h •) = 0, P_k = P_{k-1}.)

Scoring reads exactly what ``charlm.evaluate`` scores: every character of a paragraph after its
first, given the paragraph's earlier characters. The order is chosen on ``charlm.fit_split``'s
validation paragraphs with counts from the other training paragraphs; the baseline is then counted
on all the training paragraphs (those the shipped char LMs were trained on) and scored on the
held-out evaluation paragraphs. Counts are cached in memory only.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cells.tasks import charlm

ORDERS = tuple(range(1, 11))  # tried on the validation paragraphs; 10 is the most base-83 ids allow


def max_order(vocab_size: int) -> int:
    """The longest n-gram whose base-V code fits in an unsigned 64-bit integer."""
    n = 1
    while vocab_size ** (n + 1) < 2**64:
        n += 1
    return n


@dataclass(frozen=True)
class Level:
    """One order k: the sorted n-gram codes with their (raw or continuation) counts, its discount,
    and per context (the code without the last character): total count and number of types."""

    k: int
    grams: np.ndarray  # (G,) uint64, sorted
    counts: np.ndarray  # (G,) float64
    discount: float
    contexts: np.ndarray  # (C,) uint64, sorted
    context_totals: np.ndarray  # (C,) float64
    context_types: np.ndarray  # (C,) float64


@dataclass(frozen=True)
class CountTable:
    """Raw counts of every order up to ``top`` and continuation counts below it."""

    vocab_size: int
    pad_id: int
    top: int
    raw: tuple[tuple[np.ndarray, np.ndarray], ...]  # [k-1] -> (grams, counts)
    continuation: tuple[tuple[np.ndarray, np.ndarray], ...]  # [k-1] for k < top


def padded_stream(paras: Sequence[np.ndarray], pad: int, pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Paragraphs (ids) as one uint64 stream, each as ``pad`` × pad_id + ids + pad_id, and the
    positions of every character after the padding (the ones an n-gram predicts): (N,), (M,)."""
    parts, targets, at = [], [], 0
    for p in paras:
        parts += [np.full(pad, pad_id, dtype=np.uint64), p.astype(np.uint64), np.array([pad_id], np.uint64)]
        targets.append(np.arange(at + pad, at + pad + len(p) + 1))
        at += pad + len(p) + 1
    empty = np.zeros(0, np.uint64)
    return (np.concatenate(parts) if parts else empty,
            np.concatenate(targets) if targets else np.zeros(0, np.int64))


def gram_codes(stream: np.ndarray, positions: np.ndarray, k: int, base: int) -> np.ndarray:
    """The base-``base`` codes of the k characters ending at each position: (M,) uint64."""
    b = np.uint64(base)
    code = np.zeros(len(positions), np.uint64)
    for j in range(k - 1, -1, -1):  # the oldest character first, most significant
        code = code * b + stream[positions - j]
    return code


def count(paras: Sequence[np.ndarray], vocab_size: int, pad_id: int, top: int) -> CountTable:
    """Raw counts of orders 1..top and continuation counts of orders 1..top-1."""
    if not 1 <= top <= max_order(vocab_size):
        raise ValueError(f"top: expected 1..{max_order(vocab_size)} for {vocab_size} symbols, got {top}")
    stream, positions = padded_stream(paras, top - 1, pad_id)
    raw = tuple(np.unique(gram_codes(stream, positions, k, vocab_size), return_counts=True)
                for k in range(1, top + 1))
    continuation = tuple(
        np.unique(raw[k][0] % np.uint64(vocab_size**k), return_counts=True)  # suffixes of k+1-grams
        for k in range(1, top)
    )
    return CountTable(vocab_size, pad_id, top, raw, continuation)


def level(k: int, grams: np.ndarray, counts: np.ndarray, base: int) -> Level:
    counts = counts.astype(np.float64)
    n1, n2 = float((counts == 1).sum()), float((counts == 2).sum())
    # Chen & Goodman's estimate; a table too small to have both singletons and doubletons gets 0.5,
    # so that the uniform distribution below still gives every character some probability
    discount = n1 / (n1 + 2 * n2) if n1 > 0 and n2 > 0 else 0.5
    heads = grams // np.uint64(base)  # sorted, as grams are
    contexts, starts, types = np.unique(heads, return_index=True, return_counts=True)
    totals = np.add.reduceat(counts, starts) if len(counts) else np.zeros(0)
    return Level(k, grams, counts, discount, contexts, totals, types.astype(np.float64))


class KneserNey:
    """An interpolated Kneser-Ney model of one order, built from a CountTable."""

    def __init__(self, table: CountTable, order: int):
        if not 1 <= order <= table.top:
            raise ValueError(f"order: expected 1..{table.top} (what was counted), got {order}")
        self.order, self.vocab_size, self.pad_id = order, table.vocab_size, table.pad_id
        self.levels = [
            level(k, *(table.raw[k - 1] if k == order else table.continuation[k - 1]), table.vocab_size)
            for k in range(1, order + 1)
        ]

    def prob(self, codes: np.ndarray) -> np.ndarray:  # (N,) uint64 order-grams -> (N,) float64
        """P(last character | the order-1 before it) of each base-V n-gram code."""
        base = np.uint64(self.vocab_size)
        p = np.full(len(codes), 1.0 / self.vocab_size)
        for lv in self.levels:
            g = codes % np.uint64(self.vocab_size**lv.k)  # the k-gram ending at the target
            h = g // base
            ci = np.minimum(np.searchsorted(lv.contexts, h), max(len(lv.contexts) - 1, 0))
            found = lv.contexts[ci] == h if len(lv.contexts) else np.zeros(len(codes), bool)
            gi = np.minimum(np.searchsorted(lv.grams, g), max(len(lv.grams) - 1, 0))
            c = np.where(lv.grams[gi] == g, lv.counts[gi], 0.0) if len(lv.grams) else 0.0
            total, types = lv.context_totals[ci], lv.context_types[ci]
            mixed = (np.maximum(c - lv.discount, 0.0) + lv.discount * types * p) / np.where(found, total, 1)
            p = np.where(found, mixed, p)
        return p

    def distribution(self, context: Sequence[int]) -> np.ndarray:  # -> (V,)
        """P(w | context) for every w of the vocabulary; the context is left-padded as a paragraph's
        start is (its last order-1 ids count)."""
        ctx = [self.pad_id] * (self.order - 1) + list(context)
        ctx = ctx[len(ctx) - (self.order - 1):] if self.order > 1 else []
        code = 0
        for i in ctx:
            code = code * self.vocab_size + int(i)
        codes = np.uint64(code) * np.uint64(self.vocab_size) + np.arange(self.vocab_size, dtype=np.uint64)
        return self.prob(codes)

    def log_probs(self, paras: Sequence[np.ndarray]) -> np.ndarray:  # -> (M,)
        """log P of every character after the first of each paragraph: what charlm.evaluate scores."""
        return np.log(self.prob(self.scored_codes(paras)))

    def top1(self, paras: Sequence[np.ndarray], chunk: int = 4096) -> np.ndarray:  # -> (M,) bool
        """Whether the most probable character is the right one, at the positions ``log_probs``
        scores (ties go to the lowest id, as ``argmax`` does for the char LMs)."""
        codes = self.scored_codes(paras)
        v = np.uint64(self.vocab_size)
        every = np.arange(self.vocab_size, dtype=np.uint64)  # (V,)
        out = np.zeros(len(codes), bool)
        for at in range(0, len(codes), chunk):
            part = codes[at : at + chunk]  # (C,)
            grid = (part // v)[:, None] * v + every[None, :]  # (C, V): each context, every w
            best = self.prob(grid.ravel()).reshape(grid.shape).argmax(axis=1)
            out[at : at + chunk] = best == (part % v).astype(np.int64)
        return out

    def scored_codes(self, paras: Sequence[np.ndarray]) -> np.ndarray:  # -> (M,) uint64
        """The order-gram codes ending at every character after the first of each paragraph."""
        stream, positions = padded_stream(paras, self.order - 1, self.pad_id)
        first, keep, at = np.zeros(len(positions), bool), np.ones(len(positions), bool), 0
        for p in paras:  # drop each paragraph's first character and its closing separator
            first[at] = True
            keep[at + len(p)] = False
            at += len(p) + 1
        scored = positions[keep & ~first]
        return gram_codes(stream, scored, self.order, self.vocab_size)


def nats_per_char(model: KneserNey, paras: Sequence[np.ndarray]) -> float:
    lp = model.log_probs([p for p in paras if len(p) >= 2])
    return float(-lp.mean()) if len(lp) else float("nan")


def choose_order(table: CountTable, validation: Sequence[np.ndarray],
                 orders: Sequence[int] = ORDERS) -> tuple[int, dict[int, float]]:
    """The order with the lowest validation nats/char, and every order's score."""
    scores = {n: nats_per_char(KneserNey(table, n), validation) for n in orders if n <= table.top}
    return min(scores, key=scores.get), scores


@functools.lru_cache(maxsize=1)
def _vocab() -> tuple[tuple[str, ...], list[str], list[str]]:
    train, held = charlm.split()
    return tuple(charlm.build_vocab(train)), train, held


@functools.lru_cache(maxsize=2)
def baseline(orders: tuple[int, ...] = ORDERS) -> dict:
    """The KN baseline of the char LMs: the order chosen on the validation paragraphs (counts from
    the other training paragraphs), then counted on all the training paragraphs and scored on the
    held-out evaluation paragraphs (those of ``charlm.evaluate``). Cached in memory."""
    vocab, train, held = _vocab()
    ids = functools.partial(charlm.char_ids, vocab=vocab)
    pad = vocab.index(charlm.SEPARATOR)
    fit, val = charlm.fit_split(train)
    top = max(orders)
    best, scores = choose_order(count(list(map(ids, fit)), len(vocab), pad, top), list(map(ids, val)),
                                orders)
    model = KneserNey(count(list(map(ids, train)), len(vocab), pad, best), best)
    texts = charlm.eval_paragraphs(held)
    paras = [ids(t) for t in texts]
    lp = model.log_probs(paras)
    nats = float(-lp.mean())
    return {
        "model": f"Kneser-Ney {best}-gram",
        "order": best,
        "validation_nats_per_char": {n: round(v, 4) for n, v in scores.items()},
        "nats_per_char": round(nats, 4),
        "bits_per_char": round(nats / np.log(2), 4),
        "top1_accuracy": round(float(model.top1(paras).mean()), 4),
        "eval_chars": int(len(lp)),
        "eval_paragraphs": len(texts),
    }


def main() -> None:
    t0 = time.time()
    result = baseline()
    for n, v in result["validation_nats_per_char"].items():
        print(f"order {n:2d}: validation {v:.4f} nats/char" + ("  <- chosen" if n == result["order"] else ""))
    print(f"{result['model']} on the held-out split: {result['nats_per_char']:.4f} nats/char"
          f" ({result['bits_per_char']:.4f} bits/char, top-1 accuracy {result['top1_accuracy']:.4f})"
          f" over {result['eval_chars']} characters"
          f" [{time.time() - t0:.0f} s]", file=sys.stdout)


if __name__ == "__main__":
    main()
