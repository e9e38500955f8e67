"""STUN message encoding and decoding (RFC 5389), including against coturn."""

from __future__ import annotations

import socket
import struct

import pytest

from deskready.checks.network import stun


def test_binding_request_layout() -> None:
    tid = bytes(range(12))
    msg = stun.binding_request(tid)
    assert len(msg) == 20
    assert struct.unpack("!HHI", msg[:8]) == (0x0001, 0, 0x2112A442)
    assert msg[8:] == tid
    with pytest.raises(ValueError, match="12 bytes"):
        stun.binding_request(b"short")


@pytest.mark.parametrize("username", [None, "s" * 32, "abc"])
def test_padded_request_is_voice_sized(username: str | None) -> None:
    tid = bytes(range(12))
    msg = stun.binding_request(tid, username, stun.VOICE_PAYLOAD_BYTES)
    assert len(msg) == stun.VOICE_PAYLOAD_BYTES == 160 + 12  # G.711 20 ms + RTP header
    assert struct.unpack("!H", msg[2:4])[0] == len(msg) - 20
    kinds, pos = [], 20
    while pos < len(msg):
        kind, length = struct.unpack_from("!HH", msg, pos)
        kinds.append(kind)
        pos += 4 + length + (-length % 4)
    assert pos == len(msg)
    assert kinds == ([] if username is None else [stun.ATTR_USERNAME]) + [stun.ATTR_PADDING]


def test_padding_rounds_up_to_four_and_never_shrinks() -> None:
    tid = bytes(12)
    assert len(stun.binding_request(tid, None, 30)) == 32  # attributes are 4-byte aligned
    assert len(stun.binding_request(tid, "x" * 200, 100)) == 20 + 4 + 200  # no room: as is
    assert len(stun.binding_request(tid, None, 0)) == 20


def test_transaction_ids_are_random_96_bits() -> None:
    ids = {stun.new_transaction_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 12 for i in ids)


def _response(tid: bytes, attrs: bytes, msg_type: int = 0x0101) -> bytes:
    return struct.pack("!HHI", msg_type, len(attrs), 0x2112A442) + tid + attrs


def test_parses_xor_mapped_address_ipv4() -> None:
    tid = b"\x01" * 12
    port = 54321 ^ 0x2112
    addr = bytes(a ^ b for a, b in zip(bytes([203, 0, 113, 7]), b"\x21\x12\xa4\x42", strict=True))
    attr = struct.pack("!HHxBH", 0x0020, 8, 1, port) + addr
    parsed = stun.parse_response(_response(tid, attr))
    assert parsed == stun.StunResponse(tid, True, ("203.0.113.7", 54321))


@pytest.mark.parametrize("family", [1, 2])
def test_an_overlong_xor_mapped_address_is_read_not_a_crash(family: int) -> None:
    """A server's 24-byte XOR-MAPPED-ADDRESS ran past the 16-byte mask (IndexError)."""
    tid = b"\x03" * 12
    attr = struct.pack("!HHxBH", 0x0020, 24, family, 1 ^ 0x2112) + b"\x00" * 20
    parsed = stun.parse_response(_response(tid, attr))
    assert parsed is not None
    assert parsed.success
    assert parsed.mapped is not None
    assert parsed.mapped[1] == 1


def test_rejects_garbage_and_other_messages() -> None:
    tid = b"\x02" * 12
    assert stun.parse_response(b"") is None
    assert stun.parse_response(b"x" * 40) is None
    assert stun.parse_response(stun.binding_request(tid)) is None  # a request, not a response
    assert stun.parse_response(_response(tid, b"\x00\x20\x00\x08")) is None  # truncated
    error = stun.parse_response(_response(tid, b"", 0x0111))
    assert error is not None
    assert not error.success


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stun.example.com:3478", ("stun.example.com", 3478)),
        ("stun.example.com", ("stun.example.com", 3478)),
        ("stun:stun.l.google.com:19302", ("stun.l.google.com", 19302)),
        ("[::1]:5000", ("::1", 5000)),
        ("::1", ("::1", 3478)),
        ("127.0.0.1:9", ("127.0.0.1", 9)),
    ],
)
def test_parse_server(text: str, expected: tuple[str, int]) -> None:
    assert stun.parse_server(text) == expected


@pytest.mark.parametrize("text", ["", "host:0", "host:70000", "host:abc"])
def test_parse_server_rejects(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several messages, all ValueError
        stun.parse_server(text)


def test_coturn_answers_with_our_transaction_id_and_mapped_address(coturn: int) -> None:
    tid = stun.new_transaction_id()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.bind(("127.0.0.1", 0))
        s.sendto(stun.binding_request(tid), ("127.0.0.1", coturn))
        parsed = stun.parse_response(s.recv(2048))
        assert parsed is not None
        assert parsed.transaction_id == tid
        assert parsed.success
        assert parsed.mapped == s.getsockname()
