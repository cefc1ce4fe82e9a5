"""Sentiment: a short training run lowers the loss; evaluate() reads a tiny export."""

import torch

import cells
from cells.tasks import sentiment
from cells.tokenize import WordTokenizer
from cells.train import classify, seqtrain, train_sentiment

TINY = dict(
    train_sentiment.CONFIG,
    embedding_size=8,
    hidden_size=8,
    max_epochs=3,
    lr=1e-2,
    emb_dropout=0.0,
    out_dropout=0.0,
)


def _setup():
    fit, val, held = sentiment.split()
    tok = WordTokenizer(sentiment.build_vocab(fit), lowercase=True)
    return tok, train_sentiment.encode(fit[:300], tok), train_sentiment.encode(val[:100], tok), held


def _loss(model, data) -> float:
    model.eval()
    with torch.no_grad():
        x, lengths, y = next(classify.batches(data, len(data), None))
        return float(torch.nn.functional.cross_entropy(classify.last_logits(model, x, lengths), y))


def test_split_is_fixed_and_labels_balanced_enough():
    fit, val, held = sentiment.split()
    assert held == sentiment.split()[2]
    n = len(fit) + len(val) + len(held)
    assert n == 12675 and len(held) / n >= 0.10
    share = sum(y for _, _, y in held) / len(held)
    assert 0.4 < share < 0.65
    assert sentiment.build_vocab(fit)[0] == "<unk>"


def test_short_training_lowers_the_loss():
    tok, fit, val, _ = _setup()
    before, _ = classify.train(
        "t", "lstm", fit, val, len(tok.vocab), 2, dict(TINY, max_epochs=1, lr=0.0), 1
    )
    after, _ = classify.train("t", "lstm", fit, val, len(tok.vocab), 2, TINY, 1)
    assert _loss(after, fit) < _loss(before, fit) - 0.02


def test_evaluate_on_a_tiny_bidirectional_export(tmp_path):
    tok, fit, val, held = _setup()
    model, _ = classify.train(
        "t", "lstm", fit, val, len(tok.vocab), 2, dict(TINY, max_epochs=1), 1, bidirectional=True
    )
    sample = sentiment.SAMPLES[1]
    folder = tmp_path / "sentiment-tiny"
    metrics = seqtrain.export(
        folder,
        model,
        tokenizer=tok.config(),
        card={"id": "sentiment-tiny", "head": {"readout": "last"}, "training": {}},
        evaluate=lambda m: sentiment.evaluate(m, held[:60]),
        summarize=lambda m: f"{m['accuracy']}",
        check=(torch.tensor([t.id for t in tok(sample)]), sample),
        labels=sentiment.LABELS,
    )
    assert metrics["held_out_sentences"] == 60
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert set(metrics["accuracy_by_source"]) <= {"movie", "amazon"}
    assert metrics == sentiment.evaluate(cells.load(folder), held[:60])


def test_fine_tuning_starts_from_the_given_weights():
    tok, fit, val, _ = _setup()
    base, _ = classify.train("t", "lstm", fit, val, len(tok.vocab), 2, dict(TINY, max_epochs=1), 1)
    frozen = dict(TINY, max_epochs=1, lr=0.0)
    tuned, _ = classify.train("t", "lstm", fit, val, len(tok.vocab), 2, frozen, 2,
                              init_state=base.state_dict())
    fresh, _ = classify.train("t", "lstm", fit, val, len(tok.vocab), 2, frozen, 2)
    for key, value in base.state_dict().items():
        assert torch.equal(value, tuned.state_dict()[key]), key
    assert not torch.equal(base.state_dict()["rnn.weight_hh_l0"], fresh.state_dict()["rnn.weight_hh_l0"])


def test_training_phrases_are_not_in_the_word_order_test_set():
    extra = train_sentiment.order_phrases()
    assert len(extra) >= 1000 and {y for *_, y in extra} == {0, 1}
    assert not {t for _, t, _ in extra} & {t for _, t, _ in sentiment.word_order()}
