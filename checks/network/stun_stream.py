"""A voice-like stream of STUN binding requests: one every 20 ms, timed on the way back.

One thread, one non-blocking UDP socket and ``select``: sends stay on a 20 ms grid (like
an RTP stream) and every answer is timestamped as it arrives — by the kernel where it can
(Linux ``SO_TIMESTAMPNS``, socket(7)), so the time this process waits for a CPU on a busy
computer does not read as jitter on the way back. Requests may be padded to a
voice packet's size (``size``, stun.VOICE_PAYLOAD_BYTES); each answer's size is kept, so
the report can say whether the way back carried voice-sized packets too. Needs no admin
rights.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deskready.checks.network.stun import (
    StunResponse,
    binding_request,
    new_transaction_id,
    parse_response,
    sequenced_transaction_id,
)

#: linux/include/uapi/asm-generic/socket.h; the control message is a struct timespec
SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("@ll")
#: largest answer read (coturn pads its answers to the MTU when asked for PADDING)
MAX_ANSWER = 2048


class _Receiver:
    """``recv`` with the answer's arrival time on the monotonic clock.

    The kernel stamps a datagram when it arrives (wall clock); it is moved onto the
    monotonic clock with the offset between the two clocks read when it is read (a few
    microseconds), so a step of the wall clock before the datagram arrived does not move
    it. A stamp that still lands outside the last second — the clock was stepped between
    arrival and read — is replaced by the time it was read. (The first socket on a
    machine to ask for stamps turns them on from a kernel work queue a moment later;
    a datagram that arrives before then is stamped when it is read, as without them.)
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.kernel = False
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                self.kernel = True

    def recv(self) -> tuple[bytes, float]:
        """One datagram and when it arrived (raises what ``recv`` raises)."""
        if not self.kernel:
            return self.sock.recv(MAX_ANSWER), time.monotonic()
        data, ancdata, _flags, _peer = self.sock.recvmsg(
            MAX_ANSWER, socket.CMSG_SPACE(_TIMESPEC.size)
        )
        now = time.monotonic()
        offset = _wall_minus_monotonic()
        for level, kind, value in ancdata:
            ours = level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS
            if ours and len(value) >= _TIMESPEC.size:
                sec, nsec = _TIMESPEC.unpack_from(value)
                stamped = sec + nsec / 1e9 - offset
                if now - 1.0 <= stamped <= now + 0.001:
                    return data, stamped
        return data, now


def _wall_minus_monotonic() -> float:
    """``time.time() - time.monotonic()``, from the tightest of a few readings (a thread
    switch between the two calls would shift every stamp by its length)."""
    best: tuple[float, float] | None = None
    for _ in range(5):
        before = time.monotonic()
        wall = time.time()
        after = time.monotonic()
        if best is None or after - before < best[0]:
            best = (after - before, wall - (before + after) / 2)
    assert best is not None
    return best[1]


@dataclass
class Probe:
    """One request: when it left, and when (if ever) its answer came back."""

    seq: int
    sent: float
    received: float | None = None
    reply_bytes: int = 0

    @property
    def rtt_ms(self) -> float | None:
        """Round-trip time in ms, None if lost."""
        return None if self.received is None else (self.received - self.sent) * 1000.0


@dataclass
class StreamResult:
    """All probes of a stream, in send order, plus answers in arrival order."""

    probes: list[Probe]
    arrivals: list[Probe] = field(default_factory=list)
    mapped: tuple[str, int] | None = None
    request_bytes: int = 0  # each request's UDP payload (all have the same size)


def ping(
    sock: socket.socket,
    address: Any,
    attempts: int,
    wait_s: float,
    size: int = 0,
    answers: list[StunResponse] | None = None,
) -> float | None:
    """Send up to ``attempts`` binding requests, ``wait_s`` apart; RTT (ms) of the first
    answer, or None when the server stays silent. ``size`` pads the requests
    (stun.binding_request); the answer itself is appended to ``answers`` when given (so a
    caller sees a 420 refusing the padding)."""
    for _ in range(max(1, attempts)):
        tid = new_transaction_id()
        sent = time.monotonic()
        try:
            sock.sendto(binding_request(tid, size=size), address)
        except OSError:
            return None
        end = sent + wait_s
        while (left := end - time.monotonic()) > 0:
            ready, _w, _x = select.select([sock], [], [], left)
            if not ready:
                break
            try:
                data = sock.recv(2048)
            except OSError:
                break  # ICMP port unreachable shows up here on Linux
            response = parse_response(data)
            if response is not None and response.transaction_id == tid:
                if answers is not None:
                    answers.append(response)
                return (time.monotonic() - sent) * 1000.0
    return None


def stream(
    sock: socket.socket,
    address: Any,
    count: int,
    interval_s: float,
    grace_s: float,
    should_stop: Callable[[], bool],
    on_tick: Callable[[float, list[Probe]], None] | None = None,
    username: str | None = None,
    size: int = 0,
) -> StreamResult:
    """Send ``count`` requests every ``interval_s``; wait up to ``grace_s`` after the last
    one, less once every request has its answer.

    Answers arriving later than that count as lost (a voice packet that late is useless).
    ``should_stop`` is polled every tick and ends the stream early (cancellation).
    With ``username`` (the hub mode) each request carries it as USERNAME and its
    transaction id starts with the probe's sequence number (docs/hub-protocol.md §4).
    ``size`` pads each request to that many bytes (0: unpadded, 20 bytes + USERNAME).
    """
    by_tid: dict[bytes, Probe] = {}
    probes: list[Probe] = []
    arrivals: list[Probe] = []
    mapped: tuple[str, int] | None = None
    request_bytes = 0
    receiver = _Receiver(sock)
    start = time.monotonic()
    next_send = start
    last_tick = start
    end: float | None = None
    while True:
        now = time.monotonic()
        if len(probes) < count and now >= next_send:
            seq = len(probes)
            tid = new_transaction_id() if username is None else sequenced_transaction_id(seq)
            probe = Probe(seq, time.monotonic())
            request = binding_request(tid, username, size)
            request_bytes = len(request)
            with contextlib.suppress(OSError):  # counts as lost, like a packet the OS dropped
                sock.sendto(request, address)
            by_tid[tid] = probe
            probes.append(probe)
            next_send = start + len(probes) * interval_s
            if len(probes) == count:
                end = time.monotonic() + grace_s
        # the grace wait is for answers still on their way: once every one is in, the
        # stream is done (a clean line saves the whole wait, a second of every call test)
        if end is not None and (now >= end or len(arrivals) == count):
            break
        if should_stop():
            break
        if on_tick is not None and now - last_tick >= 0.5:
            last_tick = now
            on_tick((now - start) / max(1e-9, count * interval_s), arrivals)
        wake = end if end is not None else next_send
        ready, _w, _x = select.select([sock], [], [], max(0.0, wake - time.monotonic()))
        if not ready:
            continue
        for _ in range(64):  # drain what is queued, bounded
            try:
                data, arrived = receiver.recv()
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            response = parse_response(data)
            if response is None:
                continue
            probe_hit = by_tid.get(response.transaction_id)
            if probe_hit is None or probe_hit.received is not None:
                continue  # unknown or duplicate
            probe_hit.received = arrived
            probe_hit.reply_bytes = len(data)
            arrivals.append(probe_hit)
            mapped = mapped or response.mapped
    return StreamResult(probes, arrivals, mapped, request_bytes)
