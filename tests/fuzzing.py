"""Seeded fuzzing of the three readers of outside input: the link's ``iv`` parser
(``app.iv_link.parse_link``), the card parser (``cells.card.parse_card``) and the safetensors reader
(``cells.modelfile.parse_weights``). Each ``fuzz_*`` generates ``n`` cases from a seed — mutations
of valid inputs (fields swapped for hostile values, bytes flipped, cut, nested, padded) and random
ones — runs the reader and sorts each case into an outcome; anything but the reader's own clear
answer is an outcome named ``crash:<exception>`` (or ``wrong:<what>`` when an accepted value breaks
the reader's promise). ``tests/test_fuzz.py`` runs thousands; ``bench/fuzz.py`` runs 100,000+.
"""

from __future__ import annotations

import json
import math
import random
import struct
from collections import Counter
from pathlib import Path

import numpy as np

from app.iv_link import MAX_STEP, parse_link, value_range
from cells.card import MAX_MESSAGE, Card, ModelFileError, parse_card
from cells.modelfile import build, expected_tensors, parse_weights
from cells.registry import SPECS

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "assets" / "models"

# JSON texts of hostile scalars and containers (literal text: NaN, 1e999, 5,000 digits, …)
HOSTILE_JSON = [
    "NaN", "Infinity", "-Infinity", "1e999", "-1e400", "1e-400", "0", "-1", "1", "2", "5", "0.5",
    "-0.5", "99999", "2147483648", "9223372036854775808", "1" + "0" * 30, "9" * 5000, "true",
    "false", "null", '""', '"x"', '"false"', '"1"', '"\\u0000"', '"\\ud800"', "[]", "{}", "[0]",
    "[5,2]", "[-3,2]", "[0,1,2]", '["a"]', "[null]", "[1e400]", "[true]", '{"a":1}',
    "[" * 50 + "]" * 50, "[" * 2000 + "]" * 2000, '"' + "x" * 3000 + '"', "1.5", "-0", "3.0",
]


def _hostile_value(rng: random.Random) -> str:
    return rng.choice(HOSTILE_JSON)


def _mutate_text(rng: random.Random, text: str) -> str:
    """One random edit of a text: cut, duplicate, delete, insert, or flip characters."""
    if not text:
        return rng.choice(HOSTILE_JSON)
    k = rng.randrange(len(text))
    edit = rng.randrange(6)
    if edit == 0:
        return text[:k]
    if edit == 1:
        return text[:k] + text[k:] * rng.randint(2, 4)
    if edit == 2:
        return text[:k] + text[k + rng.randint(1, 8):]
    if edit == 3:
        return text[:k] + rng.choice(HOSTILE_JSON) + text[k:]
    if edit == 4:
        odd = chr(rng.choice([0, 1, 0x7F, 0xFFFD, 0x10FFFF, rng.randrange(0x20, 0x3000)]))
        return text[:k] + odd + text[k + 1:]
    return text[:k] + rng.choice('{}[],:"\\0123456789.-eE ') + text[k + 1:]


def _json_with_holes(rng: random.Random, doc: object, rate: float) -> str:
    """``doc`` as JSON text, with some of its values replaced by hostile literal JSON text."""
    if isinstance(doc, dict):
        items = []
        for k, v in doc.items():
            if rng.random() < rate * 0.15:
                continue  # drop a field
            text = _hostile_value(rng) if rng.random() < rate else _json_with_holes(rng, v, rate)
            items.append(json.dumps(k) + ":" + text)
        if rng.random() < rate * 0.1:
            key = rng.choice(["extra", "c", "z", "architecture", ""])
            items.append(json.dumps(key) + ":" + _hostile_value(rng))
        return "{" + ",".join(items) + "}"
    if isinstance(doc, list):
        parts = [_hostile_value(rng) if rng.random() < rate else _json_with_holes(rng, v, rate) for v in doc]
        return "[" + ",".join(parts) + "]"
    return json.dumps(doc)


# ---------------------------------------------------------------- the link's iv


def _random_iv(rng: random.Random, spec_gates: tuple[str, ...], hidden: int) -> dict:
    gates = list(spec_gates) + ["h", "c", "x", "", "F"]
    clamps = []
    for _ in range(rng.choice([0, 1, 1, 2, 3, 70])):
        c: dict = {"g": rng.choice(gates), "v": rng.choice([0, 1, 0.5, -0.5, -1, 1.0, 0.25])}
        if rng.random() < 0.5:
            c["u"] = [rng.randrange(-2, hidden + 2) for _ in range(rng.randint(0, 4))]
        if rng.random() < 0.5:
            a = rng.randrange(-2, 12)
            c["s"] = [a, a + rng.randrange(-2, 12)]
        clamps.append(c)
    return {"c": clamps, "z": [rng.randrange(-2, hidden + 2) for _ in range(rng.randint(0, 3))]}


def iv_case(rng: random.Random, spec_gates: tuple[str, ...], hidden: int) -> str:
    kind = rng.randrange(4)
    doc = _random_iv(rng, spec_gates, hidden)
    if kind == 0:
        return json.dumps(doc, separators=(",", ":"))
    if kind == 1:
        return _json_with_holes(rng, doc, rng.choice([0.05, 0.2, 0.5]))
    if kind == 2:
        text = _json_with_holes(rng, doc, 0.1)
        for _ in range(rng.randint(1, 4)):
            text = _mutate_text(rng, text)
        return text
    return rng.choice([
        '{"c":' + "[" * rng.randint(1, 20_000) + "]" * rng.randint(0, 20_000) + "}",
        "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randint(0, 40))),
        _hostile_value(rng),
    ])


def check_iv(value: str, spec, hidden: int) -> str:
    """The outcome of parsing one iv value."""
    try:
        result = parse_link(value, spec, hidden)
    except Exception as e:  # noqa: BLE001 - the point: any exception is a finding
        return f"crash:{type(e).__name__}"
    if result is None:
        return "empty"
    clamps, zero, dropped = result
    for c in clamps:
        lo, hi = value_range(spec, c["gate"])
        units_ok = c["units"] is None or (
            c["units"] and all(type(u) is int and 0 <= u < hidden for u in c["units"])
            and c["units"] == sorted(set(c["units"])))
        steps_ok = c["steps"] is None or (
            len(c["steps"]) == 2 and 0 <= c["steps"][0] < c["steps"][1] <= MAX_STEP)
        if not (c["gate"] in spec.clampable and type(c["value"]) is float
                and math.isfinite(c["value"]) and lo <= c["value"] <= hi and units_ok and steps_ok):
            return "wrong:accepted a bad clamp"
    if not all(type(u) is int and 0 <= u < hidden for u in zero):
        return "wrong:accepted a bad unit"
    if dropped:
        return "kept some, dropped some" if clamps or zero else "dropped all"
    return "accepted"


def fuzz_iv(n: int, seed: int) -> Counter:
    rng = random.Random(seed)
    specs = [s for s in SPECS.values() if s.clampable]
    out: Counter = Counter()
    for _ in range(n):
        spec = rng.choice(specs)
        hidden = rng.choice([1, 8, 32])
        out[check_iv(iv_case(rng, spec.clampable, hidden), spec, hidden)] += 1
    return out


# ---------------------------------------------------------------- the card


def _shrunk(value: object, keep: int = 8) -> object:
    """A card with its long lists cut (a vocabulary to 40 entries), so that mutating it is cheap."""
    if isinstance(value, dict):
        return {k: _shrunk(v, 40 if k == "vocab" else keep) for k, v in value.items()}
    if isinstance(value, list):
        return [_shrunk(v) for v in value[:keep]]
    return value


def shipped_cards() -> list[str]:
    """The shipped cards as JSON texts (shrunk): each case decodes a fresh copy."""
    return [json.dumps(_shrunk(json.loads(p.read_text("utf-8"))))
            for p in sorted(MODELS.glob("*/card.json"))]


def card_case(rng: random.Random, cards: list[str]) -> bytes:
    doc = json.loads(rng.choice(cards))
    kind = rng.randrange(5)
    if kind == 0:  # one field of a section set to a hostile value
        section = rng.choice([doc, doc.get("architecture", {}), doc.get("tokenizer", {}),
                              doc.get("head", {}), doc.get("input", {})])
        if isinstance(section, dict) and section:
            key = rng.choice([*section, "extra"])
            text = json.dumps(doc)
            marker = "__HOSTILE__"
            section[key] = marker
            return json.dumps(doc).replace(json.dumps(marker), _hostile_value(rng), 1).encode()
        return text.encode()
    if kind == 1:
        doc["tokenizer"]["vocab"] = doc["tokenizer"].get("vocab", [])[: rng.randint(0, 5)]
        return _json_with_holes(rng, doc, rng.choice([0.01, 0.05, 0.2])).encode("utf-8", "surrogatepass")
    if kind == 2:
        text = json.dumps(doc)
        for _ in range(rng.randint(1, 5)):
            text = _mutate_text(rng, text)
        return text.encode("utf-8", "surrogatepass")
    if kind == 3:  # bytes: flipped, cut, not UTF-8
        data = bytearray(json.dumps(doc).encode())
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data[: rng.randint(0, len(data))])
    return _json_with_holes(rng, doc, 0.02).encode("utf-8", "surrogatepass")


def outcome_of(
    error: Exception, refused: str = "refused", crash: str = "crash"
) -> str:
    """A reader's own clear error is a refusal (a finding if its message is too long to show);
    anything else it raises is a crash."""
    if isinstance(error, ModelFileError):
        return refused if len(str(error)) <= MAX_MESSAGE else "wrong:message too long"
    return f"{crash}:{type(error).__name__}"


def check_card(data: bytes, trace_small: bool = True) -> str:
    """The outcome of parsing one card; a card that parses is checked for its expected tensors,
    and (small ones) built with random weights and traced: a card that loads must not crash later."""
    try:
        card = parse_card(data)
    except Exception as e:  # noqa: BLE001
        return outcome_of(e)
    if not isinstance(card, Card):
        return "wrong:not a Card"
    try:
        shapes = expected_tensors(card)
        if not trace_small or sum(math.prod(s) for s in shapes.values()) > 200_000:
            return "parsed"
        rng = np.random.default_rng(len(data))
        tensors = {k: rng.normal(0, 0.3, s).astype(np.float32) for k, s in shapes.items()}
        model = build(card, tensors)
        from cells.pipeline import trace

        for sample in (*card.samples[:1], "the dogs 1 2.5 aab", "", "\x00é中"):
            trace(model, sample)
    except Exception as e:  # noqa: BLE001
        return outcome_of(e, refused="refused at build", crash="crash after parse")
    return "loaded and traced"


def fuzz_card(n: int, seed: int, trace_small: bool = True) -> Counter:
    rng = random.Random(seed)
    cards = shipped_cards()
    return Counter(check_card(card_case(rng, cards), trace_small) for _ in range(n))


# ---------------------------------------------------------------- the safetensors reader

DTYPES = ["F16", "BF16", "F32", "F64", "I32", "U8", "BOOL", "F8_E4M3", "Q4", "", 7]
NP = {"F16": np.float16, "F32": np.float32, "F64": np.float64}


def _safetensors(entries: list[tuple[str, str, list[int], bytes]], pad: int = 0) -> bytes:
    header, data, at = {}, b"", 0
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [at, at + len(raw)]}
        data += raw
        at += len(raw)
    text = json.dumps(header).encode() + b" " * pad
    return struct.pack("<Q", len(text)) + text + data


def weights_case(rng: random.Random) -> bytes:
    entries = []
    for k in range(rng.choice([0, 1, 2, 3, 8])):
        dtype = rng.choice(["F16", "F32", "F64", "BF16"])
        shape = [rng.randint(0, 4) for _ in range(rng.randint(0, 3))]
        size = {"F16": 2, "BF16": 2, "F32": 4, "F64": 8}[dtype] * math.prod(shape)
        if dtype in NP and rng.random() < 0.8:
            values = rng.choice([0.5, -2.0, 1e300, 7e4, float("nan"), 1e-40, 3.0])
            with np.errstate(over="ignore"):  # 1e300 as float16: inf, on purpose
                stored = np.full(math.prod(shape), values).astype(np.dtype(NP[dtype]).newbyteorder("<"))
            raw = stored.tobytes() if rng.random() < 0.3 else bytes(rng.randrange(256) for _ in range(size))
        else:
            raw = bytes(rng.randrange(256) for _ in range(size))
        name = rng.choice([f"t{k}", "rnn.weight_ih_l0", "", "__metadata__x", "é"])
        entries.append((name, dtype, shape, raw))
    data = bytearray(_safetensors(entries, pad=rng.choice([0, 0, 3, 8])))
    kind = rng.randrange(6)
    if kind == 0:
        return bytes(data)
    if kind == 1:  # header JSON edited
        n = struct.unpack("<Q", data[:8])[0]
        header = json.loads(data[8 : 8 + n])
        for entry in header.values():
            field = rng.choice(["dtype", "shape", "data_offsets"])
            entry[field] = json.loads(rng.choice(
                [json.dumps(rng.choice(DTYPES)), "[-1]", "[0, 99999999999]", "[1e400]", "[true, 2]",
                 "[2, 0]", "[]", "null", '"x"', "[4294967296, 4294967296]", "[0]", "[0, 0, 0]"]))
        text = json.dumps(header).encode()
        return struct.pack("<Q", len(text)) + text + bytes(data[8 + n:])
    if kind == 2:  # bytes flipped (header length included)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 3:  # cut or extended
        if rng.random() < 0.7:
            return bytes(data[: rng.randint(0, len(data))])
        return bytes(data) + b"\0" * rng.randint(1, 9)
    if kind == 4:  # a claimed header length
        return struct.pack("<Q", rng.choice([0, 1, 7, 2**31, 2**63, 2**64 - 1, len(data)])) + bytes(data[8:])
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))


def check_weights(data: bytes) -> str:
    try:
        tensors = parse_weights(data)
    except Exception as e:  # noqa: BLE001
        return outcome_of(e)
    for arr in tensors.values():
        if arr.dtype != np.float32 or not np.isfinite(arr).all():
            return "wrong:accepted a non-finite or non-float32 tensor"
    return "accepted"


def fuzz_weights(n: int, seed: int) -> Counter:
    rng = random.Random(seed)
    return Counter(check_weights(weights_case(rng)) for _ in range(n))


FUZZERS = {"iv link": fuzz_iv, "card": fuzz_card, "safetensors": fuzz_weights}


def failures(counts: Counter) -> dict[str, int]:
    return {k: v for k, v in counts.items() if k.startswith(("crash", "wrong"))}
