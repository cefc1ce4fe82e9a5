"""Model folders: export from torch -> load -> the same numbers; every malformed file refused with a
message that says what was expected and what was found; pickles refused and never executed."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.numpy import load as st_load
from safetensors.numpy import save as st_save
from torch import nn

import cells
from cells import ModelFileError

torch.set_num_threads(1)  # tiny tensors; torch's thread pool only stalls on a busy machine
TOL = 1e-5
WORDS = ["<unk>", "the", "dogs", "were", "barking", "."]


# ---------------------------------------------------------------- round trips against torch


def _word_lstm(folder: Path):
    torch.manual_seed(0)
    emb, rnn, head = nn.Embedding(len(WORDS), 8), nn.LSTM(8, 6), nn.Linear(6, len(WORDS))
    cells.export_torch(
        folder,
        rnn=rnn,
        embedding=emb,
        head=head,
        tokenizer={"kind": "word", "vocab": WORDS, "lowercase": True},
        card={"task": "next word", "seed": 0},
        labels=WORDS,
    )
    return emb, rnn, head


def test_word_lstm_round_trip_equals_torch(tmp_path):
    emb, rnn, head = _word_lstm(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["card.json", "weights.safetensors"]
    names = set(st_load((tmp_path / "m" / "weights.safetensors").read_bytes()))
    assert names == {
        "embedding.weight",
        "rnn.weight_ih_l0",
        "rnn.weight_hh_l0",
        "rnn.bias_ih_l0",
        "rnn.bias_hh_l0",
        "head.weight",
        "head.bias",
    }
    model = cells.load(tmp_path / "m")
    assert model.id == "m"
    assert model.card.task == "next word" and model.card.seed == 0
    assert model.card.head_kind == "next_token" and model.card.output_labels == tuple(WORDS)
    text = "The dogs were BARKING loudly."
    t = cells.trace(model, text)
    assert t.tokens == ["The", "dogs", "were", "BARKING", "loudly", "."]
    assert t.token_ids == [1, 2, 3, 4, 0, 5]  # lowercase lookup; "loudly" is <unk>
    assert [text[a:b] for a, b in t.spans] == t.tokens
    with torch.no_grad():
        ids = torch.tensor(t.token_ids)
        y, _ = rnn(emb(ids)[:, None])
        probs = torch.softmax(head(y[:, 0]), dim=-1).numpy()
        h = y[:, 0].numpy()
    assert t.outputs.shape == (6, len(WORDS))
    assert np.abs(t.outputs - probs).max() <= TOL
    assert np.abs(t.gates(0, 0)["h"] - h).max() <= TOL
    assert np.allclose(t.outputs.sum(axis=1), 1, atol=1e-5)


def test_bigru_round_trip_equals_torch(tmp_path):
    torch.manual_seed(1)
    vocab = ["<unk>", "a", "b", "c", " "]
    emb, rnn, head = nn.Embedding(5, 4), nn.GRU(4, 3, num_layers=2, bidirectional=True), None
    head = nn.Linear(6, 2)
    cells.export_torch(
        tmp_path / "bigru",
        rnn=rnn,
        embedding=emb,
        head=head,
        head_activation="sigmoid",
        labels=["vowel next", "space next"],
        tokenizer={"kind": "char", "vocab": vocab},
        card={"task": "toy"},
    )
    card = json.loads((tmp_path / "bigru" / "card.json").read_text("utf-8"))
    assert card["architecture"] == {
        "cell": "gru",
        "input_size": 4,
        "hidden_size": 3,
        "num_layers": 2,
        "bidirectional": True,
        "bias": True,
        "nonlinearity": "tanh",
    }
    model = cells.load(tmp_path / "bigru")
    t = cells.trace(model, "abc cab xyz")
    assert t.token_ids == [1, 2, 3, 4, 3, 1, 2, 4, 0, 0, 0]
    with torch.no_grad():
        y, h_n = rnn(emb(torch.tensor(t.token_ids))[:, None])
        out = torch.sigmoid(head(y[:, 0])).numpy()
    assert t.outputs.shape == (11, 2)
    assert np.abs(t.outputs - out).max() <= TOL
    assert np.abs(t.top_output() - y[:, 0].numpy()).max() <= TOL
    assert np.abs(t.final_states()[0] - h_n[:, 0].numpy()).max() <= TOL
    assert model.head is not None and model.head.labels == ("vowel next", "space next")


def test_values_model_round_trip_equals_torch(tmp_path):
    torch.manual_seed(2)
    rnn, head = nn.LSTM(1, 5), nn.Linear(5, 1)
    mean, std, scale, shift = 10.0, 2.0, 3.0, 0.5
    cells.export_torch(
        tmp_path / "v",
        rnn=rnn,
        head=head,
        head_activation="linear",
        tokenizer={"kind": "values"},
        card={
            "task": "forecast",
            "input": {"kind": "values", "mean": mean, "std": std},
            "head": {"scale": scale, "shift": shift},
        },
    )
    names = set(st_load((tmp_path / "v" / "weights.safetensors").read_bytes()))
    assert "embedding.weight" not in names
    model = cells.load(tmp_path / "v")
    t = cells.trace(model, "10, 12.5; 8 nan x\t11")
    assert t.tokens == ["10", "12.5", "8", "nan", "x", "11"]
    values = np.array([10, 12.5, 8, mean, mean, 11], np.float32)  # unreadable -> the mean
    with torch.no_grad():
        x = torch.from_numpy((values - mean) / std)[:, None, None]
        y, _ = rnn(x)
        want = (head(y[:, 0]) * scale + shift).numpy()
    assert t.outputs.shape == (6, 1)
    assert np.abs(t.outputs - want).max() <= 1e-4  # values of ~10: relative 1e-5
    assert np.abs(t.gates(0, 0)["h"] - y[:, 0].numpy()).max() <= TOL


def test_save_load_keeps_every_tensor_bit_for_bit(tmp_path):
    emb, rnn, head = _word_lstm(tmp_path / "m")
    model = cells.load(tmp_path / "m")
    for name, p in rnn.state_dict().items():
        assert np.array_equal(model.recurrent.weights[name], p.numpy()), name
    assert np.array_equal(model.embedding, emb.weight.detach().numpy())
    assert np.array_equal(model.head.weight, head.weight.detach().numpy())
    again = cells.save(tmp_path / "copy", _tensors(tmp_path / "m"), model.card)
    assert cells.load(again).recurrent.weights.keys() == model.recurrent.weights.keys()


def test_load_bytes_equals_load(tmp_path):
    _word_lstm(tmp_path / "m")
    w = (tmp_path / "m" / "weights.safetensors").read_bytes()
    c = (tmp_path / "m" / "card.json").read_bytes()
    a = cells.trace(cells.load_bytes(w, c), "the dogs")
    b = cells.trace(cells.load(tmp_path / "m"), "the dogs")
    assert np.array_equal(a.outputs, b.outputs)


# ---------------------------------------------------------------- validation messages


def _tensors(folder: Path) -> dict[str, np.ndarray]:
    return dict(st_load((folder / "weights.safetensors").read_bytes()))


def _card(folder: Path) -> dict:
    return json.loads((folder / "card.json").read_text("utf-8"))


@pytest.fixture
def good(tmp_path) -> Path:
    _word_lstm(tmp_path / "m")
    return tmp_path / "m"


def _refused(folder: Path, *fragments: str) -> str:
    with pytest.raises(ModelFileError) as e:
        cells.load(folder)
    msg = str(e.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return msg


def test_missing_tensor_is_named(good):
    t = _tensors(good)
    del t["rnn.bias_hh_l0"]
    (good / "weights.safetensors").write_bytes(st_save(t))
    _refused(good, "weights.safetensors", "missing", "rnn.bias_hh_l0")


def test_unexpected_tensor_is_named(good):
    t = _tensors(good)
    t["rnn.weight_ih_l1"] = np.zeros((24, 6), np.float32)
    (good / "weights.safetensors").write_bytes(st_save(t))
    _refused(good, "unexpected", "rnn.weight_ih_l1")


def test_wrong_shape_says_expected_and_got(good):
    t = _tensors(good)
    t["rnn.weight_hh_l0"] = np.zeros((24, 5), np.float32)
    (good / "weights.safetensors").write_bytes(st_save(t))
    _refused(good, "rnn.weight_hh_l0", "expected shape (24, 6)", "got (24, 5)")


def test_embedding_must_match_vocabulary(good):
    card = _card(good)
    card["tokenizer"]["vocab"] = WORDS + ["extra"]
    (good / "card.json").write_text(json.dumps(card), "utf-8")
    _refused(good, "embedding.weight", "expected shape (7, 8)", "got (6, 8)")


def test_unknown_cell_lists_the_known_ones(good):
    card = _card(good)
    card["architecture"]["cell"] = "transformer"
    (good / "card.json").write_text(json.dumps(card), "utf-8")
    _refused(good, "'transformer'", "gru", "lstm", "rnn", "sgru")


def test_unknown_tokenizer_kind(good):
    card = _card(good)
    card["tokenizer"]["kind"] = "bpe"
    (good / "card.json").write_text(json.dumps(card), "utf-8")
    _refused(good, "tokenizer", "'bpe'", "char", "word", "values")


def test_unknown_head_activation(good):
    card = _card(good)
    card["head"]["activation"] = "relu6"
    (good / "card.json").write_text(json.dumps(card), "utf-8")
    _refused(good, "head.activation", "softmax", "'relu6'")


def test_card_not_json(good):
    (good / "card.json").write_text("{'architecture': nope", "utf-8")
    _refused(good, "card.json", "expected UTF-8 JSON")


def test_card_not_utf8(good):
    (good / "card.json").write_bytes(b'{"a": "\xff\xfe"}')
    _refused(good, "card.json", "expected UTF-8 JSON")


@pytest.mark.parametrize("doc, got", [("[1, 2]", "list"), ('"hi"', "str"), ("null", "NoneType")])
def test_card_not_an_object(good, doc, got):
    (good / "card.json").write_text(doc, "utf-8")
    _refused(good, "card.json", "expected a JSON object", f"got {got}")


def test_card_without_architecture(good):
    card = _card(good)
    del card["architecture"]
    (good / "card.json").write_text(json.dumps(card), "utf-8")
    _refused(good, "card.json", "'architecture'", "got None")


def test_architecture_with_a_missing_size(good):
    card = _card(good)
    del card["architecture"]["hidden_size"]
    (good / "card.json").write_text(json.dumps(card), "utf-8")
    _refused(good, "card.json", "architecture", "expected 'hidden_size', found none")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 3,
        b"garbage, not safetensors at all" * 10,
        b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ",
    ],
    ids=["empty", "short", "garbage", "bad-header"],
)
def test_garbage_weights(good, data):
    (good / "weights.safetensors").write_bytes(data)
    _refused(good, "weights.safetensors", "expected a safetensors file")


def test_truncated_weights(good):
    data = (good / "weights.safetensors").read_bytes()
    for cut in (len(data) - 1, len(data) // 2, 9):
        (good / "weights.safetensors").write_bytes(data[:cut])
        _refused(good, "weights.safetensors", "expected a safetensors file")


def test_header_claiming_a_huge_length(good):
    """A header length of 2^60 bytes must be refused without trying to allocate it."""
    for claimed in (2**60, 2**64 - 1, 10**9):
        (good / "weights.safetensors").write_bytes(struct.pack("<Q", claimed) + b'{"a": 1}')
        _refused(good, "weights.safetensors", "expected a safetensors file")


def test_tensor_data_pointing_past_the_end(good):
    header = json.dumps(
        {"rnn.weight_ih_l0": {"dtype": "F32", "shape": [24, 8], "data_offsets": [0, 768]}}
    ).encode()
    (good / "weights.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 8)
    _refused(good, "weights.safetensors", "expected a safetensors file")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights(good, bad):
    t = _tensors(good)
    t["rnn.weight_hh_l0"][3, 2] = bad
    (good / "weights.safetensors").write_bytes(st_save(t))
    _refused(good, "rnn.weight_hh_l0", "expected finite numbers", "NaN or inf")


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_])
def test_wrong_dtype(good, dtype):
    t = _tensors(good)
    t["head.bias"] = t["head.bias"].astype(dtype)
    (good / "weights.safetensors").write_bytes(st_save(t))
    _refused(good, "head.bias", "expected a float tensor", f"got {np.dtype(dtype)}")


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_other_float_widths_load_as_float32(good, dtype):
    t = {k: v.astype(dtype) for k, v in _tensors(good).items()}
    (good / "weights.safetensors").write_bytes(st_save(t))
    model = cells.load(good)
    assert all(v.dtype == np.float32 for v in model.recurrent.weights.values())
    assert cells.trace(model, "the dogs").outputs.dtype == np.float32


def test_missing_files_are_listed(good):
    (good / "card.json").unlink()
    _refused(good, "expected weights.safetensors and card.json", "found ['weights.safetensors']")


def test_nothing_there(tmp_path):
    _refused(tmp_path / "nope", "expected a model folder", "found nothing")


def test_a_plain_file_is_not_a_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    _refused(tmp_path / "notes.txt", "expected a model folder")


def test_oversized_weights_refused_before_reading(good):
    """A sparse file of 200 MiB + 1 byte: refused by its size, never read."""
    with (good / "weights.safetensors").open("r+b") as f:
        f.truncate(cells.modelfile.MAX_WEIGHTS_BYTES + 1)
    _refused(good, "weights.safetensors", "expected at most", "got 209715201")


def _card_paths(o: dict, pre: tuple = ()):
    for k, v in o.items():
        yield (*pre, k)
        if isinstance(v, dict):
            yield from _card_paths(v, (*pre, k))


WRONG = [None, 0, -1, 10**30, 1.5, "x", [], {}, ["a"], True, float("nan")]


@pytest.mark.timeout(60)
def test_every_card_field_with_a_wrong_value_is_refused_or_loads(good):
    """Each field of the card (and the input/head sections) set to each wrong kind of value: the
    load either works or raises ModelFileError, never a TypeError or AttributeError, and a card
    claiming 10^30 layers is refused at once instead of enumerating their tensors."""
    card, weights = _card(good), (good / "weights.safetensors").read_bytes()
    fields = [*_card_paths(card), ("input", "mean"), ("input", "std"), ("head", "scale")]
    tried = 0
    for path in fields:
        for value in WRONG:
            doc = json.loads(json.dumps(card))
            section = doc
            for key in path[:-1]:
                section = section[key]
            section[path[-1]] = value
            try:
                model = cells.load_bytes(weights, json.dumps(doc).encode())
                cells.trace(model, "the dogs")
            except ModelFileError:
                pass
            tried += 1
    assert tried == len(fields) * len(WRONG) > 100


# ---------------------------------------------------------------- pickles


class Plain:
    def __init__(self):
        self.weights = [1.0, 2.0]


def _torch_zip() -> bytes:
    buf = io.BytesIO()
    torch.save({"weight": torch.zeros(2, 2)}, buf)
    return buf.getvalue()


def _torch_legacy() -> bytes:
    buf = io.BytesIO()
    torch.save({"weight": torch.zeros(2, 2)}, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


PICKLE_KINDS = {
    "pickle-p0": lambda: pickle.dumps({"w": [1.0]}, protocol=0),
    "pickle-p2": lambda: pickle.dumps(Plain(), protocol=2),
    "pickle-p5": lambda: pickle.dumps(Plain(), protocol=5),
    "torch-zip": _torch_zip,
    "torch-legacy": _torch_legacy,
}


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin"])
def test_pickle_files_refused_by_name(tmp_path, suffix):
    p = tmp_path / f"model{suffix}"
    p.write_bytes(_torch_zip())
    with pytest.raises(ModelFileError, match="refusing a pickle-based file") as e:
        cells.load(p)
    assert "weights.safetensors" in str(e.value) and "export_torch" in str(e.value)


def test_pickle_refused_even_with_an_innocent_name(tmp_path):
    p = tmp_path / "model.dat"
    p.write_bytes(_torch_legacy())
    with pytest.raises(ModelFileError, match="refusing a pickle-based file"):
        cells.load(p)


def test_folder_holding_only_a_model_pt(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.pt").write_bytes(_torch_zip())
    _refused(tmp_path / "m", "model.pt: refusing a pickle-based file", "weights.safetensors + card.json")


@pytest.mark.parametrize("kind", sorted(PICKLE_KINDS))
def test_pickle_renamed_to_weights_safetensors(good, kind):
    data = PICKLE_KINDS[kind]()
    (good / "weights.safetensors").write_bytes(data)
    msg = _refused(good, "weights.safetensors")
    assert "refusing a pickle-based file" in msg or "expected a safetensors file" in msg
    if data[:1] == b"\x80" or data[:2] == b"PK":  # protocol 2+ and zips: refused by content
        assert "refusing a pickle-based file" in msg
    with pytest.raises(ModelFileError):
        cells.load_bytes(data, (good / "card.json").read_bytes())


def test_torch_save_zip_is_a_zip():
    assert zipfile.is_zipfile(io.BytesIO(_torch_zip()))  # what the "PK" check relies on


# ---------------------------------------------------------------- hostile pickles run nothing


def _hostile_pickles(marker: Path) -> dict[str, bytes]:
    """Pickles whose loading would create ``marker`` (via os.system, or builtins.open)."""

    class BySystem:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    class ByOpen:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    out = {}
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        out[f"system-p{proto}"] = pickle.dumps(BySystem(), protocol=proto)
        out[f"open-p{proto}"] = pickle.dumps(ByOpen(), protocol=proto)
    buf = io.BytesIO()
    torch.save({"x": BySystem()}, buf)
    out["torch-save-zip"] = buf.getvalue()
    buf = io.BytesIO()
    torch.save({"x": ByOpen()}, buf, _use_new_zipfile_serialization=False)
    out["torch-save-legacy"] = buf.getvalue()
    return out


def test_the_hostile_pickles_really_are_hostile(tmp_path):
    """Control: unpickled by Python or torch.load, each payload does create the marker (they are
    ours and only touch a file in tmp_path). Otherwise the test below would prove nothing."""
    marker = tmp_path / "pwned"
    for name, data in _hostile_pickles(marker).items():
        if name.startswith("torch"):
            torch.load(io.BytesIO(data), weights_only=False)
        else:
            pickle.loads(data)
        assert marker.exists(), name
        marker.unlink()


def test_loading_a_hostile_pickle_runs_no_code(tmp_path, monkeypatch, good):
    marker = tmp_path / "pwned"

    def no_unpickling(*args, **kwargs):
        raise AssertionError("something tried to unpickle")

    for attr in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, attr, no_unpickling)
    card = (good / "card.json").read_bytes()
    attempts = 0
    for name, data in _hostile_pickles(marker).items():
        for suffix in (".pkl", ".pt", ".safetensors", ""):
            f = tmp_path / f"evil-{name}{suffix}"
            f.write_bytes(data)
            with pytest.raises(ModelFileError):
                cells.load(f)  # the file itself
            attempts += 1
        folder = tmp_path / f"folder-{name}"
        folder.mkdir()
        (folder / "weights.safetensors").write_bytes(data)
        (folder / "card.json").write_bytes(card)
        with pytest.raises(ModelFileError):
            cells.load(folder)  # a folder with the pickle as its weights
        (folder / "card.json").write_bytes(data)
        with pytest.raises(ModelFileError):
            cells.load(folder)  # ... and as its card
        (folder / "weights.safetensors").write_bytes((good / "weights.safetensors").read_bytes())
        with pytest.raises(ModelFileError):
            cells.load(folder)  # good weights, pickle card
        for weights, card_bytes, wname in (
            (data, card, "weights.safetensors"),
            (data, card, "upload.pt"),
            (data, data, "weights.safetensors"),
            ((good / "weights.safetensors").read_bytes(), data, "weights.safetensors"),
        ):
            with pytest.raises(ModelFileError):
                cells.load_bytes(weights, card_bytes, wname)
            attempts += 1
        assert not marker.exists(), f"{name}: loading ran the pickle's code"
    assert attempts == 8 * len(_hostile_pickles(marker))
    assert not marker.exists()
