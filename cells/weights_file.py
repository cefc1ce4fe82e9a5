"""Reading ``weights.safetensors`` without trusting it: the header first, the tensor data only after.

A safetensors file is an 8-byte little-endian header length N, N bytes of JSON
(``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}``), then the
tensors' bytes, back to back. ``read_header`` checks every entry — a known float dtype, a shape of
non-negative integers, offsets that tile the data exactly, the sizes the shapes imply — using only
the header's bytes, so that a file with the wrong tensors is refused before its data is read (a
190 MB file refused costs its header, not 800 MB). ``read_tensors`` then reads each tensor on its
own, casts it to float32 and checks that the *cast* values are finite (float64 1e300 is finite,
its float32 is inf). Every problem is a ``ModelFileError`` naming the file, the tensor and what was
expected and got. Nothing is unpickled; the JSON is parsed with limits on size and depth.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cells.card import ModelFileError

MAX_HEADER_BYTES = 16 * 2**20
MAX_TENSORS = 100_000
MAX_RANK = 8
# safetensors dtype -> (numpy dtype as stored, little-endian; bytes per element)
FLOAT_DTYPES = {"F16": ("<f2", 2), "BF16": ("<u2", 2), "F32": ("<f4", 4), "F64": ("<f8", 8)}
OTHER_DTYPES = {  # refused, named as numpy names them
    "BOOL": "bool", "U8": "uint8", "I8": "int8", "U16": "uint16", "I16": "int16",
    "U32": "uint32", "I32": "int32", "U64": "uint64", "I64": "int64",
    "F8_E4M3": "float8_e4m3", "F8_E5M2": "float8_e5m2", "C64": "complex64",
}


@dataclass(frozen=True)
class TensorInfo:
    dtype: str  # a key of FLOAT_DTYPES
    shape: tuple[int, ...]
    begin: int  # byte offsets into the data section
    end: int


@dataclass(frozen=True)
class Header:
    tensors: dict[str, TensorInfo]
    data_start: int  # where the data section begins in the file: 8 + N
    data_size: int  # bytes after the header


def _shown(value: object) -> str:
    text = repr(value)
    return text[:60] + "…" if len(text) > 60 else text


def read_header(read_at: Callable[[int, int], bytes], file_size: int, name: str) -> Header:
    """The header of a safetensors file of ``file_size`` bytes, read with ``read_at(offset, n)``:
    its first 8 bytes, then the N bytes of JSON they announce (if N is plausible) — nothing else.
    Raises ``ModelFileError``."""
    if file_size < 8:
        raise ModelFileError(f"{name}: expected a safetensors file, got {file_size} bytes (too short)")
    (n,) = struct.unpack("<Q", bytes(read_at(0, 8)))
    if n > MAX_HEADER_BYTES or 8 + n > file_size:
        raise ModelFileError(
            f"{name}: expected a safetensors file with a header of at most"
            f" {min(MAX_HEADER_BYTES, file_size - 8)} bytes, got a header length of {n}"
        )
    raw = bytes(read_at(8, n))
    if len(raw) < n:
        raise ModelFileError(f"{name}: expected a header of {n} bytes, got {len(raw)}")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:  # JSONDecodeError, over-long integers
        raise ModelFileError(f"{name}: expected a safetensors file, could not read its header ({e})") from e
    except RecursionError as e:
        raise ModelFileError(f"{name}: expected a safetensors header, got JSON nested too deep") from e
    if not isinstance(doc, dict):
        raise ModelFileError(
            f"{name}: expected a safetensors file (a JSON object as header), got {type(doc).__name__}"
        )
    doc.pop("__metadata__", None)  # free text; not used
    if len(doc) > MAX_TENSORS:
        raise ModelFileError(f"{name}: expected at most {MAX_TENSORS} tensors, got {len(doc)}")
    data_size = file_size - 8 - n
    tensors = {key: _entry(key, value, name) for key, value in doc.items()}
    _check_tiling(tensors, data_size, name)
    return Header(tensors, 8 + n, data_size)


def _entry(key: str, value: object, name: str) -> TensorInfo:
    where = f"{name}: {_shown(key)}"
    if not isinstance(value, dict):
        raise ModelFileError(f"{where}: expected a tensor entry (an object), got {_shown(value)}")
    dtype, shape, offsets = value.get("dtype"), value.get("shape"), value.get("data_offsets")
    if isinstance(dtype, str) and dtype in OTHER_DTYPES:
        raise ModelFileError(f"{where}: expected a float tensor, got {OTHER_DTYPES[dtype]}")
    if not isinstance(dtype, str) or dtype not in FLOAT_DTYPES:
        raise ModelFileError(f"{where}: expected a dtype among {sorted(FLOAT_DTYPES)}, got {_shown(dtype)}")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_RANK
        or not all(type(d) is int and 0 <= d < 2**40 for d in shape)
    ):
        raise ModelFileError(
            f"{where}: expected a shape of at most {MAX_RANK} non-negative integers, got {_shown(shape)}"
        )
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(type(o) is int and 0 <= o < 2**63 for o in offsets)
        or offsets[0] > offsets[1]
    ):
        raise ModelFileError(f"{where}: expected data_offsets [begin, end], got {_shown(offsets)}")
    size = int(np.prod(shape, dtype=object)) * FLOAT_DTYPES[dtype][1]
    if offsets[1] - offsets[0] != size:
        raise ModelFileError(
            f"{where}: expected {size} bytes for a {dtype} tensor of shape {tuple(shape)},"
            f" got data_offsets {offsets}"
        )
    return TensorInfo(dtype, tuple(shape), offsets[0], offsets[1])


def _check_tiling(tensors: dict[str, TensorInfo], data_size: int, name: str) -> None:
    """The tensors' byte ranges must cover the data section exactly, without gaps or overlaps."""
    at = 0
    for key, info in sorted(tensors.items(), key=lambda kv: (kv[1].begin, kv[1].end)):
        if info.begin != at:
            raise ModelFileError(
                f"{name}: expected a safetensors file whose tensors tile the data without gaps or"
                f" overlaps; {_shown(key)} begins at byte {info.begin}, expected {at}"
            )
        at = info.end
    if at != data_size:
        raise ModelFileError(
            f"{name}: expected a safetensors file with {at} bytes of tensor data, got {data_size}"
            " (truncated, or with bytes no tensor uses)"
        )


def read_tensors(
    header: Header, read_at: Callable[[int, int], bytes], name: str
) -> dict[str, np.ndarray]:
    """Every tensor of ``header`` as float32, read with ``read_at(offset_in_file, size)``; refused
    unless every value is finite once cast to float32."""
    out = {}
    for key, info in header.tensors.items():
        stored, _ = FLOAT_DTYPES[info.dtype]
        size = info.end - info.begin
        data = read_at(header.data_start + info.begin, size)
        if len(data) != size:  # the file shrank while it was read
            raise ModelFileError(f"{name}: {_shown(key)}: expected {size} bytes, got {len(data)}")
        arr = np.frombuffer(data, dtype=stored)
        if info.dtype == "BF16":  # bfloat16 is the top half of a float32
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        with np.errstate(over="ignore"):  # too large for float32 -> inf, refused just below
            arr = arr.astype(np.float32).reshape(info.shape)
        if not np.isfinite(arr).all():
            raise ModelFileError(
                f"{name}: {_shown(key)}: expected finite numbers (after the cast to float32),"
                " found NaN or inf"
            )
        out[key] = arr
    return out


def parse_bytes(data: bytes, name: str) -> tuple[Header, Callable[[int, int], bytes]]:
    """The header of a safetensors file held in memory, and a reader of its bytes."""
    view = memoryview(data)

    def read_at(at: int, n: int) -> memoryview:
        return view[at : at + n]

    return read_header(read_at, len(data), name), read_at
