"""The model card (``card.json``), parsed once into a typed, frozen ``Card``.

``parse_card(bytes)`` is the one place a card is read: size and nesting limits, UTF-8 JSON, the type
and range of every field the code uses (``"bidirectional": "false"`` is refused, not read as true),
each refusal naming the field, what was expected and what was got. Fields the code does not use
(``seed_table``, correlations, …) stay in ``Card.raw`` for the "model card" display.

``Card.head_kind`` says once what the output head produces:

- ``"value"``: a linear head (a forecast, in the data's units);
- ``"next_token"``: a softmax over the tokenizer's vocabulary (labels equal to the vocabulary, or no
  labels and as many outputs as vocabulary entries), e.g. a character language model;
- ``"classes"``: anything else (softmax classes, or sigmoid multi-label sets such as aⁿbⁿ's);
- ``None``: the model has no head.
"""

from __future__ import annotations

import copy
import json
import math
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from cells.head import ACTIVATIONS
from cells.recurrent import CELL_NAMES
from cells.tokenize import TOKENIZERS, Tokenizer, make_tokenizer

CARD = "card.json"
MAX_CARD_BYTES = 20 * 2**20
MAX_DEPTH = 32  # JSON nesting; shipped cards nest 4 deep
MAX_LAYERS = 64
MAX_SIZE = 2**16  # input and hidden sizes
READOUTS = ("every", "last")
INPUT_KINDS = ("embedding", "values")
NONLINEARITIES = ("tanh", "relu")

HeadKind = Literal["value", "next_token", "classes"]


MAX_MESSAGE = 1000  # characters: a message names what is wrong; it never lists 200,000 tensors


class ModelFileError(ValueError):
    """A model file is missing, malformed, or not what the card says. The message is capped at
    MAX_MESSAGE characters."""

    def __init__(self, message: object = "") -> None:
        text = str(message)
        if len(text) > MAX_MESSAGE:
            text = text[: MAX_MESSAGE - 40] + f"… ({len(text) - MAX_MESSAGE + 40:,} more characters)"
        super().__init__(text)


@dataclass(frozen=True)
class Architecture:
    cell: str  # a key of cells.CELL_NAMES: "lstm" | "gru" | "rnn" | "sgru"
    input_size: int
    hidden_size: int
    num_layers: int = 1
    bidirectional: bool = False
    bias: bool = True
    nonlinearity: str = "tanh"  # RNN only: "tanh" | "relu"

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:  # the top layer's output width, D*H
        return self.hidden_size * self.num_directions


@dataclass(frozen=True)
class TokenizerSpec:
    kind: str  # a key of cells.tokenize.TOKENIZERS: "char" | "word" | "values"
    vocab: tuple[str, ...] = ()
    lowercase: bool = False

    def build(self) -> Tokenizer:
        return make_tokenizer({"kind": self.kind, "vocab": list(self.vocab), "lowercase": self.lowercase})


@dataclass(frozen=True)
class InputSpec:
    kind: str = "embedding"  # "embedding": token ids -> vectors; "values": x = (value − mean) / std
    mean: float = 0.0
    std: float = 1.0


@dataclass(frozen=True)
class HeadSpec:
    activation: str  # "softmax" | "sigmoid" | "linear"
    size: int  # K outputs
    labels: tuple[str, ...] = ()  # K names, or none
    bias: bool = True
    readout: str = "every"  # "every": an answer at each step; "last": the answer is the last step's
    scale: float = 1.0  # linear heads: value = raw·scale + shift
    shift: float = 0.0
    verdict: str = ""  # how the answer is read, in words


@dataclass(frozen=True)
class NotableUnit:
    unit: int
    layer: int = 0
    direction: int = 0
    what: str = ""
    gate: str = ""
    correlation: float | None = None


def decide_head_kind(head: HeadSpec | None, tokenizer: TokenizerSpec) -> HeadKind | None:
    """What the head's outputs are, from the card's fields (the one place this is decided)."""
    if head is None:
        return None
    if head.activation == "linear":
        return "value"
    vocab = tokenizer.vocab
    over_vocab = bool(vocab) and head.size == len(vocab) and head.labels in ((), vocab)
    if head.activation == "softmax" and over_vocab:
        return "next_token"
    return "classes"


@dataclass(frozen=True)
class Card:
    """Everything a model folder's ``card.json`` says, typed. Build it with ``parse_card``."""

    architecture: Architecture
    tokenizer: TokenizerSpec
    input: InputSpec = InputSpec()
    head: HeadSpec | None = None
    id: str = ""
    task: str = ""
    task_title: str = ""  # the task's name for people; the task's key when the card has none
    title: str = ""
    summary: str = ""
    notable_units: tuple[NotableUnit, ...] = ()
    metrics: dict[str, Any] = field(default_factory=dict)  # JSON values, as written by the trainer
    metric_summary: str = ""
    samples: tuple[str, ...] = ()
    training: dict[str, Any] = field(default_factory=dict)  # data, command, settings, …
    seed: int | None = None  # the card's "seed", else training.seed
    date: str = ""
    notices: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # read-only
    head_kind: HeadKind | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "head_kind", decide_head_kind(self.head, self.tokenizer))

    @property
    def display_title(self) -> str:
        return self.title or self.id

    def notable_in(self, layer: int = 0, direction: int = 0) -> list[int]:
        """The notable units of one layer and direction (the heatmaps show them first)."""
        return [n.unit for n in self.notable_units if (n.layer, n.direction) == (layer, direction)]

    @property
    def output_labels(self) -> tuple[str, ...]:
        """One name per output: the head's labels, the vocabulary for a next-token head, else
        the output's index."""
        if self.head is None:
            return ()
        if self.head.labels:
            return self.head.labels
        if self.head_kind == "next_token":
            return self.tokenizer.vocab
        return tuple(str(k) for k in range(self.head.size))

    def as_dict(self) -> dict[str, Any]:
        """A fresh copy of the card's JSON object, with this card's id."""
        return {**copy.deepcopy(self.raw), "id": self.id}


# ---------------------------------------------------------------- parsing


def parse_card(data: bytes, *, id: str | None = None, default_id: str = "") -> Card:
    """The card in ``data`` (the bytes of a ``card.json``). ``id`` replaces the card's own id;
    ``default_id`` is used when the card has none. Raises ``ModelFileError``."""
    if len(data) > MAX_CARD_BYTES:
        raise ModelFileError(f"{CARD}: expected at most {MAX_CARD_BYTES} bytes, got {len(data)}")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{CARD}: expected UTF-8 JSON, got an unreadable file ({e})") from e
    except ValueError as e:  # an integer of more than 4300 digits (Python's int_max_str_digits)
        raise ModelFileError(f"{CARD}: expected numbers of at most 4300 digits, got a longer one") from e
    except RecursionError as e:
        raise ModelFileError(f"{CARD}: expected JSON nested at most {MAX_DEPTH} deep, got deeper") from e
    return _card(doc, id, default_id)


def read_card(folder: str | Path, *, id: str | None = None) -> Card:
    """The card of a model folder: a regular file inside it (``open_inside``), its size checked
    before it is read; the id defaults to the folder's name."""
    with open_inside(Path(folder), CARD, MAX_CARD_BYTES) as (f, size):
        data = f.read(size + 1)  # parse_card refuses it if it grew past MAX_CARD_BYTES meanwhile
    return parse_card(data, id=id, default_id=Path(folder).name)


SPECIAL_KINDS = {
    stat.S_IFDIR: "a folder", stat.S_IFREG: "a file", stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket",
    stat.S_IFLNK: "a symbolic link",
}


def file_kind(path: Path) -> str:
    """"folder", "file", "missing", or what else ``path`` is ("a FIFO (named pipe)", …); a link is
    followed."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # nothing there, a broken link, a NUL in the name
        return "missing"
    kind = SPECIAL_KINDS.get(stat.S_IFMT(mode), "an unknown kind of file")
    return {"a folder": "folder", "a file": "file"}.get(kind, kind)


@contextmanager
def open_inside(folder: Path, name: str, limit: int) -> Iterator[tuple[BinaryIO, int]]:
    """Open ``folder/name`` for reading, with its size, if it is a regular file of at most
    ``limit`` bytes inside ``folder``: a symbolic link leading out of the folder is not followed,
    and a FIFO, device or socket is refused without being opened (no hang, no raw OSError)."""
    path = folder / name
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            real, base = os.path.realpath(path), os.path.realpath(folder)
            if os.path.commonpath([real, base]) != base:
                raise ModelFileError(
                    f"{path}: expected a file inside the model folder, got a symbolic link leading"
                    " out of it (not followed)"
                )
            path, info = Path(real), os.stat(real)
        _check_regular(path, info.st_mode, info.st_size, limit)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        raise ModelFileError(f"{path}: expected a readable file ({e.strerror})") from e
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())  # what was opened, in case the name changed meanwhile
        _check_regular(path, info.st_mode, info.st_size, limit)
        yield f, info.st_size


def _check_regular(path: Path, mode: int, size: int, limit: int) -> None:
    if not stat.S_ISREG(mode):
        got = SPECIAL_KINDS.get(stat.S_IFMT(mode), "an unknown kind of file")
        raise ModelFileError(f"{path}: expected a regular file, got {got}")
    if size > limit:
        raise ModelFileError(f"{path}: expected at most {limit} bytes, got {size}")


def card_from_json(doc: object, *, id: str | None = None, default_id: str = "") -> Card:
    """The card in an already decoded JSON value (what ``json.loads`` returns); ``doc`` is copied."""
    _refuse_deep(doc)  # before copying it
    return _card(copy.deepcopy(doc), id, default_id)


def _card(doc: object, id: str | None, default_id: str) -> Card:
    """The card in ``doc``, which the card keeps as its ``raw`` mapping."""
    if not isinstance(doc, dict):
        raise ModelFileError(f"{CARD}: expected a JSON object, got {type(doc).__name__}")
    _refuse_deep(doc)
    top = _Section(doc, "")
    arch = _architecture(top.section("architecture", required=True))
    tokenizer = _tokenizer(top.section("tokenizer", required=True))
    inp = _input(top.section("input"), arch, tokenizer)
    head_doc = top.section("head")
    task = top.string("task")
    metrics, training = top.section("metrics"), top.section("training")
    seed = top.integer("seed", None, 0, 2**64)
    if seed is None and training is not None:
        seed = training.integer("seed", None, 0, 2**64)
    card_id = id if id is not None else top.string("id") or default_id
    return Card(
        architecture=arch,
        tokenizer=tokenizer,
        input=inp,
        head=_head(head_doc) if head_doc is not None else None,
        id=card_id,
        task=task,
        task_title=top.string("task_title") or task,
        title=top.string("title"),
        summary=top.string("summary"),
        notable_units=_notable_units(top, arch),
        metrics=dict(metrics.doc) if metrics is not None else {},
        metric_summary=top.string("metric_summary"),
        samples=top.strings("samples"),
        training=dict(training.doc) if training is not None else {},
        seed=seed,
        date=top.string("date"),
        notices=top.strings("notices"),
        raw=doc,
    )


def _architecture(a: _Section) -> Architecture:
    cells_known = sorted(CELL_NAMES)
    return Architecture(
        cell=a.string("cell", required=True, choices=cells_known),
        input_size=a.integer("input_size", ..., 1, MAX_SIZE),
        hidden_size=a.integer("hidden_size", ..., 1, MAX_SIZE),
        num_layers=a.integer("num_layers", 1, 1, MAX_LAYERS),  # not a loop of 10^30 layers
        bidirectional=a.boolean("bidirectional", False),
        bias=a.boolean("bias", True),
        nonlinearity=a.string("nonlinearity", "tanh", choices=NONLINEARITIES),
    )


def _tokenizer(t: _Section) -> TokenizerSpec:
    return TokenizerSpec(
        kind=t.string("kind", required=True, choices=sorted(TOKENIZERS)),
        vocab=t.strings("vocab"),
        lowercase=t.boolean("lowercase", False),
    )


def _input(i: _Section | None, arch: Architecture, tokenizer: TokenizerSpec) -> InputSpec:
    if i is None:
        spec = InputSpec()
    else:
        spec = InputSpec(
            kind=i.string("kind", "embedding", choices=INPUT_KINDS),
            mean=i.number("mean", 0.0),
            std=i.number("std", 1.0, positive=True),
        )
    if spec.kind == "embedding" and not tokenizer.vocab:
        raise ModelFileError(
            f"{CARD}: tokenizer.vocab: expected at least one entry for an embedding input, got none"
        )
    if spec.kind == "values" and arch.input_size != 1:
        raise ModelFileError(
            f"{CARD}: architecture.input_size: expected 1 for an input of kind 'values',"
            f" got {arch.input_size}"
        )
    return spec


def _head(h: _Section) -> HeadSpec:
    labels = h.strings("labels")
    if not labels and not h.has("size"):
        raise ModelFileError(f"{CARD}: head: expected 'labels' or 'size', found neither")
    size = h.integer("size", len(labels), 1, 2**24)
    if labels and size != len(labels):
        raise ModelFileError(
            f"{CARD}: head.size: expected {len(labels)} (the number of head.labels), got {size}"
        )
    return HeadSpec(
        activation=h.string("activation", "softmax", choices=ACTIVATIONS),
        size=size,
        labels=labels,
        bias=h.boolean("bias", True),
        readout=h.string("readout", "every", choices=READOUTS),
        scale=h.number("scale", 1.0),
        shift=h.number("shift", 0.0),
        verdict=h.string("verdict"),
    )


def _notable_units(top: _Section, arch: Architecture) -> tuple[NotableUnit, ...]:
    return tuple(
        NotableUnit(
            unit=u.integer("unit", ..., 0, arch.hidden_size - 1),
            layer=u.integer("layer", 0, 0, arch.num_layers - 1),
            direction=u.integer("direction", 0, 0, arch.num_directions - 1),
            what=u.string("what"),
            gate=u.string("gate"),
            correlation=u.number("correlation", None),
        )
        for u in top.objects("notable_units")
    )


def _refuse_deep(doc: object) -> None:
    """Raise if a JSON value nests deeper than MAX_DEPTH (walked without recursion)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    if deepest > MAX_DEPTH:
        raise ModelFileError(f"{CARD}: expected JSON nested at most {MAX_DEPTH} deep, got {deepest}")


def _shown(value: object) -> str:
    text = repr(value)
    return (text[:60] + "…" if len(text) > 60 else text) + f" ({type(value).__name__})"


class _Section:
    """One JSON object of the card; each getter checks a field's type and range and says where."""

    def __init__(self, doc: dict, where: str) -> None:
        self.doc, self.where = doc, where

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def refuse(self, key: str, expected: str, got: object) -> ModelFileError:
        return ModelFileError(f"{CARD}: {self.path(key)}: expected {expected}, got {_shown(got)}")

    def has(self, key: str) -> bool:
        return self.doc.get(key) is not None

    def _get(self, key: str, default: object) -> object:
        value = self.doc.get(key)
        if value is None and default is ...:
            where = self.where or "card"
            raise ModelFileError(f"{CARD}: {where}: expected {key!r}, found none")
        return value

    def section(self, key: str, required: bool = False) -> _Section | None:
        value = self.doc.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            raise ModelFileError(f"{CARD}: expected an object under {self.path(key)!r}, got {_shown(value)}")
        return _Section(value, self.path(key))

    def string(self, key: str, default: str = "", required: bool = False,
               choices: tuple[str, ...] | list[str] | None = None) -> str:
        value = self._get(key, ... if required else default)
        if value is None:
            return default
        if choices is not None and value not in choices:
            raise self.refuse(key, f"one of {list(choices)}", value)
        if not isinstance(value, str):
            raise self.refuse(key, "a string", value)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.doc.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.refuse(key, "true or false", value)
        return value

    def integer(self, key: str, default: Any, lo: int, hi: int) -> Any:
        value = self._get(key, default)
        if value is None:
            return default
        if type(value) is not int or not lo <= value <= hi:
            raise self.refuse(key, f"an integer in {lo}..{hi}", value)
        return value

    def number(self, key: str, default: Any, positive: bool = False) -> Any:
        value = self.doc.get(key)
        if value is None:
            return default
        ok = type(value) in (int, float) and math.isfinite(value) and (value > 0 or not positive)
        if not ok:
            raise self.refuse(key, "a positive finite number" if positive else "a finite number", value)
        return float(value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.doc.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.refuse(key, "a list of strings", value)
        for k, item in enumerate(value):
            if not isinstance(item, str):
                raise self.refuse(f"{key}[{k}]", "a string", item)
        return tuple(value)

    def objects(self, key: str) -> list[_Section]:
        value = self.doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.refuse(key, "a list of objects", value)
        for k, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.refuse(f"{key}[{k}]", "an object", item)
        return [_Section(item, f"{self.path(key)}[{k}]") for k, item in enumerate(value)]
