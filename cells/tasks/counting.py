"""Counting languages aⁿbⁿ and aⁿbⁿcⁿ as next-symbol prediction (NumPy only).

A string is ``"$" + "a"*n + "b"*n`` (``+ "c"*n`` for aⁿbⁿcⁿ), n ≥ 1. After every symbol the model
predicts, one sigmoid per symbol, the SET of symbols that may come next in some string of the
language ("$" marks the end):

    after "$"            {a}
    after a^k (k ≥ 1)    {a, b}
    after a^n b^j        {b} while j < n, then {$} (aⁿbⁿ) or {c} (aⁿbⁿcⁿ) at j = n
    after a^n b^n c^m    {c} while m < n, then {$} at m = n

A model is right on n when at every step every symbol's prediction (> 0.5) equals the true set,
so it must know exactly when the b's (and c's) end. Following Weiss, Goldberg and Yahav (2018),
the held-out metric is how far beyond the training bound this holds for every n.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import cells
from cells.tasks.datautil import token_text

LANGS: dict[str, str] = {"anbn": "ab", "anbncn": "abc"}
TITLES = {"anbn": "Counting: aⁿbⁿ", "anbncn": "Counting: aⁿbⁿcⁿ"}
END = "$"
TRAIN_MAX_N = 50  # training strings use n in 1..TRAIN_MAX_N
EVAL_MAX_N = 1000  # evaluate n in 1..EVAL_MAX_N, stopping at the first failure


def letters(task: str) -> str:
    if task not in LANGS:
        raise ValueError(f"counting task: expected one of {sorted(LANGS)}, got {task!r}")
    return LANGS[task]


def vocab(task: str) -> list[str]:
    """Char-tokenizer vocabulary: ``["<unk>", "$", "a", "b"(, "c")]``."""
    return ["<unk>", END, *letters(task)]


def labels(task: str) -> list[str]:
    """Head labels (one sigmoid each): the letters, then the end marker."""
    return [*letters(task), END]


def string(task: str, n: int) -> str:
    return END + "".join(ch * n for ch in letters(task))


def targets(task: str, n: int) -> np.ndarray:  # (T, K) 0/1, T = 1 + len(letters)*n
    """The set of allowed next symbols after each symbol of ``string(task, n)``."""
    lets = letters(task)
    k = len(lets) + 1  # labels: letters then "$"
    y = np.zeros((1 + len(lets) * n, k), np.float32)
    y[0, 0] = 1.0  # after "$": a
    y[1 : n + 1, 0:2] = 1.0  # after a^k: a or b
    for p in range(1, len(lets)):  # b phase (p=1), c phase (p=2)
        start = 1 + p * n  # index of the first symbol of this phase
        y[start : start + n - 1, p] = 1.0  # more of the same letter
        y[start + n - 1, p + 1] = 1.0  # the next letter, or "$" after the last phase
    return y


def running_difference(tokens: Sequence, plus: str, minus: str) -> np.ndarray:  # (T,)
    """#plus − #minus among the tokens read so far (including the current one). Tokens may be
    strings or ``cells.Token``s."""
    steps = [(token_text(t) == plus) - (token_text(t) == minus) for t in tokens]
    return np.cumsum(np.array(steps, dtype=np.float64)) if steps else np.zeros(0)


def count_a_minus_b(tokens: Sequence) -> np.ndarray:  # (T,)
    """The aⁿbⁿ counter, after reading each token: #a − #b so far ("$aaabbb" -> 0 1 2 3 2 1 0)."""
    return running_difference(tokens, "a", "b")


def count_b_minus_c(tokens: Sequence) -> np.ndarray:  # (T,)
    """The second counter of aⁿbⁿcⁿ: #b − #c so far ("$aabbcc" -> 0 0 0 1 2 1 0)."""
    return running_difference(tokens, "b", "c")


# the counters each language needs: (name, extractor over the tokens)
COUNTERS = {
    "anbn": [("#a - #b", count_a_minus_b)],
    "anbncn": [("#a - #b", count_a_minus_b), ("#b - #c", count_b_minus_c)],
}


def running_counts(task: str, n: int) -> dict[str, np.ndarray]:  # name -> (T,)
    """The counters a counting network must keep, after each symbol of ``string(task, n)``."""
    s = list(string(task, n))
    return {name: extract(s) for name, extract in COUNTERS[task]}


def _state(tr: cells.Trace, t: int) -> tuple[np.ndarray, np.ndarray | None]:  # (1, H) each
    g = tr.gates(0, 0)
    return g["h"][t : t + 1], (g["c"][t : t + 1] if "c" in g else None)


def _prefix_ok(model: cells.Model, task: str, max_n: int) -> tuple[cells.Trace, np.ndarray]:
    """Trace "$a^max_n" once; ok[n] says whether every step of "$a^n" is right."""
    if model.recurrent.num_layers != 1 or model.recurrent.bidirectional:
        raise ValueError("counting: expected a one-layer unidirectional model")
    letters(task)
    prefix = cells.trace(model, END + "a" * max_n)
    pred = prefix.outputs > 0.5  # (max_n+1, K)
    want = np.zeros_like(pred)
    want[0, 0] = True  # after "$": a
    want[1:, 0:2] = True  # after a^k: a or b
    return prefix, np.logical_and.accumulate((pred == want).all(axis=1))


def _right_on(model: cells.Model, task: str, n: int, prefix: cells.Trace, ok: np.ndarray) -> bool:
    """Whether the model is right at every step of ``string(task, n)``.

    The rest after "$a^n" is run from the traced state after the a's (``cells.run`` with h0/c0).
    """
    if not ok[n]:
        return False
    rest = "".join(ch * n for ch in letters(task)[1:])
    x = model.embed(model.tokenizer(rest))  # ((len-1)*n, I)
    h0, c0 = _state(prefix, n)
    out = cells.run(model, x, h0, c0).outputs > 0.5  # ((len-1)*n, K)
    return bool((out == (targets(task, n)[n + 1 :] > 0.5)).all())


def check(model: cells.Model, task: str, max_n: int = EVAL_MAX_N) -> int:
    """First n in 1..max_n the model gets wrong, or 0 if it is right on all of them."""
    prefix, ok = _prefix_ok(model, task, max_n)
    for n in range(1, max_n + 1):
        if not _right_on(model, task, n, prefix, ok):
            return n
    return 0


def evaluate(model: cells.Model, max_n: int = EVAL_MAX_N) -> dict:
    """Held-out metrics: the largest n up to which the model is right on every n (cells only)."""
    task = model.card.task
    train_max = int(model.card.training.get("max_n", TRAIN_MAX_N))
    first_wrong = check(model, task, max_n)
    best = max_n if first_wrong == 0 else first_wrong - 1
    return {
        "max_n_all_correct": best,
        "first_wrong_n": first_wrong,  # 0: none wrong up to checked_up_to
        "checked_up_to": max_n,
        "train_max_n": train_max,
        "generalizes_beyond_training": int(best > train_max),
    }


def counting_units(model: cells.Model, task: str, n: int = TRAIN_MAX_N) -> list[dict]:
    """For each counter, the unit whose cell state c (LSTM) or h best tracks it on n and 2n."""
    found = []
    for name in running_counts(task, n):
        best = (0.0, 0, "h")
        g1 = cells.trace(model, string(task, n)).gates(0, 0)
        g2 = cells.trace(model, string(task, 2 * n)).gates(0, 0)
        key = "c" if "c" in g1 else "h"
        states = np.concatenate([g1[key], g2[key]])  # (T1+T2, H)
        target = np.concatenate([running_counts(task, n)[name], running_counts(task, 2 * n)[name]])
        for unit in range(states.shape[1]):
            col = states[:, unit].astype(np.float64)
            if col.std() < 1e-9:
                continue
            r = float(np.corrcoef(col, target)[0, 1])
            if abs(r) > abs(best[0]):
                best = (r, unit, key)
        r, unit, key = best
        found.append(
            {
                "layer": 0,
                "direction": 0,
                "unit": int(unit),
                "what": f"counter: its {'cell state c' if key == 'c' else 'hidden state h'}"
                f" follows {name} (correlation {r:+.3f} on n={n} and n={2 * n})",
                "gate": key,
                "correlation": round(r, 4),
            }
        )
    return found
