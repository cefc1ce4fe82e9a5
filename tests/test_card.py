"""The typed model card: every shipped card parses; the head kind is decided from the card's fields;
wrong types are refused naming the field, what was expected and what was got; the catalogue skips
(and lists) a bad card while the good ones still load; ``cells.load`` builds the Recurrent once."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import cells
from cells import ModelFileError
from cells.card import MAX_CARD_BYTES, Card, card_from_json, parse_card, read_card
from tests.conftest import MODELS, shipped_cards

CARDS = shipped_cards()
HEAD_KINDS = {  # by task, as the cards describe their heads
    "charlm": "next_token",  # softmax over the character vocabulary
    "sentiment": "classes",
    "names": "classes",
    "agreement": "classes",  # singular / plural after the last word
    "anbn": "classes",  # sigmoid: the set of symbols that may come next
    "anbncn": "classes",
    "sunspots": "value",  # linear: next year's number
}


# ---------------------------------------------------------------- shipped cards


@pytest.mark.parametrize("model_id", sorted(CARDS))
def test_every_shipped_card_parses_into_typed_fields(model_id):
    doc = CARDS[model_id]
    card = read_card(MODELS / model_id)
    assert isinstance(card, Card) and card.id == model_id == doc["id"]
    a = doc["architecture"]
    assert dataclasses.asdict(card.architecture) == a
    assert card.task == doc["task"] and card.task_title == doc["task_title"]
    assert card.title == doc["title"] and card.summary == doc["summary"]
    assert card.samples == tuple(doc["samples"]) and all(isinstance(s, str) for s in card.samples)
    assert card.metrics == doc["metrics"] and card.metric_summary == doc["metric_summary"]
    assert card.seed == doc["training"]["seed"] and card.date == doc["date"]
    assert card.tokenizer.kind == doc["tokenizer"]["kind"]
    assert card.tokenizer.vocab == tuple(doc["tokenizer"]["vocab"])
    assert card.head is not None and card.head.labels == tuple(doc["head"]["labels"])
    assert card.head.readout == doc["head"]["readout"]
    assert [(u.layer, u.direction, u.unit, u.what) for u in card.notable_units] == [
        (u["layer"], u["direction"], u["unit"], u["what"]) for u in doc["notable_units"]
    ]
    assert card.as_dict() == doc  # the "model card" display shows what the file says


@pytest.mark.parametrize("model_id", sorted(CARDS))
def test_head_kind_of_every_shipped_model(model_id):
    card = read_card(MODELS / model_id)
    assert card.head_kind == HEAD_KINDS[card.task], (model_id, card.head)


def test_head_kinds_cover_every_shipped_task():
    tasks = {c["task"] for c in CARDS.values()}
    assert tasks <= set(HEAD_KINDS), tasks - set(HEAD_KINDS)
    assert {read_card(MODELS / m).head_kind for m in CARDS} == {"value", "next_token", "classes"}


# ---------------------------------------------------------------- the head kind, from the fields

VOCAB = ["<unk>", "a", "b", "c", " "]


def _doc(head: dict | None = None, **top) -> dict:
    doc = {
        "architecture": {"cell": "lstm", "input_size": 3, "hidden_size": 4},
        "tokenizer": {"kind": "char", "vocab": VOCAB},
        "head": head,
    }
    doc.update(top)
    return doc


@pytest.mark.parametrize(
    "head, kind",
    [
        ({"labels": VOCAB}, "next_token"),  # 5 outputs: a small vocabulary is still next-token
        ({"size": len(VOCAB)}, "next_token"),  # unlabelled, one output per vocabulary entry
        ({"labels": VOCAB, "activation": "sigmoid"}, "classes"),  # not a distribution
        ({"labels": VOCAB[::-1]}, "classes"),  # not the vocabulary's order
        ({"labels": [f"class {k}" for k in range(20)]}, "classes"),  # 20 > 12 outputs, still classes
        ({"size": 1, "activation": "linear"}, "value"),
        (None, None),
    ],
)
def test_head_kind_is_decided_from_the_fields_not_the_output_count(head, kind):
    card = card_from_json(_doc(head))
    assert card.head_kind == kind
    if head is not None:
        assert len(card.output_labels) == card.head.size


def test_output_labels():
    assert card_from_json(_doc({"size": 5})).output_labels == tuple(VOCAB)  # next token: the vocab
    assert card_from_json(_doc({"size": 3})).output_labels == ("0", "1", "2")
    assert card_from_json(_doc({"labels": ["no", "yes"]})).output_labels == ("no", "yes")


def test_the_card_is_frozen_and_replace_keeps_it_consistent():
    card = card_from_json(_doc({"labels": VOCAB}, id="a", title="A model"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.id = "b"  # type: ignore[misc]
    other = dataclasses.replace(card, id="b", head=dataclasses.replace(card.head, activation="sigmoid"))
    assert (card.id, card.head_kind) == ("a", "next_token")
    assert (other.id, other.head_kind) == ("b", "classes")
    assert other.as_dict()["id"] == "b" and card.as_dict()["id"] == "a"
    assert card_from_json(_doc(), default_id="folder").display_title == "folder"


def test_the_given_id_wins_then_the_cards_then_the_default():
    data = json.dumps(_doc(id="own")).encode()
    assert parse_card(data).id == "own"
    assert parse_card(data, id="given").id == "given"
    assert parse_card(json.dumps(_doc()).encode(), default_id="folder").id == "folder"


# ---------------------------------------------------------------- type errors, named


def _set(doc: dict, path: str, value: object) -> dict:
    doc = json.loads(json.dumps(doc))
    keys = path.split(".")
    section = doc
    for key in keys[:-1]:
        section = section[int(key)] if isinstance(section, list) else section.setdefault(key, {})
    section[keys[-1]] = value
    return doc


GOOD = _doc({"labels": ["no", "yes"]}, notable_units=[{"unit": 1, "what": "x"}], samples=["ab"])
BAD = [  # (field, value, what the message must say)
    ("architecture.bidirectional", "false", ["architecture.bidirectional", "expected true or false",
                                             "got 'false' (str)"]),
    ("architecture.bias", 1, ["architecture.bias", "expected true or false", "got 1 (int)"]),
    ("architecture.num_layers", 2.0, ["architecture.num_layers", "expected an integer in 1..64",
                                      "got 2.0 (float)"]),
    ("architecture.num_layers", 10**30, ["architecture.num_layers", "1..64", "got 1000"]),
    ("architecture.hidden_size", "32", ["architecture.hidden_size", "expected an integer",
                                        "got '32' (str)"]),
    ("architecture.hidden_size", True, ["architecture.hidden_size", "got True (bool)"]),
    ("architecture.input_size", 0, ["architecture.input_size", "in 1..", "got 0 (int)"]),
    ("architecture.cell", ["lstm"], ["architecture.cell", "'gru'", "'lstm'", "got ['lstm'] (list)"]),
    ("architecture.nonlinearity", "sigmoid", ["architecture.nonlinearity", "'tanh'", "'relu'"]),
    ("tokenizer.kind", "bpe", ["tokenizer.kind", "'char'", "'word'", "'values'", "got 'bpe'"]),
    ("tokenizer.vocab", "abc", ["tokenizer.vocab", "expected a list of strings", "got 'abc' (str)"]),
    ("tokenizer.vocab", ["<unk>", 7], ["tokenizer.vocab[1]", "expected a string", "got 7 (int)"]),
    ("tokenizer.lowercase", "yes", ["tokenizer.lowercase", "expected true or false"]),
    ("title", 5, ["title", "expected a string", "got 5 (int)"]),
    ("task", {"name": "x"}, ["task", "expected a string", "(dict)"]),
    ("samples", ["ab", 3], ["samples[1]", "expected a string", "got 3 (int)"]),
    ("seed", "0", ["seed", "expected an integer", "got '0' (str)"]),
    ("metrics", [1], ["'metrics'", "expected an object", "got [1] (list)"]),
    ("head.activation", "relu6", ["head.activation", "'softmax'", "got 'relu6'"]),
    ("head.labels", "no,yes", ["head.labels", "expected a list of strings"]),
    ("head.size", 3, ["head.size", "expected 2 (the number of head.labels)", "got 3"]),
    ("head.readout", "first", ["head.readout", "'every'", "'last'", "got 'first'"]),
    ("head.scale", "2", ["head.scale", "expected a finite number", "got '2' (str)"]),
    ("head.shift", float("nan"), ["head.shift", "expected a finite number", "got nan"]),
    ("head.bias", "true", ["head.bias", "expected true or false"]),
    ("input.kind", "pixels", ["input.kind", "'embedding'", "'values'", "got 'pixels'"]),
    ("input.std", 0, ["input.std", "expected a positive finite number", "got 0 (int)"]),
    ("notable_units.0.unit", 4, ["notable_units[0].unit", "expected an integer in 0..3", "got 4"]),
    ("notable_units.0.direction", 1, ["notable_units[0].direction", "in 0..0", "got 1"]),
    ("notable_units.0.what", 1.5, ["notable_units[0].what", "expected a string"]),
]


@pytest.mark.parametrize("path, value, fragments", BAD, ids=[f"{p}={v!r}"[:40] for p, v, _ in BAD])
def test_a_wrong_type_is_refused_naming_field_expected_and_got(path, value, fragments):
    card_from_json(GOOD)  # the control parses
    with pytest.raises(ModelFileError) as e:
        parse_card(json.dumps(_set(GOOD, path, value)).encode())
    msg = str(e.value)
    assert msg.startswith("card.json: ")
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"


def test_structural_refusals():
    with pytest.raises(ModelFileError, match="expected a JSON object, got list"):
        parse_card(b"[1, 2]")
    with pytest.raises(ModelFileError, match="expected an object under 'architecture', got 'lstm'"):
        parse_card(json.dumps(_doc(architecture="lstm")).encode())
    with pytest.raises(ModelFileError, match="nested at most 32 deep"):
        parse_card(b'{"x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}")  # deeper than Python recurses
    with pytest.raises(ModelFileError, match="nested at most 32 deep, got 101"):
        parse_card(json.dumps({**_doc(), "x": json.loads("[" * 100 + "]" * 100)}).encode())
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(ModelFileError, match="nested at most 32 deep, got 10002"):
        card_from_json({**_doc(), "x": deep})  # refused before it is copied
    with pytest.raises(ModelFileError, match="expected UTF-8 JSON"):
        parse_card(b'{"title": "\xff\xfe"}')
    with pytest.raises(ModelFileError, match=f"expected at most {MAX_CARD_BYTES} bytes"):
        parse_card(b" " * (MAX_CARD_BYTES + 1))
    with pytest.raises(ModelFileError, match="expected 'labels' or 'size', found neither"):
        card_from_json(_doc({"activation": "softmax"}))
    with pytest.raises(ModelFileError, match="input_size: expected 1 for an input of kind 'values'"):
        card_from_json(_doc(input={"kind": "values"}))
    with pytest.raises(ModelFileError, match="tokenizer.vocab: expected at least one entry"):
        card_from_json(_doc(tokenizer={"kind": "char", "vocab": []}))


def test_nulls_read_as_absent():
    card = card_from_json(_doc(None, title=None, seed=None, samples=None))
    assert (card.title, card.seed, card.samples, card.head) == ("", None, (), None)


# ---------------------------------------------------------------- the catalogue skips bad cards

BAD_CARDS = {
    "a-list": b"[1, 2, 3]",
    "b-arch-string": json.dumps(_doc(architecture="lstm")).encode(),
    "c-deep": b'{"x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "d-not-utf8": b'{"title": "caf\xe9"}',
}
GOOD_IDS = ["anbn-lstm", "sunspots-gru"]


@pytest.fixture
def zoo_with_bad_cards(tmp_path) -> Path:
    for model_id in GOOD_IDS:
        shutil.copytree(MODELS / model_id, tmp_path / model_id)
    for name, data in BAD_CARDS.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "card.json").write_bytes(data)
        shutil.copy(MODELS / GOOD_IDS[0] / "weights.safetensors", tmp_path / name)
    (tmp_path / "e-huge").mkdir()
    with (tmp_path / "e-huge" / "card.json").open("wb") as f:  # sparse: refused by its size
        f.truncate(MAX_CARD_BYTES + 1)
    return tmp_path


def test_the_catalogue_skips_bad_cards_and_says_why(zoo_with_bad_cards):
    from app import zoo

    entries, skipped = zoo.scan(str(zoo_with_bad_cards))
    assert sorted(e.id for e in entries) == GOOD_IDS
    why = {s.id: s.reason for s in skipped}
    assert sorted(why) == sorted([*BAD_CARDS, "e-huge"])
    assert "expected a JSON object, got list" in why["a-list"]
    assert "expected an object under 'architecture', got 'lstm'" in why["b-arch-string"]
    assert "nested at most" in why["c-deep"]
    assert "expected UTF-8 JSON" in why["d-not-utf8"]
    assert f"expected at most {MAX_CARD_BYTES} bytes" in why["e-huge"]
    for entry in entries:  # the good ones still load, with the folder's name as their id
        model = zoo.load_model(entry.id, str(zoo_with_bad_cards))
        assert model.id == entry.id and cells.trace(model, model.card.samples[0]).steps > 0


@pytest.mark.timeout(300)
def test_the_page_lists_skipped_cards_and_still_runs(zoo_with_bad_cards, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP

    monkeypatch.setenv("GATESCOPE_MODELS", str(zoo_with_bad_cards))
    at = AppTest.from_file(str(APP), default_timeout=240)
    at.run()
    assert not at.exception, at.exception
    # as the page shows them: the messages are Markdown with every punctuation mark escaped
    warnings = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in at.sidebar.warning))
    for name in [*BAD_CARDS, "e-huge"]:
        assert name in warnings, name
    assert "expected a JSON object, got list" in warnings
    drawn = [c for c in at.get("bidi_component") if c.proto.component_name == "gatescope_heatmaps"]
    assert drawn or at.get("plotly_chart")  # a good model is drawn


# ---------------------------------------------------------------- cells.load builds once


def test_load_builds_the_recurrent_once_with_its_weights(monkeypatch):
    from cells import recurrent

    built, checked = [], []
    post_init, check_shapes = recurrent.Recurrent.__post_init__, recurrent.check_shapes

    def counting_post_init(self):
        built.append(dict(self.weights))
        post_init(self)

    def counting_check(tensors, expected, what):
        checked.append(sorted(tensors))
        return check_shapes(tensors, expected, what)

    monkeypatch.setattr(recurrent.Recurrent, "__post_init__", counting_post_init)
    monkeypatch.setattr(recurrent, "check_shapes", counting_check)
    monkeypatch.setattr(cells.modelfile, "check_shapes", counting_check)
    model = cells.load(MODELS / "sentiment-bilstm")
    assert len(built) == 1, "the Recurrent was built more than once"
    rnn_names = sorted(model.recurrent.weights)
    assert sorted(built[0]) == rnn_names and len(rnn_names) == 8  # built with its weights
    assert sum(any(n in names for n in rnn_names) for names in checked) == 1  # checked once
    assert all(w.dtype == np.float32 for w in model.recurrent.weights.values())
    assert isinstance(model.card, Card) and model.card.head_kind == "classes"


def test_ids_given_to_the_loaders(tmp_path):
    shutil.copytree(MODELS / "anbn-gru", tmp_path / "renamed")
    assert cells.load(tmp_path / "renamed").id == "anbn-gru"  # the card's own id
    assert cells.load(tmp_path / "renamed", id="mine").id == "mine"
    doc = json.loads((tmp_path / "renamed" / "card.json").read_text("utf-8"))
    del doc["id"]
    (tmp_path / "renamed" / "card.json").write_text(json.dumps(doc), "utf-8")
    assert cells.load(tmp_path / "renamed").id == "renamed"  # else the folder's name
    weights = (tmp_path / "renamed" / "weights.safetensors").read_bytes()
    model = cells.load_bytes(weights, json.dumps(doc).encode(), id="upload-1")
    assert model.id == "upload-1" and model.card.as_dict()["id"] == "upload-1"


def test_notable_in_picks_one_layer_and_direction():
    arch = {"cell": "lstm", "input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True}
    card = card_from_json(_doc(None, architecture=arch, notable_units=[
        {"unit": 3, "what": "x"}, {"unit": 2, "layer": 0, "direction": 1, "what": "y"},
        {"unit": 1, "what": "z"}]))
    assert card.notable_in() == [3, 1]
    assert card.notable_in(0, 1) == [2]
    assert card.notable_in(1, 0) == []
