"""Hostile model folders and uploads (issue 13): each answered with a ``ModelFileError`` that names
the field or tensor, says what was expected and what was got, and is at most MAX_MESSAGE characters;
never a RecursionError/ValueError/OverflowError, a hang, a system directory's listing, a link
followed out of the folder, or hundreds of megabytes spent on a file that is then refused."""

from __future__ import annotations

import copy
import json
import os
import shutil
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load as st_load
from safetensors.numpy import save as st_save

import cells
from cells import ModelFileError
from cells.card import MAX_MESSAGE
from cells.pipeline import MAX_TRACE_CHARS, MAX_TRACE_TOKENS, TextTooLong
from tests.conftest import MODELS

SOURCE = MODELS / "agreement-lstm"  # word LSTM, embedding input, softmax head
WEIGHTS = (SOURCE / "weights.safetensors").read_bytes()
CARD = json.loads((SOURCE / "card.json").read_text("utf-8"))


def card_bytes(change=None, raw: tuple[str, str] | None = None) -> bytes:
    doc = copy.deepcopy(CARD)
    if change:
        change(doc)
    text = json.dumps(doc)
    if raw:  # splice literal JSON text that json.dumps cannot write (1e400, 5,000 digits)
        text = text.replace(json.dumps(raw[0]), raw[1], 1)
    return text.encode()


def setter(*path_and_value):
    *path, value = path_and_value

    def change(doc):
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value

    return change


def refused(weights: bytes, card: bytes, *fragments: str) -> str:
    with pytest.raises(ModelFileError) as e:
        model = cells.load_bytes(weights, card)
        cells.trace(model, "the dogs were barking")  # a load that passes must also trace
    msg = str(e.value)
    assert len(msg) <= MAX_MESSAGE, len(msg)
    for f in fragments:
        assert f in msg, (f, msg)
    return msg


def in_folder(tmp_path: Path, weights: bytes = WEIGHTS, card: bytes | None = None) -> Path:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "weights.safetensors").write_bytes(weights)
    (folder / "card.json").write_bytes(card if card is not None else json.dumps(CARD).encode())
    return folder


# ---------------------------------------------------------------- the card

CARD_CASES = {
    # name: (card bytes, fragments of the message)
    "nested-1000": (card_bytes(setter("training", "deep", "X"), ("X", "[" * 1000 + "]" * 1000)),
                    ["card.json", "nested at most"]),
    "digits-5000": (card_bytes(setter("seed", "X"), ("X", "9" * 5000)), ["card.json", "4300 digits"]),
    "hidden-1e400": (card_bytes(setter("architecture", "hidden_size", "X"), ("X", "1e400")),
                     ["architecture.hidden_size", "expected an integer", "got inf"]),
    "mean-1e400": (card_bytes(setter("input", "mean", "X"), ("X", "1e400")),
                   ["input.mean", "expected a finite number", "got inf"]),
    "vocab-empty": (card_bytes(setter("tokenizer", "vocab", [])),
                    ["tokenizer.vocab", "expected at least one entry"]),
    "hidden-0": (card_bytes(setter("architecture", "hidden_size", 0)),
                 ["architecture.hidden_size", "got 0"]),
    "values-wrong-width": (card_bytes(setter("input", "kind", "values")),
                           ["architecture.input_size", "expected 1", "got 32"]),
    "samples-5": (card_bytes(setter("samples", 5)), ["samples", "expected a list of strings", "got 5"]),
    "bidirectional-string": (card_bytes(setter("architecture", "bidirectional", "false")),
                             ["architecture.bidirectional", "expected true or false", "'false'"]),
    "top-level-list": (b"[1, 2]", ["expected a JSON object", "got list"]),
    "architecture-string": (card_bytes(setter("architecture", "lstm")),
                            ["'architecture'", "got 'lstm'"]),
    "labels-not-strings": (card_bytes(setter("head", "labels", [1, 2])), ["head.labels[0]", "got 1"]),
    "notable-unit-out-of-range": (card_bytes(setter("notable_units", [{"unit": 10**9}])),
                                  ["notable_units[0].unit", "0..31"]),
    "huge-string": (card_bytes(setter("title", ["x" * 100_000])), ["title", "expected a string"]),
}


@pytest.mark.parametrize("name", list(CARD_CASES))
def test_hostile_cards_are_refused_naming_the_field(name):
    card, fragments = CARD_CASES[name]
    refused(WEIGHTS, card, *fragments)


def test_a_deep_card_in_a_folder(tmp_path):
    folder = in_folder(tmp_path, card=CARD_CASES["nested-1000"][0])
    with pytest.raises(ModelFileError, match="nested at most"):
        cells.load(folder)


# ---------------------------------------------------------------- the weights


def test_float64_weights_that_overflow_float32_are_refused_after_the_cast():
    tensors = {k: v.astype(np.float64) for k, v in st_load(WEIGHTS).items()}
    tensors["rnn.weight_hh_l0"][0, 0] = 1e300  # finite in float64, inf in float32
    refused(st_save(tensors), card_bytes(), "rnn.weight_hh_l0", "expected finite numbers",
            "after the cast to float32")


@pytest.mark.parametrize("count", [50_000, 200_000])
def test_a_file_of_many_empty_tensors_gives_a_short_message(count):
    tensors = {f"t{i}": np.zeros((0,), np.float32) for i in range(count)}
    msg = refused(st_save(tensors), card_bytes(), "weights.safetensors")
    assert "t0" in msg or "tensors" in msg


def test_every_message_is_capped():
    long = ModelFileError("x" * 2_000_000)
    assert len(str(long)) <= MAX_MESSAGE and "more characters" in str(long)


def _header_only_file(path: Path, declared: dict, size: int) -> None:
    """A sparse file: a real safetensors header, then ``size`` bytes of (unwritten) data."""
    header = json.dumps(declared).encode()
    header += b" " * (-len(header) % 8)
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)
        f.truncate(8 + len(header) + size)


def test_refusing_a_190_mb_file_reads_only_its_header(tmp_path):
    folder = in_folder(tmp_path)
    size = 190 * 2**20
    _header_only_file(folder / "weights.safetensors",
                      {"rnn.weight_ih_l0": {"dtype": "F32", "shape": [size // 4],
                                            "data_offsets": [0, size]}}, size)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="rnn.weight_hh_l0"):
            cells.load(folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, f"refusing it took {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("entry, fragment", [
    ({"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 8]}, "expected a shape"),
    ({"dtype": "F32", "shape": [2], "data_offsets": [0, 12]}, "expected 8 bytes"),
    ({"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}, "data_offsets"),
    ({"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}, "expected a float tensor, got int64"),
    ({"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}, "expected a dtype among"),
    ({"dtype": "F32", "shape": [True, 2], "data_offsets": [0, 8]}, "expected a shape"),
    ("not an entry", "expected a tensor entry"),
])
def test_header_entries_are_checked(tmp_path, entry, fragment):
    header = json.dumps({"x": entry}).encode()
    data = struct.pack("<Q", len(header)) + header + b"\0" * 8
    with pytest.raises(ModelFileError, match=fragment):
        cells.modelfile.parse_weights(data)


def test_bfloat16_reads_as_its_float32_values():
    values = np.array([1.5, -2.0, 0.15625, 3e38], np.float32)
    bits = (values.view(np.uint32) >> 16).astype("<u2")  # exactly representable in bf16
    header = json.dumps({"x": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 8]}}).encode()
    got = cells.modelfile.parse_weights(struct.pack("<Q", len(header)) + header + bits.tobytes())
    assert got["x"].dtype == np.float32
    np.testing.assert_array_equal(got["x"], (bits.astype(np.uint32) << 16).view(np.float32))


def test_the_reader_agrees_with_safetensors_on_every_shipped_model():
    for folder in sorted(MODELS.glob("*/weights.safetensors"))[:6]:
        data = folder.read_bytes()
        ours, theirs = cells.modelfile.parse_weights(data), st_load(data)
        assert sorted(ours) == sorted(theirs)
        for k in ours:
            np.testing.assert_array_equal(ours[k], theirs[k].astype(np.float32))


# ---------------------------------------------------------------- the folder


def test_a_link_leading_out_of_the_folder_is_not_followed(tmp_path):
    outside = tmp_path / "elsewhere.safetensors"
    outside.write_bytes(WEIGHTS)  # a perfectly good file: it still must not be followed
    folder = in_folder(tmp_path)
    (folder / "weights.safetensors").unlink()
    (folder / "weights.safetensors").symlink_to(outside)
    with pytest.raises(ModelFileError, match="symbolic link leading out of it"):
        cells.load(folder)
    (folder / "weights.safetensors").unlink()
    (folder / "weights.safetensors").write_bytes(WEIGHTS)
    (tmp_path / "card-elsewhere.json").write_text(json.dumps(CARD))
    (folder / "card.json").unlink()
    (folder / "card.json").symlink_to(tmp_path / "card-elsewhere.json")
    with pytest.raises(ModelFileError, match="symbolic link leading out of it"):
        cells.load(folder)


def test_a_link_inside_the_folder_and_a_linked_folder_still_load(tmp_path):
    folder = in_folder(tmp_path)
    (folder / "weights.safetensors").rename(folder / "v2.safetensors")
    (folder / "weights.safetensors").symlink_to("v2.safetensors")
    linked = tmp_path / "linked"
    linked.symlink_to(folder)
    assert cells.trace(cells.load(linked), "the dogs").steps == 2


def test_a_folder_linked_to_a_system_directory_does_not_list_it(tmp_path):
    (tmp_path / "etc").symlink_to("/etc")
    with pytest.raises(ModelFileError) as e:
        cells.load(tmp_path / "etc")
    msg = str(e.value)
    assert "expected weights.safetensors and card.json" in msg
    for name in ("passwd", "hostname", "os-release", "apt"):
        assert name not in msg, msg


@pytest.mark.timeout(30)
@pytest.mark.parametrize("which", ["card.json", "weights.safetensors"])
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path, which):
    folder = in_folder(tmp_path)
    (folder / which).unlink()
    os.mkfifo(folder / which)
    with pytest.raises(ModelFileError, match="expected a regular file, got a FIFO"):
        cells.load(folder)


@pytest.mark.timeout(60)
def test_the_catalogue_skips_a_fifo_card_and_a_card_linked_outside(tmp_path):
    from app import zoo

    shutil.copytree(SOURCE, tmp_path / "good")
    (tmp_path / "fifo").mkdir()
    os.mkfifo(tmp_path / "fifo" / "card.json")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "card.json").symlink_to(SOURCE / "card.json")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "card.json").mkdir()
    entries, skipped = zoo.scan(str(tmp_path))
    assert [e.id for e in entries] == ["good"]
    why = {s.id: s.reason for s in skipped}
    assert "got a FIFO" in why["fifo"] and "leading out of it" in why["out"]
    assert "expected a regular file, got a folder" in why["dir"]


def test_a_special_folder_path_is_named(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ModelFileError, match="expected a model folder, got a FIFO"):
        cells.load(tmp_path / "pipe")


# ---------------------------------------------------------------- uploads


def test_uploads_go_through_the_same_checks():
    from app import zoo

    tensors = {k: v.astype(np.float64) for k, v in st_load(WEIGHTS).items()}
    tensors["head.weight"][0, 0] = -1e300
    with pytest.raises(ModelFileError, match="after the cast"):
        zoo.model_from_upload([("w.safetensors", st_save(tensors)), ("card.json", card_bytes())])
    many = st_save({f"t{i}": np.zeros((0,), np.float32) for i in range(50_000)})
    with pytest.raises(ModelFileError) as e:
        zoo.model_from_upload([("w.safetensors", many), ("card.json", card_bytes())])
    assert len(str(e.value)) <= MAX_MESSAGE


def test_an_upload_whose_header_length_starts_with_0x80_is_not_taken_for_a_pickle():
    from app import zoo

    tensors = st_load(WEIGHTS)
    for pad in range(0, 400):  # find a metadata length that puts 0x80 in the first byte
        data = st_save(tensors, metadata={"pad": "x" * pad})
        if data[0] == 0x80:
            break
    assert data[0] == 0x80
    model = zoo.model_from_upload([("w.safetensors", data), ("card.json", card_bytes())])
    assert cells.trace(model, "the dogs").steps == 2


# ---------------------------------------------------------------- cells.trace has a limit


def test_trace_refuses_texts_beyond_its_stated_limit():
    model = cells.load(SOURCE)
    assert f"{MAX_TRACE_CHARS:,}" in cells.trace.__doc__ and f"{MAX_TRACE_TOKENS:,}" in cells.trace.__doc__
    with pytest.raises(TextTooLong, match="characters"):
        cells.trace(model, "x" * (MAX_TRACE_CHARS + 1))
    with pytest.raises(TextTooLong, match="tokens"):
        cells.trace(model, "a " * (MAX_TRACE_TOKENS + 1))
    assert isinstance(TextTooLong("x"), ValueError)
    assert cells.trace(model, "a " * 100).steps == 100
