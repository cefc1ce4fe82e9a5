"""Fuzzing in the suite (issue 13): thousands of generated hostile inputs for the link's iv parser,
the card parser and the safetensors reader; the only answers allowed are the reader's own (a parsed
value that keeps the reader's promises, or ``ModelFileError`` / a list of dropped link fields).
``bench/fuzz.py`` runs the same generators on 100,000+ cases."""

from __future__ import annotations

import pytest

from tests.fuzzing import check_weights, failures, fuzz_card, fuzz_iv, fuzz_weights

SEED = 20261123


@pytest.mark.timeout(120)
def test_fuzz_the_link_parser():
    counts = fuzz_iv(5000, SEED)
    assert not failures(counts), counts
    assert sum(counts.values()) == 5000
    for outcome in ("accepted", "kept some, dropped some", "dropped all"):  # every path is reached
        assert counts[outcome] > 50, counts


@pytest.mark.timeout(120)
def test_fuzz_the_card_parser_and_what_it_lets_through():
    counts = fuzz_card(1000, SEED)
    assert not failures(counts), counts
    assert counts["refused"] > 200 and counts["loaded and traced"] > 50, counts


@pytest.mark.timeout(120)
def test_fuzz_the_safetensors_reader():
    counts = fuzz_weights(3000, SEED)
    assert not failures(counts), counts
    assert counts["refused"] > 500 and counts["accepted"] > 100, counts


def test_the_fuzz_checks_can_fail():
    """A control: a reader that crashes, or accepts what it must not, is counted as a failure."""
    import numpy as np

    import tests.fuzzing as fz

    def crashing(data):
        raise KeyError("boom")

    def non_finite(data):
        return {"x": np.array([np.inf], np.float32)}

    original = fz.parse_weights
    try:
        fz.parse_weights = crashing
        assert check_weights(b"") == "crash:KeyError"
        fz.parse_weights = non_finite
        assert check_weights(b"").startswith("wrong:")
    finally:
        fz.parse_weights = original
