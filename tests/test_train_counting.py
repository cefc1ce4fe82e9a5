"""Counting (aⁿbⁿ, aⁿbⁿcⁿ): targets, a short training run lowers the loss, cells = torch, evaluate."""

import numpy as np
import torch

import cells
from cells.tasks import counting
from cells.train import train_counting


def test_strings_and_allowed_sets():
    assert counting.string("anbn", 3) == "$aaabbb"
    assert counting.string("anbncn", 2) == "$aabbcc"
    y = counting.targets("anbn", 2)  # labels a, b, $
    assert y.tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1]]
    y = counting.targets("anbncn", 2)  # labels a, b, c, $
    assert y.tolist() == [
        [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0],
        [0, 0, 0, 1],
    ]
    counts = counting.running_counts("anbncn", 2)
    assert counts["#a - #b"].tolist() == [0, 1, 2, 1, 0, 0, 0]
    assert counts["#b - #c"].tolist() == [0, 0, 0, 1, 2, 1, 0]


def test_short_training_lowers_the_loss():
    torch.set_num_threads(1)
    net, info = train_counting.train_one("anbn", "lstm", seed=0, steps=60, hidden=4, max_n=8)
    assert info["steps"] == 60
    assert info["final_loss"] < 0.8 * info["first_loss"]


def test_export_matches_torch_and_evaluate_is_sane(tmp_path):
    torch.set_num_threads(1)
    for task, cell in (("anbn", "sgru"), ("anbncn", "gru")):
        net, info = train_counting.train_one(task, cell, seed=1, steps=5, hidden=4, max_n=6)
        card = train_counting.base_card(task, cell, 1, info, 4, 6)
        model = cells.load(train_counting.export(net, tmp_path / f"{task}-{cell}", task, card))
        text = counting.string(task, 7)
        ids, _, _ = train_counting.batch(task, [7])
        with torch.no_grad():
            want = torch.sigmoid(net(ids))[0].numpy()  # (T, K)
        got = cells.trace(model, text).outputs
        assert np.abs(got - want).max() < 1e-5
        m = counting.evaluate(model, max_n=30)
        assert 0 <= m["max_n_all_correct"] <= 30
        assert m["checked_up_to"] == 30 and m["train_max_n"] == 6
        assert (m["first_wrong_n"] == 0) == (m["max_n_all_correct"] == 30)
        units = counting.counting_units(model, task, n=5)
        assert len(units) == len(counting.running_counts(task, 5))
        assert all(0 <= u["unit"] < 4 and -1 <= u["correlation"] <= 1 for u in units)


def test_check_agrees_with_a_direct_trace(tmp_path):
    """The shortcut (trace the a's once, run the rest from that state) equals tracing each string."""
    torch.set_num_threads(1)
    net, info = train_counting.train_one("anbn", "lstm", seed=2, steps=150, hidden=6, max_n=10)
    card = train_counting.base_card("anbn", "lstm", 2, info, 6, 10)
    model = cells.load(train_counting.export(net, tmp_path / "m", "anbn", card))
    direct = 0
    for n in range(1, 41):
        pred = cells.trace(model, counting.string("anbn", n)).outputs > 0.5
        if not (pred == (counting.targets("anbn", n) > 0.5)).all():
            direct = n
            break
    assert counting.check(model, "anbn", max_n=40) == direct
