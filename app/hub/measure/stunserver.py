"""The hub's STUN responder (UDP): standard Binding answers, and the upstream probe record.

RFC 8489 (STUN) is followed for what a Binding server must do:

* §5/§6: a message starts with two zero bits, a 14-bit type (class and method), a length
  that is a multiple of 4 and covers exactly the attributes, and, since RFC 5389, the magic
  cookie 0x2112A442. Anything else is not STUN and is **dropped silently** (§6.3: a
  malformed message is discarded), as are indications and responses (no reply is due).
* §6.3.1: a request with a comprehension-required attribute (type < 0x8000) the server
  does not know gets a **420 (Unknown Attribute)** error listing them in UNKNOWN-ATTRIBUTES
  (§14.9); a method other than Binding gets **400**.
* §14.2: the answer carries XOR-MAPPED-ADDRESS (0x0020) — the source address and port,
  XORed with the cookie (and, for IPv6, the transaction id).
* §14.7: if the request carries FINGERPRINT it must be right (else it is dropped), and the
  answer carries one too.
* §12 (backwards compatibility): a request without the magic cookie comes from an RFC 3489
  client (Debian's ``stun`` is one): it is answered with MAPPED-ADDRESS and the cookie
  field copied back. RFC 3489's CHANGE-REQUEST (RFC 5780 §7.2) is understood: a request to
  answer from another address or port gets 420 — this hub has a single address.

Credentials: USERNAME (0x0006) names the measurement session (docs/hub-protocol.md §4); it
is a label, not authentication. MESSAGE-INTEGRITY is recognised but not checked: nothing
is granted by a Binding answer.

Recording: for a request whose USERNAME is a live session, the sequence (the transaction
id's first four bytes, big-endian), the arrival time and when the answer left (a failed
``sendto`` is the only way one does not: then "never") go to the recorder, which checks
the session and writes one row per session per flush. The arrival time is the kernel's
receive timestamp (``SO_TIMESTAMPNS``, Linux socket(7)) where available, so time spent in
Python under load never shows up as jitter; otherwise ``time.time()`` at ``recvmsg``.

Voice-sized answers: a Binding request carrying PADDING (RFC 5780 §7.6, 0x0026) gets a
success response padded with PADDING to the request's own size, so a client sending
voice-sized requests (172 bytes: G.711's 160 + RTP's 12, docs/checks-network.md) gets
voice-sized packets back and both directions carry a call's load. Unpadded requests get
the plain, short answer.

Answers are never larger than about twice the request (no SOFTWARE attribute; a padded
answer is exactly the request's size), so the responder is a poor amplifier.
"""

from __future__ import annotations

import binascii
import contextlib
import ipaddress
import logging
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass

from deskready.checks.network.stun import (
    ATTR_MAPPED_ADDRESS,
    ATTR_XOR_MAPPED_ADDRESS,
    BINDING_ERROR,
    BINDING_SUCCESS,
    HEADER,
    MAGIC_COOKIE,
)
from deskready.hub.measure.record import Recorder, source_class

log = logging.getLogger("deskready.hub.measure")

ATTR_CHANGE_REQUEST = 0x0003  # RFC 5780 §7.2 (RFC 3489 §11.2.4)
ATTR_USERNAME = 0x0006
ATTR_MESSAGE_INTEGRITY = 0x0008
ATTR_ERROR_CODE = 0x0009
ATTR_UNKNOWN_ATTRIBUTES = 0x000A
ATTR_REALM = 0x0014
ATTR_NONCE = 0x0015
ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C
ATTR_PASSWORD_ALGORITHM = 0x001D
ATTR_USERHASH = 0x001E
ATTR_PADDING = 0x0026  # RFC 5780 §7.6
ATTR_RESPONSE_PORT = 0x0027  # RFC 5780 §7.5
ATTR_FINGERPRINT = 0x8028
FINGERPRINT_XOR = 0x5354554E
#: comprehension-required attributes this responder understands (RFC 8489 §18.3)
KNOWN_REQUIRED = frozenset(
    {
        ATTR_MAPPED_ADDRESS,
        ATTR_CHANGE_REQUEST,
        ATTR_USERNAME,
        ATTR_MESSAGE_INTEGRITY,
        ATTR_ERROR_CODE,
        ATTR_UNKNOWN_ATTRIBUTES,
        ATTR_REALM,
        ATTR_NONCE,
        ATTR_MESSAGE_INTEGRITY_SHA256,
        ATTR_PASSWORD_ALGORITHM,
        ATTR_USERHASH,
        ATTR_XOR_MAPPED_ADDRESS,
        ATTR_PADDING,
        ATTR_RESPONSE_PORT,
    }
)
#: a USERNAME is at most 513 bytes (RFC 8489 §14.3)
MAX_USERNAME = 513
#: largest datagram read (a Binding request is tens of bytes; the path MTU bounds any)
MAX_DATAGRAM = 1500
#: socket poll period: how quickly the responder notices it should stop
POLL_S = 0.25
#: linux/include/uapi/asm-generic/socket.h; the timestamp is a struct timespec
SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("@ll")
_ATTR = struct.Struct("!HH")
_CHANGE_FLAGS = 0x06  # change IP (0x04) and change port (0x02)


@dataclass(frozen=True)
class Request:
    """A parsed Binding request."""

    cookie: int
    transaction_id: bytes  # 12 bytes (16 with the cookie field for RFC 3489)
    username: str | None
    unknown: tuple[int, ...]
    change_request: bool
    fingerprint: bool
    method_ok: bool
    padding: bool = False

    @property
    def classic(self) -> bool:
        """An RFC 3489 client (no magic cookie)."""
        return self.cookie != MAGIC_COOKIE

    @property
    def sequence(self) -> int:
        """The probe's sequence number (the transaction id's first 4 bytes, big-endian)."""
        return int.from_bytes(self.transaction_id[:4], "big")


def parse_request(data: bytes) -> Request | None:
    """A Binding (or other-method) request, or None for anything to drop silently."""
    if len(data) < HEADER.size or len(data) > MAX_DATAGRAM:
        return None
    msg_type, length, cookie, tid = HEADER.unpack_from(data)
    if msg_type & 0xC000 or length % 4 or HEADER.size + length != len(data):
        return None
    klass = ((msg_type >> 7) & 0x2) | ((msg_type >> 4) & 0x1)
    if klass != 0:  # indication, success or error response: nothing to answer
        return None
    method = (msg_type & 0x000F) | ((msg_type >> 1) & 0x0070) | ((msg_type >> 2) & 0x0F80)
    username: str | None = None
    unknown: list[int] = []
    change = False
    fingerprint = False
    padding = False
    pos = HEADER.size
    while pos < len(data):
        if pos + 4 > len(data):
            return None
        attr_type, attr_len = _ATTR.unpack_from(data, pos)
        value_at = pos + 4
        if value_at + attr_len > len(data):
            return None
        value = data[value_at : value_at + attr_len]
        if attr_type == ATTR_FINGERPRINT:
            # §14.7: the last attribute, CRC-32 of everything before it XOR 0x5354554e
            if attr_len != 4 or value_at + 4 != len(data):
                return None
            expected = (binascii.crc32(data[:pos]) ^ FINGERPRINT_XOR) & 0xFFFFFFFF
            if struct.unpack("!I", value)[0] != expected:
                return None
            fingerprint = True
        elif attr_type == ATTR_USERNAME and username is None:
            if attr_len > MAX_USERNAME:
                return None
            username = value.decode("utf-8", "replace")
        elif attr_type == ATTR_CHANGE_REQUEST:
            change = attr_len == 4 and bool(value[3] & _CHANGE_FLAGS)
        elif attr_type == ATTR_PADDING:
            padding = True
        elif attr_type < 0x8000 and attr_type not in KNOWN_REQUIRED and len(unknown) < 16:
            unknown.append(attr_type)
        pos = value_at + attr_len + (-attr_len % 4)
    full_tid = tid if cookie == MAGIC_COOKIE else struct.pack("!I", cookie) + tid
    return Request(
        cookie,
        full_tid,
        username,
        tuple(unknown),
        change,
        fingerprint,
        method == 0x001,
        padding,
    )


def _attr(kind: int, value: bytes) -> bytes:
    return _ATTR.pack(kind, len(value)) + value + b"\0" * (-len(value) % 4)


def _address(host: str, port: int, request: Request) -> bytes:
    ip = ipaddress.ip_address(host.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    family = 0x01 if ip.version == 4 else 0x02
    raw = ip.packed
    if request.classic:  # RFC 3489: MAPPED-ADDRESS, plain
        return _attr(ATTR_MAPPED_ADDRESS, struct.pack("!xBH", family, port) + raw)
    mask = struct.pack("!I", MAGIC_COOKIE) + request.transaction_id
    xored = bytes(b ^ mask[i] for i, b in enumerate(raw))
    value = struct.pack("!xBH", family, port ^ (MAGIC_COOKIE >> 16)) + xored
    return _attr(ATTR_XOR_MAPPED_ADDRESS, value)


def _message(msg_type: int, request: Request, attrs: bytes) -> bytes:
    tid = request.transaction_id
    cookie, tid12 = (MAGIC_COOKIE, tid) if not request.classic else (request.cookie, tid[4:])
    if not request.fingerprint:
        return HEADER.pack(msg_type, len(attrs), cookie, tid12) + attrs
    head = HEADER.pack(msg_type, len(attrs) + 8, cookie, tid12) + attrs
    crc = (binascii.crc32(head) ^ FINGERPRINT_XOR) & 0xFFFFFFFF
    return head + _attr(ATTR_FINGERPRINT, struct.pack("!I", crc))


def _error(code: int, reason: bytes, request: Request, extra: bytes = b"") -> bytes:
    value = struct.pack("!HBB", 0, code // 100, code % 100) + reason
    # the error class of the request's method (only Binding reaches here with 420)
    return _message(BINDING_ERROR, request, _attr(ATTR_ERROR_CODE, value) + extra)


def answer(data: bytes, peer: tuple[str, int]) -> tuple[bytes | None, Request | None]:
    """The reply to one datagram (None: drop it) and the request it parsed to."""
    request = parse_request(data)
    if request is None:
        return None, None
    if not request.method_ok:
        # RFC 8489 §6.3.1: a request for a method we do not serve gets 400, as an error
        # response of the request's own method (the class bits C1 C0 = 0x0110 set)
        msg_type = HEADER.unpack_from(data)[0] | 0x0110
        value = struct.pack("!HBB", 0, 4, 0) + b"Bad Request"
        return _message(msg_type, request, _attr(ATTR_ERROR_CODE, value)), request
    if request.unknown:
        listed = b"".join(struct.pack("!H", a) for a in request.unknown)
        extra = _attr(ATTR_UNKNOWN_ATTRIBUTES, listed)
        return _error(420, b"Unknown Attribute", request, extra), request
    if request.change_request:
        listed = struct.pack("!H", ATTR_CHANGE_REQUEST)
        extra = _attr(ATTR_UNKNOWN_ATTRIBUTES, listed)
        return _error(420, b"Unknown Attribute", request, extra), request
    attrs = _address(peer[0], peer[1], request)
    if request.padding:
        attrs += _padding(len(data), len(attrs), request)
    return _message(BINDING_SUCCESS, request, attrs), request


def _padding(request_size: int, attrs_size: int, request: Request) -> bytes:
    """A PADDING attribute that makes the success response ``request_size`` bytes long
    (nothing when the answer is that long already). Both sizes are multiples of 4."""
    answer_size = HEADER.size + attrs_size + (8 if request.fingerprint else 0)
    room = request_size - answer_size - 4  # 4: the attribute's own header
    return _attr(ATTR_PADDING, b"\0" * room) if room >= 0 else b""


class StunResponder:
    """The UDP responder on ``host:port`` (port 0: any free one), in a thread."""

    def __init__(
        self, host: str, port: int, recorder: Recorder | None, *, prefix_only: bool = True
    ) -> None:
        self.recorder = recorder
        self.prefix_only = prefix_only
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        if family == socket.AF_INET6 and host == "::":
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.sock.bind((host, port))
        self.sock.settimeout(POLL_S)
        self.port = int(self.sock.getsockname()[1])
        self.kernel_timestamps = False
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                self.kernel_timestamps = True
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.answered = 0

    def start(self) -> None:
        """Answer datagrams in a thread until :meth:`stop`."""
        self._thread = threading.Thread(target=self._loop, name="deskready-hub-stun")
        self._thread.daemon = True
        self._thread.start()

    def _loop(self) -> None:
        space = socket.CMSG_SPACE(_TIMESPEC.size)
        while not self.stopping.is_set():
            try:
                data, ancdata, _flags, peer = self.sock.recvmsg(MAX_DATAGRAM + 1, space)
            except TimeoutError:
                continue
            except OSError:
                if self.stopping.is_set():
                    return
                continue  # ICMP errors surface here on some systems: not ours to handle
            arrival = time.time()
            for level, kind, value in ancdata:
                ours = level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS
                if ours and len(value) >= _TIMESPEC.size:
                    sec, nsec = _TIMESPEC.unpack_from(value)
                    arrival = sec + nsec / 1e9
            try:
                self._handle(data, peer, arrival)
            except Exception:  # one bad datagram must never stop the responder
                log.exception("measurement: STUN datagram from %s failed", peer[0])

    def _handle(self, data: bytes, peer: tuple[str, int], arrival: float) -> None:
        reply, request = answer(data, (str(peer[0]), int(peer[1])))
        if reply is None or request is None:
            return
        sent_at: float | None = None
        with contextlib.suppress(OSError):
            self.sock.sendto(reply, peer)
            self.answered += 1
            sent_at = time.time()
        if (
            self.recorder is not None
            and request.username
            and not request.classic
            and request.method_ok
        ):
            source = source_class(str(peer[0]), self.prefix_only)
            self.recorder.probe(
                request.username,
                request.sequence,
                arrival,
                source,
                answered=sent_at is not None,
                answered_at=sent_at,
            )

    def stop(self, timeout: float = 5.0) -> None:
        """Stop answering and close the socket."""
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with contextlib.suppress(OSError):
            self.sock.close()
