"""Surnames: balanced split; a short training run lowers the loss; evaluate() reads an export."""

from collections import Counter

import torch

import cells
from cells.tasks import names
from cells.tokenize import CharTokenizer
from cells.train import classify, seqtrain, train_names

TINY = dict(
    train_names.CONFIG,
    embedding_size=8,
    hidden_size=16,
    max_epochs=3,
    lr=1e-2,
    emb_dropout=0.0,
    out_dropout=0.0,
)


def _setup():
    train_part, held, labels = names.split()
    tok = CharTokenizer(names.build_vocab(train_part), lowercase=True)
    return tok, train_names.encode(train_part[::10], tok), held, labels


def test_split_is_balanced_and_fixed():
    train_part, held, labels = names.split()
    assert len(labels) >= 8
    assert held == names.split()[1]
    per_lang = Counter(k for _, k in train_part + held)
    assert len(set(per_lang.values())) == 1
    assert len(set(Counter(k for _, k in held).values())) == 1


def test_short_training_lowers_the_loss():
    tok, fit, _, labels = _setup()
    k = len(labels)
    before, _ = classify.train(
        "t", "gru", fit, fit[:50], len(tok.vocab), k, dict(TINY, max_epochs=1, lr=0.0), 1
    )
    after, _ = classify.train("t", "gru", fit, fit[:50], len(tok.vocab), k, TINY, 1)

    def loss(model):
        x, lengths, y = next(classify.batches(fit, len(fit), None))
        with torch.no_grad():
            model.eval()
            return float(
                torch.nn.functional.cross_entropy(classify.last_logits(model, x, lengths), y)
            )

    assert loss(after) < loss(before) - 0.1


def test_evaluate_on_a_tiny_export(tmp_path):
    tok, fit, held, labels = _setup()
    model, _ = classify.train(
        "t", "lstm", fit, fit[:50], len(tok.vocab), len(labels), dict(TINY, max_epochs=1), 1
    )
    folder = tmp_path / "names-tiny"
    metrics = seqtrain.export(
        folder,
        model,
        tokenizer=tok.config(),
        card={"id": "names-tiny", "head": {"readout": "last"}, "training": {}},
        evaluate=lambda m: names.evaluate(m, held[::5]),
        summarize=lambda m: f"{m['accuracy']}",
        check=(torch.tensor([t.id for t in tok("Kowalski")]), "Kowalski"),
        labels=labels,
    )
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert set(metrics["accuracy_by_language"]) <= set(labels)
    assert metrics["held_out_names"] == len(held[::5])
    assert metrics == names.evaluate(cells.load(folder), held[::5])
