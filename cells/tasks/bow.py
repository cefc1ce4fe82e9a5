"""Bag-of-words baselines for the sentiment task, in NumPy: L2-regularised logistic regression
(full-batch gradient descent with Nesterov momentum) and multinomial naive Bayes.

Both read a sentence as the multiset of its words, through the same lowercasing word tokenizer and
the same vocabulary as the sentiment models (``sentiment.build_vocab`` on the training split), and
are trained on the same training split; the logistic regression's L2 strength is chosen on the
validation part. Word order is invisible to them: two sentences with the same words get the same
verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cells.tokenize import WordTokenizer

L2_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)


@dataclass(frozen=True)
class Bags:
    """Sparse word counts of N sentences over a vocabulary of V words (COO: one entry per pair)."""

    rows: np.ndarray  # (nnz,) sentence index
    cols: np.ndarray  # (nnz,) word index
    counts: np.ndarray  # (nnz,) how often that word occurs in that sentence
    n: int
    vocab_size: int

    def times(self, w: np.ndarray, binary: bool) -> np.ndarray:  # (V,) -> (N,)
        v = 1.0 if binary else self.counts
        return np.bincount(self.rows, weights=v * w[self.cols], minlength=self.n)

    def t_times(self, g: np.ndarray, binary: bool) -> np.ndarray:  # (N,) -> (V,)
        v = 1.0 if binary else self.counts
        return np.bincount(self.cols, weights=v * g[self.rows], minlength=self.vocab_size)


def bags(texts: list[str], tok: WordTokenizer) -> Bags:
    """Word counts of ``texts`` under ``tok`` (unknown words count as the unknown token)."""
    pairs: dict[tuple[int, int], int] = {}
    for i, text in enumerate(texts):
        for t in tok(text):
            pairs[(i, t.id)] = pairs.get((i, t.id), 0) + 1
    keys = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)  # (nnz, 2)
    counts = np.array([pairs[(int(i), int(j))] for i, j in keys], dtype=np.float64)
    return Bags(keys[:, 0], keys[:, 1], counts, len(texts), len(tok.vocab))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass(frozen=True)
class LogisticRegression:
    """p(positive) = sigmoid(w · presence + b), presence = 1 if a word occurs in the sentence."""

    w: np.ndarray  # (V,)
    b: float
    l2: float

    def prob_positive(self, x: Bags) -> np.ndarray:  # (N,)
        return _sigmoid(x.times(self.w, binary=True) + self.b)

    def predict(self, x: Bags) -> np.ndarray:  # (N,) 0 = negative, 1 = positive
        return (self.prob_positive(x) > 0.5).astype(np.int64)


def logistic_loss(model: LogisticRegression, x: Bags, y: np.ndarray) -> float:
    """Mean cross-entropy plus l2/2 · |w|²: the objective ``fit_logistic`` minimises."""
    z = x.times(model.w, binary=True) + model.b
    ce = np.mean(np.logaddexp(0.0, z) - y * z)
    return float(ce + 0.5 * model.l2 * model.w @ model.w)


def fit_logistic(x: Bags, y: np.ndarray, l2: float, steps: int = 400) -> LogisticRegression:
    """Minimise mean cross-entropy + l2/2 |w|² by full-batch gradient descent (Nesterov momentum,
    step 1/L with L bounded by power iteration on the presence matrix)."""
    y = np.asarray(y, np.float64)  # (N,)
    u = np.ones(x.vocab_size) / np.sqrt(x.vocab_size)
    for _ in range(30):  # largest eigenvalue of X^T X / N, X the (N, V) presence matrix
        u = x.t_times(x.times(u, True), True) / x.n
        lam = float(np.linalg.norm(u))
        u /= lam
    step = 1.0 / (0.25 * (lam + 1.0) + l2)  # the bias adds at most 1 to the curvature
    theta = np.zeros(x.vocab_size + 1)  # (V+1,) w then b
    prev = theta.copy()
    for k in range(1, steps + 1):
        look = theta + (k - 1) / (k + 2) * (theta - prev)
        p = _sigmoid(x.times(look[:-1], True) + look[-1])  # (N,)
        g = (p - y) / x.n
        grad = np.append(x.t_times(g, True) + l2 * look[:-1], g.sum())
        prev, theta = theta, look - step * grad
    return LogisticRegression(theta[:-1], float(theta[-1]), l2)


@dataclass(frozen=True)
class NaiveBayes:
    """Multinomial naive Bayes with add-``alpha`` smoothing over word counts."""

    log_prior: np.ndarray  # (2,)
    log_word: np.ndarray  # (2, V) log p(word | class)

    def log_odds(self, x: Bags) -> np.ndarray:  # (N,) log p(pos | words) - log p(neg | words)
        d = self.log_word[1] - self.log_word[0]  # (V,)
        return x.times(d, binary=False) + self.log_prior[1] - self.log_prior[0]

    def predict(self, x: Bags) -> np.ndarray:  # (N,)
        return (self.log_odds(x) > 0).astype(np.int64)


def fit_naive_bayes(x: Bags, y: np.ndarray, alpha: float = 1.0) -> NaiveBayes:
    y = np.asarray(y, np.int64)
    prior = np.bincount(y, minlength=2) / len(y)
    counts = np.zeros((2, x.vocab_size))
    np.add.at(counts, (y[x.rows], x.cols), x.counts)
    smoothed = counts + alpha
    return NaiveBayes(np.log(prior), np.log(smoothed / smoothed.sum(axis=1, keepdims=True)))


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


def fit_baselines(
    train: list[tuple[str, int]], validation: list[tuple[str, int]], tok: WordTokenizer
) -> dict[str, LogisticRegression | NaiveBayes]:
    """{"bow-logreg": ..., "bow-naive-bayes": ...} fitted on ``train`` (text, label) pairs; the L2
    strength of the logistic regression is the one of ``L2_GRID`` best on ``validation``."""
    xt, yt = bags([t for t, _ in train], tok), np.array([y for _, y in train])
    xv, yv = bags([t for t, _ in validation], tok), np.array([y for _, y in validation])
    fits = [fit_logistic(xt, yt, l2) for l2 in L2_GRID]
    best = max(fits, key=lambda m: accuracy(m.predict(xv), yv))  # first of the best on ties
    return {"bow-logreg": best, "bow-naive-bayes": fit_naive_bayes(xt, yt)}
