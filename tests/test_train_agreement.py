"""Agreement grammar: fixed, disjoint splits; a short training run lowers the loss; evaluate()."""

import numpy as np
import torch
from torch import nn

import cells
from cells.tasks import agreement
from cells.train import train_agreement


def test_grammar_is_fixed_and_test_is_held_out():
    test = agreement.test_set(per_k=40)
    assert [s.prefix for s in test] == [s.prefix for s in agreement.test_set(per_k=40)]
    assert {s.distractors for s in test} == set(range(agreement.TEST_MAX_DISTRACTORS + 1))
    train = agreement.train_set(size=4000)
    assert max(s.distractors for s in train) == agreement.TRAIN_MAX_DISTRACTORS
    assert not {s.prefix for s in train} & {s.prefix for s in agreement.test_set()}
    vocab = set(agreement.vocab())
    tok = cells.WordTokenizer(agreement.vocab(), lowercase=True)
    for s in test:
        tokens = tok(s.prefix)
        assert all(t.known for t in tokens), s.prefix
        assert 0 <= s.attractors <= s.distractors
        assert s.distance == len(tokens) - 1 - s.subject_end
        subject = tokens[s.subject_end].text
        plurals = {p for _, p in agreement.NOUNS + agreement.PRONOUNS}  # a subject may be "she"
        assert (subject in plurals) == bool(s.number), s.prefix
    assert "<unk>" == agreement.vocab()[0] and "smith" in vocab


def _loss(net, rows, labels) -> float:
    ids, last = train_agreement.pad(rows)
    with torch.no_grad():
        return float(nn.functional.cross_entropy(train_agreement.last_logits(net, ids, last), labels))


def test_short_training_lowers_the_loss():
    torch.set_num_threads(1)
    sentences = agreement.train_set(size=2000)[:640]
    tok = cells.WordTokenizer(agreement.vocab(), lowercase=True)
    rows = train_agreement.encode(sentences, tok)
    labels = torch.tensor([s.number for s in sentences])
    torch.manual_seed(0)
    before = _loss(train_agreement.Net("lstm", len(tok.vocab), hidden=8), rows, labels)
    net, info = train_agreement.train_one("lstm", sentences, epochs=8, hidden=8, log_every=0)
    assert info["steps"] == 80
    assert _loss(net, rows, labels) < before - 0.02


def test_export_matches_torch_and_evaluate_is_sane(tmp_path):
    torch.set_num_threads(1)
    sentences = agreement.train_set(size=2000)[:128]
    for cell in ("sgru", "rnn"):
        net, info = train_agreement.train_one(cell, sentences, epochs=1, hidden=6, log_every=0)
        card = train_agreement.card_for(cell, info, len(sentences), 6)
        model = cells.load(train_agreement.export(net, tmp_path / cell, card))
        text = "The dogs that the cat chased were barking."
        ids = torch.tensor([[t.id for t in model.tokenizer(text)]])
        with torch.no_grad():
            want = torch.softmax(net(ids), -1)[0].numpy()
        assert np.abs(cells.trace(model, text).outputs - want).max() < 1e-5
        m = agreement.evaluate(model, per_k=10)
        assert m["n_test"] == 60 and 0 <= m["accuracy"] <= 1
        assert list(m["accuracy_by_distractors"]) == ["0", "1", "2", "3", "4", "5"]
        assert sum(m["count_by_distance"].values()) == 60
        assert set(m["accuracy_by_opening"]) <= {"none", "fronted", "clause", "sentence"}
        assert m["natural_unknown_share"] == 0.0 and m["natural_marked"] >= 40
        unit = agreement.number_unit(model, n=20)
        assert 0 <= unit["unit"] < 6 and -1 <= unit["correlation"] <= 1
