"""Model folders: ``weights.safetensors`` (PyTorch ``state_dict`` names) + ``card.json``.

Never unpickles anything: pickle-based files (``.pt``, ``.pth``, ``.pkl``, ``.ckpt``, …) are refused
by name and by content before any byte of them is interpreted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from cells.card import (  # noqa: F401  (MAX_CARD_BYTES, MAX_LAYERS: re-exported)
    CARD,
    MAX_CARD_BYTES,
    MAX_LAYERS,
    Architecture,
    Card,
    ModelFileError,
    file_kind,
    open_inside,
    parse_card,
    read_card,
)
from cells.head import Head
from cells.model import Model
from cells.recurrent import Recurrent, ShapeError, check_shapes, expected_shapes
from cells.registry import spec_of
from cells.weights_file import Header, parse_bytes, read_header, read_tensors

WEIGHTS = "weights.safetensors"
MAX_WEIGHTS_BYTES = 200 * 2**20
PICKLE_SUFFIXES = {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".joblib", ".npy", ".npz"}


def refuse_pickle(name: str, head: bytes) -> None:
    """Raise if a file looks like a pickle or a torch.save zip, by its name or its first bytes."""
    suffix = Path(name).suffix.lower()
    if head[8:9] == b"{" and suffix not in PICKLE_SUFFIXES:
        return  # safetensors: an 8-byte header length (any first byte, 0x80 too), then JSON
    if suffix in PICKLE_SUFFIXES or head[:1] == b"\x80" or head[:2] == b"PK":
        raise ModelFileError(
            f"{name}: refusing a pickle-based file (PyTorch .pt/.pth, .pkl, zip archives): it could"
            f" run code when loaded. Export the model as {WEIGHTS} + {CARD} instead"
            " (cells.export_torch)."
        )


def parse_weights(data: bytes, name: str = WEIGHTS) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file held in memory, as float32 (see ``cells.weights_file``)."""
    header, read_at = _header_of_bytes(data, name)
    return read_tensors(header, read_at, name)


def _header_of_bytes(data: bytes, name: str) -> tuple[Header, Callable[[int, int], bytes]]:
    refuse_pickle(name, data[:9])
    if len(data) > MAX_WEIGHTS_BYTES:
        raise ModelFileError(f"{name}: expected at most {MAX_WEIGHTS_BYTES} bytes, got {len(data)}")
    return parse_bytes(data, name)


def _check_header(card: Card, header: Header, name: str) -> None:
    """Refuse, from the header alone (no tensor data read yet), a file whose tensor names or
    shapes are not the card's."""
    expected = expected_tensors(card)
    got = {k: v.shape for k, v in header.tensors.items()}
    if got != expected:
        try:
            check_shapes({k: _Shaped(v) for k, v in got.items()}, expected, what=name)
        except ShapeError as e:
            raise ModelFileError(str(e)) from e


class _Shaped:
    """A tensor known only by its shape (from a header)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape


def expected_tensors(card: Card) -> dict[str, tuple[int, ...]]:
    """Every tensor name a model with this card must have, with its shape."""
    arch = card.architecture
    blocks = spec_of(arch.cell, arch.nonlinearity).blocks
    recurrent = expected_shapes(blocks, arch.input_size, arch.hidden_size, arch.num_layers,
                                arch.num_directions, arch.bias)
    shapes = {f"rnn.{k}": v for k, v in recurrent.items()}
    shapes.update(_outer_shapes(card))
    return shapes


def _outer_shapes(card: Card) -> dict[str, tuple[int, ...]]:
    """The tensors around the recurrent stack: the embedding and the head, with their shapes."""
    shapes: dict[str, tuple[int, ...]] = {}
    if card.input.kind == "embedding":
        shapes["embedding.weight"] = (len(card.tokenizer.vocab), card.architecture.input_size)
    if card.head is not None:
        shapes["head.weight"] = (card.head.size, card.architecture.output_size)
        if card.head.bias:
            shapes["head.bias"] = (card.head.size,)
    return shapes


def _recurrent(arch: Architecture, weights: dict[str, np.ndarray] | None = None) -> Recurrent:
    return Recurrent(
        cell=arch.cell,
        input_size=arch.input_size,
        hidden_size=arch.hidden_size,
        num_layers=arch.num_layers,
        bidirectional=arch.bidirectional,
        bias=arch.bias,
        nonlinearity=arch.nonlinearity,
        weights=weights or {},
    )


def build(card: Card, tensors: dict[str, np.ndarray]) -> Model:
    """Check ``tensors`` against the card and assemble the model. The ``Recurrent`` is built once,
    with its weights, and checks their names and shapes itself."""
    rnn = {k[4:]: v for k, v in tensors.items() if k.startswith("rnn.")}  # PyTorch's names
    outer = {k: v for k, v in tensors.items() if not k.startswith("rnn.")}
    rec, problem = None, None
    if rnn:
        try:
            rec = _recurrent(card.architecture, rnn)
        except ShapeError as e:
            problem = e
    try:
        if rec is None:  # name every problem of the file, with the names the file uses
            check_shapes(tensors, expected_tensors(card), what=WEIGHTS)
            raise problem or ShapeError(f"{WEIGHTS}: expected the recurrent tensors rnn.*, found none")
        check_shapes(outer, _outer_shapes(card), what=WEIGHTS)
        tokenizer = card.tokenizer.build()
    except (ShapeError, ValueError, TypeError) as e:
        raise ModelFileError(str(e)) from e
    head = None
    if card.head is not None:
        head = Head(
            weight=tensors["head.weight"],  # (K, D*H)
            bias=tensors.get("head.bias"),  # (K,)
            activation=card.head.activation,
            labels=card.head.labels,
            scale=card.head.scale,
            shift=card.head.shift,
        )
    return Model(
        recurrent=rec,
        tokenizer=tokenizer,
        head=head,
        embedding=tensors.get("embedding.weight"),  # (V, I)
        value_mean=card.input.mean,
        value_std=card.input.std,
        card=card,
    )


def load_bytes(
    weights: bytes, card: bytes, weights_name: str = WEIGHTS, *, id: str | None = None
) -> Model:
    """Load a model from the bytes of its two files (for uploads); ``id`` replaces the card's."""
    parsed = parse_card(card, id=id)
    header, read_at = _header_of_bytes(weights, weights_name)
    _check_header(parsed, header, weights_name)  # before any tensor data is read
    return build(parsed, read_tensors(header, read_at, weights_name))


def load(path: str | Path, *, id: str | None = None) -> Model:
    """Load a model folder (``weights.safetensors`` + ``card.json``). Never unpickles. The model's
    id is ``id`` if given, else the card's, else the folder's name.

    The folder may be a symbolic link, but links inside it that lead out of it are not followed;
    FIFOs, devices and other special files are refused without being opened for reading; the
    weights' header (names, dtypes, shapes, offsets) is checked against the card before any tensor
    data is read."""
    path = Path(path)
    kind = file_kind(path)
    if kind == "file":
        with path.open("rb") as f:
            refuse_pickle(path.name, f.read(2))
        raise ModelFileError(f"{path}: expected a model folder holding {WEIGHTS} and {CARD}")
    if kind == "missing":
        raise ModelFileError(f"{path}: expected a model folder, found nothing there")
    if kind != "folder":
        raise ModelFileError(f"{path}: expected a model folder, got {kind}")
    for name in (WEIGHTS, CARD):
        if not os.path.lexists(path / name):
            raise ModelFileError(f"{path}: expected {WEIGHTS} and {CARD}, found {_listing(path)}")
    card = read_card(path, id=id)  # a regular file inside the folder, its size checked first
    with open_inside(path, WEIGHTS, MAX_WEIGHTS_BYTES) as (f, size):
        label = str(path / WEIGHTS)
        refuse_pickle(WEIGHTS, f.read(9))

        def read_at(offset: int, n: int) -> bytes:
            f.seek(offset)
            return f.read(n)

        header = read_header(read_at, size, label)
        _check_header(card, header, label)  # before any tensor data is read
        return build(card, read_tensors(header, read_at, label))


MAX_LISTED = 20


def _listing(folder: Path) -> list[str]:
    """What a model folder holds, for a message: model-like files only (never a whole system
    directory), at most MAX_LISTED names; pickle-like ones are refused by name."""
    if folder.is_symlink():
        return []  # a link elsewhere: its contents are not ours to list
    found = sorted(
        p.name for p in folder.iterdir()
        if p.suffix.lower() in {".safetensors", ".json", *PICKLE_SUFFIXES}
    )
    for other in found:  # say so when what is there is a pickle
        if Path(other).suffix.lower() in PICKLE_SUFFIXES:
            refuse_pickle(other, b"")
    return found[:MAX_LISTED] + ([f"… {len(found) - MAX_LISTED} more"] if len(found) > MAX_LISTED else [])


def save(path: str | Path, tensors: dict[str, np.ndarray], card: dict | Card) -> Path:
    """Write a model folder; checks the tensors against the card first."""
    from safetensors.numpy import save_file

    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
    doc = card.as_dict() if isinstance(card, Card) else card
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    build(parse_card(text.encode("utf-8")), tensors)  # refuse to write what could not be loaded
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path / WEIGHTS))
    (path / CARD).write_text(text, "utf-8")
    return path
