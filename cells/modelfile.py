"""Model folders: ``weights.safetensors`` (PyTorch ``state_dict`` names) + ``card.json``.

Never unpickles anything: pickle-based files (``.pt``, ``.pth``, ``.pkl``, ``.ckpt``, …) are refused
by name and by content before any byte of them is interpreted.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cells.head import ACTIVATIONS, Head
from cells.model import Model
from cells.recurrent import Recurrent, ShapeError, check_shapes
from cells.tokenize import make_tokenizer

WEIGHTS = "weights.safetensors"
CARD = "card.json"
MAX_WEIGHTS_BYTES = 200 * 2**20
MAX_CARD_BYTES = 20 * 2**20
MAX_LAYERS = 64
PICKLE_SUFFIXES = {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".joblib", ".npy", ".npz"}


class ModelFileError(ValueError):
    """A model file is missing, malformed, or not what the card says."""


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


def parse_card(data: bytes) -> dict:
    if len(data) > MAX_CARD_BYTES:
        raise ModelFileError(f"{CARD}: expected at most {MAX_CARD_BYTES} bytes, got {len(data)}")
    try:
        card = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{CARD}: expected UTF-8 JSON, got an unreadable file ({e})") from e
    if not isinstance(card, dict):
        raise ModelFileError(f"{CARD}: expected a JSON object, got {type(card).__name__}")
    for key in ("architecture", "tokenizer"):
        if not isinstance(card.get(key), dict):
            raise ModelFileError(f"{CARD}: expected an object under {key!r}, got {card.get(key)!r}")
    for key in ("input", "head"):  # optional; a null head means none
        if key in card and not isinstance(card[key], dict) and (key, card[key]) != ("head", None):
            raise ModelFileError(f"{CARD}: expected an object under {key!r}, got {card[key]!r}")
    return card


def parse_weights(data: bytes, name: str = WEIGHTS) -> dict[str, np.ndarray]:
    refuse_pickle(name, data[:9])
    if len(data) > MAX_WEIGHTS_BYTES:
        raise ModelFileError(f"{name}: expected at most {MAX_WEIGHTS_BYTES} bytes, got {len(data)}")
    try:
        from safetensors.numpy import load

        tensors = load(data)
    except Exception as e:  # the Rust parser reports every malformed header its own way
        raise ModelFileError(f"{name}: expected a safetensors file, could not read it ({e})") from e
    out = {}
    for key, arr in tensors.items():
        if arr.dtype.kind != "f":
            raise ModelFileError(f"{name}: {key}: expected a float tensor, got {arr.dtype}")
        if not np.isfinite(arr).all():
            raise ModelFileError(f"{name}: {key}: expected finite numbers, found NaN or inf")
        out[key] = arr.astype(np.float32)
    return out


def _architecture(card: dict) -> Recurrent:
    a = card["architecture"]
    layers = a.get("num_layers", 1)
    if not isinstance(layers, int) or not 1 <= layers <= MAX_LAYERS:  # not a loop of 10^30 layers
        raise ModelFileError(f"{CARD}: architecture.num_layers: expected 1..{MAX_LAYERS}, got {layers!r}")
    try:
        return Recurrent(
            cell=str(a["cell"]),
            input_size=int(a["input_size"]),
            hidden_size=int(a["hidden_size"]),
            num_layers=int(a.get("num_layers", 1)),
            bidirectional=bool(a.get("bidirectional", False)),
            bias=bool(a.get("bias", True)),
            nonlinearity=str(a.get("nonlinearity", "tanh")),
        )
    except KeyError as e:
        raise ModelFileError(f"{CARD}: architecture: expected {e.args[0]!r}, found none") from e
    except (TypeError, ValueError) as e:
        raise ModelFileError(f"{CARD}: architecture: {e}") from e


def expected_tensors(card: dict) -> dict[str, tuple[int, ...]]:
    """Every tensor name a model with this card must have, with its shape."""
    rec = _architecture(card)
    shapes = {f"rnn.{k}": v for k, v in rec.expected_shapes().items()}
    if card.get("input", {}).get("kind", "embedding") == "embedding":
        shapes["embedding.weight"] = (len(card["tokenizer"].get("vocab") or []), rec.input_size)
    head = card.get("head")
    if head:
        k = len(head.get("labels") or []) or int(head.get("size", 0))
        shapes["head.weight"] = (k, rec.output_size)
        if head.get("bias", True):
            shapes["head.bias"] = (k,)
    return shapes


def _number(section: dict, where: str, key: str, default: float) -> float:
    try:
        return float(section.get(key, default))
    except (TypeError, ValueError) as e:
        raise ModelFileError(
            f"{CARD}: {where}.{key}: expected a number, got {section.get(key)!r}"
        ) from e


def build(card: dict, tensors: dict[str, np.ndarray]) -> Model:
    """Check ``tensors`` against the card and assemble the model."""
    try:
        check_shapes(tensors, expected_tensors(card), what=WEIGHTS)
        rec = _architecture(card)
        rec.weights = {k[4:]: v for k, v in tensors.items() if k.startswith("rnn.")}
        tokenizer = make_tokenizer(card["tokenizer"])
    except (ShapeError, ValueError, TypeError) as e:
        raise ModelFileError(str(e)) from e
    head = None
    if card.get("head"):
        h = card["head"]
        if h.get("activation", "softmax") not in ACTIVATIONS:
            raise ModelFileError(
                f"{CARD}: head.activation: expected one of {ACTIVATIONS}, got {h.get('activation')!r}"
            )
        head = Head(
            weight=tensors["head.weight"],
            bias=tensors.get("head.bias"),
            activation=h.get("activation", "softmax"),
            labels=tuple(str(x) for x in h.get("labels") or []),
            scale=_number(h, "head", "scale", 1.0),
            shift=_number(h, "head", "shift", 0.0),
        )
    inp = card.get("input", {"kind": "embedding"})
    return Model(
        recurrent=rec,
        tokenizer=tokenizer,
        head=head,
        embedding=tensors.get("embedding.weight"),
        value_mean=_number(inp, "input", "mean", 0.0),
        value_std=_number(inp, "input", "std", 1.0) or 1.0,
        card=card,
    )


def load_bytes(weights: bytes, card: bytes, weights_name: str = WEIGHTS) -> Model:
    """Load a model from the bytes of its two files (for uploads)."""
    return build(parse_card(card), parse_weights(weights, weights_name))


def load(path: str | Path) -> Model:
    """Load a model folder (``weights.safetensors`` + ``card.json``). Never unpickles."""
    path = Path(path)
    if path.is_file():
        with path.open("rb") as f:
            refuse_pickle(path.name, f.read(2))
        raise ModelFileError(f"{path}: expected a model folder holding {WEIGHTS} and {CARD}")
    if not path.is_dir():
        raise ModelFileError(f"{path}: expected a model folder, found nothing there")
    for name in (WEIGHTS, CARD):
        if not (path / name).is_file():
            found = sorted(p.name for p in path.iterdir())
            for other in found:  # say so when what is there is a pickle
                if Path(other).suffix.lower() in PICKLE_SUFFIXES:
                    refuse_pickle(other, b"")
            raise ModelFileError(f"{path}: expected {WEIGHTS} and {CARD}, found {found}")
    for name, limit in ((WEIGHTS, MAX_WEIGHTS_BYTES), (CARD, MAX_CARD_BYTES)):
        size = (path / name).stat().st_size
        if size > limit:
            raise ModelFileError(f"{path / name}: expected at most {limit} bytes, got {size}")
    model = load_bytes((path / WEIGHTS).read_bytes(), (path / CARD).read_bytes())
    model.card.setdefault("id", path.name)
    return model


def save(path: str | Path, tensors: dict[str, np.ndarray], card: dict) -> Path:
    """Write a model folder; checks the tensors against the card first."""
    from safetensors.numpy import save_file

    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
    build(card, tensors)  # refuse to write what could not be loaded
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path / WEIGHTS))
    (path / CARD).write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return path
