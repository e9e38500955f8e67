"""Minimal STUN (RFC 5389 / RFC 8489) binding requests and responses.

Only what a latency probe needs: a Binding Request with a random 96-bit transaction id
(20 bytes, or padded to a voice packet's size), and recognising the matching Binding
Success Response. Answers from any STUN server, including every VoIP/WebRTC platform's
TURN servers.

Voice size: a G.711 call sends one RTP packet every 20 ms carrying 160 bytes of audio
(8,000 samples/s x 20 ms x 1 byte, ITU-T G.711) behind a 12-byte RTP header (RFC 3550
§5.1): 172 bytes of UDP payload, 200 bytes on the wire with IPv4 + UDP headers (220 with
IPv6). A request padded with PADDING (RFC 5780 §7.6, attribute 0x0026) to that size loads
the way up like a call; the employer's hub pads its answer to the request's size, so the
way back carries voice-sized packets too. Other servers may answer small, or refuse the
attribute (it is comprehension-required: 420 Unknown Attribute).
"""

from __future__ import annotations

import ipaddress
import os
import struct
from dataclasses import dataclass

MAGIC_COOKIE = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
BINDING_ERROR = 0x0111
HEADER = struct.Struct("!HHI12s")
ATTR_MAPPED_ADDRESS = 0x0001
ATTR_USERNAME = 0x0006
#: RFC 8489 §14.3: USERNAME is at most 513 bytes; 508 keeps the padded value a multiple of 4.
MAX_USERNAME_BYTES = 508
ATTR_XOR_MAPPED_ADDRESS = 0x0020
ATTR_PADDING = 0x0026
#: G.711 20 ms payload (160 bytes) + RTP header (12 bytes): one voice packet's UDP payload.
VOICE_PAYLOAD_BYTES = 172
#: IPv4 (20) / IPv6 (40) header + UDP header (8): what a datagram adds on the wire.
IPV4_UDP_OVERHEAD = 28
IPV6_UDP_OVERHEAD = 48


@dataclass(frozen=True)
class StunResponse:
    """A parsed STUN response.

    Attributes:
        transaction_id: the 12 bytes that match it to its request.
        success: True for a Binding Success Response, False for an error response.
        mapped: the reflexive (public) address the server saw, if it sent one.
    """

    transaction_id: bytes
    success: bool
    mapped: tuple[str, int] | None = None


def new_transaction_id() -> bytes:
    """A random 96-bit transaction id (RFC 5389 §6: must be uniformly random)."""
    return os.urandom(12)


def sequenced_transaction_id(seq: int) -> bytes:
    """A transaction id whose first 4 bytes are ``seq`` (big-endian), the other 8 random:
    how an employer hub counts a stream's probes (docs/hub-protocol.md §4)."""
    return struct.pack("!I", seq & 0xFFFFFFFF) + os.urandom(8)


def binding_request(transaction_id: bytes, username: str | None = None, size: int = 0) -> bytes:
    """A Binding Request: 20 bytes, plus a USERNAME attribute when ``username`` is given
    (the hub mode: it names the hub's measurement session), plus a PADDING attribute
    bringing the whole message to ``size`` bytes (rounded up to a multiple of 4, as STUN
    attributes are) when ``size`` leaves room for one; 0 means no padding."""
    if len(transaction_id) != 12:
        raise ValueError("a STUN transaction id has 12 bytes")
    attributes = b""
    if username is not None:
        value = username.encode("utf-8")
        if len(value) > MAX_USERNAME_BYTES:
            raise ValueError("a STUN USERNAME has at most 508 bytes here")
        attributes = (
            struct.pack("!HH", ATTR_USERNAME, len(value)) + value + b"\0" * (-len(value) % 4)
        )
    room = size - HEADER.size - len(attributes) - 4  # 4: the PADDING attribute's header
    if room >= 0:
        pad = room + (-room % 4)
        attributes += struct.pack("!HH", ATTR_PADDING, pad) + b"\0" * pad
    return HEADER.pack(BINDING_REQUEST, len(attributes), MAGIC_COOKIE, transaction_id) + attributes


def parse_response(data: bytes) -> StunResponse | None:
    """Parse a Binding response; None for anything that is not one (never raises)."""
    if len(data) < HEADER.size:
        return None
    msg_type, length, cookie, tid = HEADER.unpack_from(data)
    if cookie != MAGIC_COOKIE or msg_type not in (BINDING_SUCCESS, BINDING_ERROR):
        return None
    if length % 4 or HEADER.size + length > len(data):
        return None
    mapped: tuple[str, int] | None = None
    pos = HEADER.size
    end = HEADER.size + length
    while pos + 4 <= end:
        attr_type, attr_len = struct.unpack_from("!HH", data, pos)
        if pos + 4 + attr_len > end:
            return None  # an attribute running past the message: malformed
        value = data[pos + 4 : pos + 4 + attr_len]
        if attr_type in (ATTR_XOR_MAPPED_ADDRESS, ATTR_MAPPED_ADDRESS) and mapped is None:
            mapped = _parse_address(value, tid, xor=attr_type == ATTR_XOR_MAPPED_ADDRESS)
        pos += 4 + attr_len + (-attr_len % 4)  # attributes are padded to 4 bytes
    return StunResponse(tid, msg_type == BINDING_SUCCESS, mapped)


def _parse_address(value: bytes, tid: bytes, *, xor: bool) -> tuple[str, int] | None:
    if len(value) < 8:
        return None
    family, port = struct.unpack_from("!xBH", value)
    raw = value[4:]
    if xor:
        port ^= MAGIC_COOKIE >> 16
        mask = struct.pack("!I", MAGIC_COOKIE) + tid
        # zip, not mask[i]: an attribute longer than an IPv6 address (a hostile or broken
        # server) must not run past the 16-byte mask
        raw = bytes(b ^ m for b, m in zip(raw, mask, strict=False))
    if family == 0x01 and len(raw) >= 4:
        return str(ipaddress.IPv4Address(raw[:4])), port
    if family == 0x02 and len(raw) >= 16:
        return str(ipaddress.IPv6Address(raw[:16])), port
    return None


def parse_server(spec: str, default_port: int = 3478) -> tuple[str, int]:
    """Split ``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address.

    Raises:
        ValueError: when the port is not a number within 1..65535.
    """
    text = spec.strip()
    for prefix in ("stun:", "stuns:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if not host:
        raise ValueError(f"no host in {spec!r}")
    port = int(port_text) if port_text else default_port
    if not 0 < port < 65536:
        raise ValueError(f"port {port} out of range")
    return host, port
