"""Character language model: a short training run lowers the loss; evaluate() reads an export."""

import math

import numpy as np
import torch

import cells
from cells.probe import rank_units
from cells.tasks import charlm
from cells.tokenize import CharTokenizer
from cells.train import seqtrain, train_charlm
from tests.conftest import ROOT

TINY = dict(train_charlm.CONFIG, hidden_size=16, embedding_size=8, batch_size=4, seq_len=20)


def _setup():
    train_texts, held = charlm.split()
    tok = CharTokenizer(charlm.build_vocab(train_texts))
    ids = train_charlm.encode(train_texts[:40], tok)
    return tok, ids, held


def _loss(model, ids: np.ndarray, vocab: int) -> float:
    x = torch.from_numpy(ids[:400].copy()).view(4, 100)
    with torch.no_grad():
        logits, _ = model(x[:, :-1])
        return float(
            torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), x[:, 1:].reshape(-1))
        )


def test_split_is_fixed_and_disjoint():
    a_train, a_held = charlm.split()
    b_train, b_held = charlm.split()
    assert a_held == b_held and len(a_held) > 0
    assert abs(len(a_held) / (len(a_train) + len(a_held)) - charlm.HELD_OUT) < 0.001
    texts = charlm.eval_paragraphs(a_held)
    assert sum(len(t) - 1 for t in texts) >= charlm.EVAL_CHARS


def test_short_training_lowers_the_loss():
    tok, ids, _ = _setup()
    v = len(tok.vocab)
    before, _, _ = train_charlm.train("lstm", ids, v, dict(TINY, steps=0))
    after, _, _ = train_charlm.train("lstm", ids, v, dict(TINY, steps=60, lr=1e-2))
    assert _loss(after, ids, v) < _loss(before, ids, v) - 0.3


def test_evaluate_on_a_tiny_export(tmp_path):
    tok, ids, held = _setup()
    model, _, _ = train_charlm.train("gru", ids, len(tok.vocab), dict(TINY, steps=5))
    folder = tmp_path / "charlm-tiny"
    texts = charlm.eval_paragraphs(held)[:3]
    sample = charlm.SAMPLES[0]  # the quotation
    metrics = seqtrain.export(
        folder,
        model,
        tokenizer=tok.config(),
        card={"id": "charlm-tiny", "head": {"readout": "every"}, "training": {}},
        evaluate=lambda m: charlm.evaluate(m, texts),
        summarize=lambda m: f"{m['nats_per_char']}",
        check=(torch.tensor([t.id for t in tok(sample)]), sample),
        labels=tok.vocab,
    )
    assert metrics["eval_chars"] == sum(len(t) - 1 for t in texts)
    assert 0.5 < metrics["nats_per_char"] < math.log(len(tok.vocab)) + 1.0
    assert metrics == charlm.evaluate(cells.load(folder), texts)
    units = charlm.quote_units(cells.load(folder), texts + [charlm.SAMPLES[0]])
    assert len(units) == 3 and all(-1.0 <= r <= 1.0 for _, r in units)


def test_inside_quotes_indicator_reads_straight_and_curly_marks():
    straight = [0, 0, 1, 1, 1, 0, 0, 0]
    assert charlm.inside_quotes('a "bc" d').tolist() == straight
    assert charlm.inside_quotes("a \u201cbc\u201d d").tolist() == straight


def test_quote_units_use_the_shared_variable_and_curly_quotes():
    """The trainer's quote_units ranks h against the same inside_quotes as the page, and counts
    paragraphs whose only marks are curly (the old trainer's variable saw straight quotes only)."""
    m = cells.load(ROOT / "assets" / "models" / "charlm-gru")
    curly = ["He said \u201cno, not at all\u201d and left.", "\u201cYes,\u201d she said."]
    got = charlm.quote_units(m, curly + ["no marks here at all"], top=16)
    traces = [cells.trace(m, t) for t in curly]
    h = np.concatenate([t.gates(0, 0)["h"] for t in traces])  # (N, H)
    y = np.concatenate([charlm.inside_quotes(t.tokens) for t in traces])  # (N,)
    assert y.sum() > 10  # the curly quotations are seen
    assert got == [(u, round(r, 3)) for u, _, r in rank_units(h, y)[:16]]
