"""Find the unit: rank units by how well they track a known hidden variable of the input.

For tasks whose hidden state is known in advance — the running count in aⁿbⁿ, whether the reader is
inside a quotation, the number of the sentence's subject — compute the variable at every token
(``count_a_minus_b``, ``inside_quotes``, ``subject_number``) and rank the units of any gate or state
by the absolute Pearson correlation over steps:

    r_u = Σ_t (v_tu − v̄_u)(y_t − ȳ) / √(Σ_t (v_tu − v̄_u)² · Σ_t (y_t − ȳ)²),    score_u = |r_u|

A unit (or a target) that does not vary over the steps gets r = 0 rather than a division by zero.
Every extractor gives the variable *after* reading each token, the same moment as the trace's row.
Tokens may be strings or ``cells.Token``s.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _text(token) -> str:
    return getattr(token, "text", token)


def rank_units(
    values: np.ndarray,  # (T, H) one gate or state over the steps
    target: np.ndarray,  # (T,) the hidden variable at each step
    mask: np.ndarray | None = None,  # (T,) bool: the steps to use (None: all)
) -> list[tuple[int, float, float]]:
    """``[(unit, score, correlation), ...]`` best first: score = |Pearson r| of the unit's values
    with ``target`` over the (masked) steps. Constant units, or a constant target, score 0."""
    v = np.asarray(values, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64)
    if v.ndim != 2 or y.shape != (v.shape[0],):
        raise ValueError(f"rank_units: expected values (T, H) and target (T,), got {v.shape}, {y.shape}")
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != y.shape:
            raise ValueError(f"rank_units: mask must have shape {y.shape}, got {m.shape}")
        v, y = v[m], y[m]
    r = np.zeros(v.shape[1])
    # max − min is exact, so a constant column is recognised without rounding noise in its mean
    varying = (v.shape[0] > 1) & (np.ptp(v, axis=0) > 0) if len(v) else np.zeros(v.shape[1], bool)
    if len(y) > 1 and np.ptp(y) > 0 and varying.any():
        vc = v[:, varying] - v[:, varying].mean(axis=0)  # (T, H')
        yc = y - y.mean()  # (T,)
        r[varying] = (yc @ vc) / np.sqrt((vc * vc).sum(axis=0) * (yc @ yc))
        r = np.clip(r, -1.0, 1.0)
    order = sorted(range(len(r)), key=lambda u: (-abs(r[u]), u))
    return [(int(u), float(abs(r[u])), float(r[u])) for u in order]


def running_difference(tokens: Sequence, plus: str, minus: str) -> np.ndarray:  # (T,)
    """#plus − #minus among the tokens read so far (including the current one)."""
    steps = [(_text(t) == plus) - (_text(t) == minus) for t in tokens]
    return np.cumsum(np.array(steps, dtype=np.float64)) if steps else np.zeros(0)


def count_a_minus_b(tokens: Sequence) -> np.ndarray:  # (T,)
    """The aⁿbⁿ counter: #a − #b so far ("$aaabbb" -> 0 1 2 3 2 1 0)."""
    return running_difference(tokens, "a", "b")


def count_b_minus_c(tokens: Sequence) -> np.ndarray:  # (T,)
    """The second counter of aⁿbⁿcⁿ: #b − #c so far ("$aabbcc" -> 0 0 0 1 2 1 0)."""
    return running_difference(tokens, "b", "c")


OPEN, CLOSE, STRAIGHT = "\u201c", "\u201d", '"'  # “ ” "


def inside_quotes(tokens: Sequence) -> np.ndarray:  # (T,)
    """1 inside a double quotation, else 0, after reading each token: an opening mark gives 1, the
    words inside 1, the closing mark 0. Curly “ opens and ” closes; a straight " toggles. Word
    tokens holding several marks are read character by character."""
    out = np.zeros(len(tokens))
    inside = False
    for t, token in enumerate(tokens):
        for ch in _text(token):
            if ch == OPEN:
                inside = True
            elif ch == CLOSE:
                inside = False
            elif ch == STRAIGHT:
                inside = not inside
        out[t] = float(inside)
    return out


def _agreement_nouns() -> tuple[set[str], set[str]]:
    from cells.train.tasks.agreement import NOUNS  # NumPy only; imported late, when needed

    return {s for s, _ in NOUNS}, {p for _, p in NOUNS}


def _frame_verbs() -> set[str]:
    from cells.train.tasks.agreement import FRAME_VERBS

    return {form for pair in FRAME_VERBS for form in pair}


def _fronted_starts() -> set[str]:
    from cells.train.tasks.agreement import FRONTED

    return {f.split()[0] for f in FRONTED}


def subject_index(
    tokens: Sequence, nouns: tuple[set[str], set[str]] | None = None
) -> tuple[int, int] | None:
    """(position of the subject noun, 0 singular / 1 plural) or None if no known noun is found.

    The subject is the first noun of the agreement grammar's list (``cells.train.tasks.agreement``)
    after a fronted phrase ("in the gardens , the dogs ..." skips up to the comma when the sentence
    starts with one of the fronted phrases' first words). ``nouns``: (singulars, plurals) to use
    instead.
    """
    singular, plural = nouns if nouns is not None else _agreement_nouns()
    words = [_text(t).lower() for t in tokens]
    start = 0
    if words and words[0] in _fronted_starts() and "," in words:
        start = words.index(",") + 1
    frames = _frame_verbs()  # "the children believe that <subject> ...": the subject follows "that"
    for k in range(start, min(start + 6, len(words) - 1)):
        if words[k] in frames and words[k + 1] == "that":
            start = k + 2
            break
    for k in range(start, len(words)):
        if words[k] in plural:
            return k, 1
        if words[k] in singular:
            return k, 0
    return None


def subject_number(
    tokens: Sequence, nouns: tuple[set[str], set[str]] | None = None
) -> np.ndarray:  # (T,)
    """The agreement task's hidden variable: 0 before the subject noun, then +1 for a plural
    subject and −1 for a singular one, from the subject noun on (see ``subject_index``)."""
    out = np.zeros(len(tokens))
    found = subject_index(tokens, nouns)
    if found is not None:
        k, number = found
        out[k:] = 1.0 if number else -1.0
    return out
