"""A safetensors file whose header length starts with byte 0x80 or "PK" is not a pickle."""

import struct

import numpy as np
import pytest

from cells.modelfile import ModelFileError, parse_weights


@pytest.mark.parametrize("low", [0x80, 0x50])
def test_safetensors_header_length_is_not_mistaken_for_a_pickle(low):
    header = b'{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    pad = (low - len(header)) % 256 or 256  # header length whose low byte is `low`
    header += b" " * pad
    length = struct.pack("<Q", len(header))
    if low == 0x50:  # "PK": low byte 0x50, next byte 0x4B
        header += b" " * (0x4B50 - len(header))
        length = struct.pack("<Q", len(header))
    assert length[:1] == bytes([low])
    data = length + header + np.float32(1.5).tobytes()
    assert parse_weights(data)["x"].tolist() == [1.5]


def test_real_pickles_are_still_refused():
    with pytest.raises(ModelFileError):
        parse_weights(b"\x80\x04\x95" + b"\x00" * 20)
    with pytest.raises(ModelFileError):
        parse_weights(b"PK\x03\x04" + b"\x00" * 20)
