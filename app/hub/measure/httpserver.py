"""The measurement port: the LibreSpeed backend protocol, measured from the hub's side.

Served under ``/m/<session>/`` (docs/hub-protocol.md §4):

* ``GET garbage.php?ckSize=N`` — N MiB (1…:data:`MAX_CK_MIB`, default 4 as LibreSpeed's
  own ``garbage.php``) of random bytes. The download is counted as what the client's TCP
  stack *has*: acknowledged plus SACKed (``tcpi_bytes_acked`` + ``tcpi_sacked`` × MSS, see
  :mod:`.tcpinfo`), sampled every :data:`SAMPLE_S` from the first byte written to the
  last acknowledged; never what went into the socket buffer.
* ``POST empty.php`` — the upload sink: bytes received (read + ``FIONREAD``), each
  sample marked when a packet came out of order since the last (data held behind a hole).

The rate is taken from these series by the agent's own method
(:mod:`deskready.checks.network.rate_estimator`, via :mod:`.summary`): one window common
to all streams, so the hub's figure and the agent's are the same kind of number.
  ``GET empty.php`` — an empty 200 (the ping).
* ``GET getIP.php`` — ``{"processedString": "<client address>", "rawIspInfo": ""}``.

Answers: unknown session 404, expired 410, over its byte cap 429, bad ``ckSize`` 400,
unknown file 404, other methods 405, an upload body over :data:`MAX_BODY` 413, a request
head over :data:`MAX_HEAD` 431, malformed HTTP (no ``Host:``, bad framing) 400, a head not
complete within :data:`HEAD_S` or a body slower than :data:`FLOOR_BPS` over any
:data:`GRACE_S` window 408 (then the connection is closed), an idle keep-alive connection
is closed after :data:`IDLE_S`. Errors are RFC 9457 problem details.

**Why threads, one per connection** (bounded by :data:`MAX_CONNECTIONS`, and
:data:`MAX_PER_ADDRESS` per client address): each connection needs its own blocking
socket, precise timestamps next to every ``send``/``recv``, and ``TCP_INFO`` polling while
the last bytes are acknowledged. ``send``/``recv`` release the GIL, so the kernel moves the
bytes while Python only slices a pre-made buffer; an agent opens five to nine connections,
so a thread each is cheap, and no connection's timing waits behind another's in a shared
event loop. HTTP/1.1 parsing is h11 (a state machine, no I/O), over our own sockets.

**Why the random buffer**: :data:`RANDOM_BYTES` from ``os.urandom`` made once, served from
a random offset; incompressible for any compressor a proxy would use (LibreSpeed's
``garbage.php`` repeats one random MiB the same way).

Off Linux there is no ``TCP_INFO``: the download figure is then bytes written, and each
observation says ``"tcp_info": false``.
"""

from __future__ import annotations

import array
import contextlib
import errno
import json
import logging
import os
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qs

import h11

from deskready.checks.i18n import N_
from deskready.hub.measure import tcpinfo
from deskready.hub.measure.record import Recorder, State, source_class

log = logging.getLogger("deskready.hub.measure")

MIB = 1024 * 1024
#: largest ``ckSize`` (MiB) one download request may ask for
MAX_CK_MIB = 100
#: LibreSpeed's default when ``ckSize`` is absent
DEFAULT_CK_MIB = 4
#: the pre-made random data every download is cut from
RANDOM_BYTES = 8 * MIB
#: bytes handed to one ``send`` call
SEND_CHUNK = 1 * MIB
#: largest upload body one request may carry (LibreSpeed's web client posts ~20 MiB)
MAX_BODY = 128 * MIB
#: largest request head (h11 answers 431 beyond)
MAX_HEAD = 16 * 1024
#: a request head must be complete this long after its first byte
HEAD_S = 10.0
#: a keep-alive connection with no request for this long is closed
IDLE_S = 15.0
#: the slowest transfer accepted: 16 kbit/s (the client's own floor,
#: docs/checks-network.md) measured over every window of GRACE_S seconds
FLOOR_BPS = 16_000
GRACE_S = 4.0
#: how long, after the last byte of a download is written, the hub waits for its ACK
ACK_WAIT_S = 3.0
#: how often the acknowledged byte count is sampled during a transfer
SAMPLE_S = 0.025
#: samples kept per record; beyond, every other one is dropped (the series stays bounded)
MAX_SAMPLES = 2_000
#: socket poll period: how quickly a connection notices the server stopping
POLL_S = 0.25
#: a connection's records go to the database once it has been idle this long
FLUSH_IDLE_S = 1.0
MAX_CONNECTIONS = 256
MAX_PER_ADDRESS = 32

_RANDOM = os.urandom(RANDOM_BYTES + SEND_CHUNK)
_LINGER_RESET = struct.pack("ii", 1, 0)  # struct linger {l_onoff = 1, l_linger = 0}

_TITLES = {
    400: N_("Bad request"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    408: N_("The request was too slow"),
    410: N_("This measurement session has expired"),
    413: N_("The upload is too large"),
    429: N_("This measurement session has moved all the data it may"),
    431: N_("The request head is too large"),
    503: N_("Too many connections"),
}
_CORS = [
    (b"Access-Control-Allow-Origin", b"*"),
    (b"Access-Control-Allow-Methods", b"GET, POST, OPTIONS"),
    (b"Access-Control-Allow-Headers", b"Content-Encoding, Content-Type"),
]
_NO_CACHE = [
    (b"Cache-Control", b"no-store, no-cache, must-revalidate, max-age=0"),
    (b"Pragma", b"no-cache"),
]

#: The query parameter a responsiveness run adds to its load transfers (``dr_use=load``):
#: they are recorded as ``load_down`` / ``load_up``, never as the session's download or
#: upload test, whose figures the hub signs. A load that saturates both directions at once
#: would otherwise be taken for the speed test (the phase that moved most bytes).
LOAD_MARK = "dr_use=load"


class _Closed(Exception):
    """The connection ends here (peer gone, timeout, server stopping)."""


class _Answer(Exception):
    """Answer this status (a problem document) and close."""

    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(status)
        self.status = status
        self.detail = detail


@dataclass
class _Record:
    """One direction of one connection for one session: a cumulative byte series."""

    start_epoch: float
    start_mono: float
    series: list[list[float]] = field(default_factory=list)
    bytes: int = 0
    last_growth: float = 0.0  # seconds after start when ``bytes`` last grew
    requests: int = 0
    rtt_us: int | None = None
    min_rtt_us: int | None = None
    retrans0: int | None = None
    retrans: int | None = None
    delivery: list[int] = field(default_factory=list)

    def add(self, now: float, total: int, clean: bool = True) -> None:
        """``total`` bytes had arrived at ``now``. A sample that held data back (behind a
        lost packet: see deskready.checks.network.rate_estimator) is stored ``[t, n, 0]``
        and never opens a rate window."""
        t = now - self.start_mono
        total = max(total, self.bytes)
        if total > self.bytes:
            self.bytes = total
            self.last_growth = t
        point = [round(t, 6), total] if clean else [round(t, 6), total, 0]
        series = self.series
        if len(series) >= 2 and t - series[-2][0] < SAMPLE_S:
            series[-1] = point  # keep the newest value, spaced at least SAMPLE_S apart
        else:
            series.append(point)
        if len(series) > MAX_SAMPLES:
            del series[1:-1:2]

    def tcp(self, info: tcpinfo.TcpInfo) -> None:
        self.rtt_us = info.rtt_us
        if info.min_rtt_us:
            self.min_rtt_us = info.min_rtt_us
        if self.retrans0 is None:
            self.retrans0 = info.total_retrans
        self.retrans = info.total_retrans - self.retrans0
        if info.delivery_rate_bps and len(self.delivery) < MAX_SAMPLES:
            self.delivery.append(info.delivery_rate_bps)

    def data(self, source: dict[str, str], has_tcp_info: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": round(self.start_epoch, 6),
            "series": self.series,
            "bytes": self.bytes,
            "seconds": round(self.last_growth, 6),
            "requests": self.requests,
            "source": source,
            "tcp_info": has_tcp_info,
        }
        if self.rtt_us is not None:
            delivery = sorted(self.delivery)
            out["tcp"] = {
                "rtt_ms": self.rtt_us / 1000.0,
                "min_rtt_ms": (self.min_rtt_us or self.rtt_us) / 1000.0,
                "retrans": self.retrans or 0,
                "delivery_mbps": (delivery[len(delivery) // 2] * 8 / 1e6 if delivery else None),
            }
        return out


class _Connection:
    """One client connection: h11 over our socket, answering request after request."""

    def __init__(self, server: MeasureHTTPServer, sock: socket.socket, peer: str) -> None:
        self.server = server
        self.recorder = server.recorder
        self.sock = sock
        self.peer = peer
        self.source = source_class(peer, server.prefix_only)
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        self.records: dict[tuple[str, str], _Record] = {}
        self.pings: dict[str, int] = {}
        self.dirty = False
        #: end with a reset (SO_LINGER 0): a client cut off mid-download must not get the
        #: megabytes still queued in the send buffer at its own slow pace after close
        self.reset = False
        self.has_tcp_info = tcpinfo.read(sock) is not None
        sock.settimeout(POLL_S)

    # -- reading -----------------------------------------------------------------------
    def _recv(self, phase: str, since: float) -> bytes:
        """One ``recv``, bounded by the phase's rule (idle, head); raises _Closed/_Answer."""
        while True:
            if self.server.stopping.is_set():
                raise _Closed
            now = time.monotonic()
            if phase == "idle":
                if now - since > IDLE_S:
                    raise _Closed
                if self.dirty and now - since > FLUSH_IDLE_S:
                    self.flush()
            elif now - since > HEAD_S:
                raise _Answer(408)
            try:
                # small reads while a head comes in, so h11's head limit sees it grow
                data = self.sock.recv(MAX_HEAD // 2)
            except TimeoutError:
                continue
            except OSError as exc:
                raise _Closed from exc
            if not data:
                raise _Closed
            return data

    def _event(self, phase: str, since: float) -> Any:
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise _Answer(exc.error_status_hint or 400, str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            self.h11.receive_data(self._recv(phase, since))
            if phase == "idle":
                phase, since = "head", time.monotonic()

    # -- writing -----------------------------------------------------------------------
    def _send_small(self, data: bytes) -> None:
        deadline = time.monotonic() + GRACE_S
        view = memoryview(data)
        while view:
            if time.monotonic() > deadline or self.server.stopping.is_set():
                raise _Closed
            try:
                n = self.sock.send(view)
            except TimeoutError:
                continue
            except OSError as exc:
                raise _Closed from exc
            view = view[n:]

    def _respond(
        self,
        status: int,
        body: bytes = b"",
        ctype: bytes = b"text/plain",
        close: bool = False,
    ) -> None:
        headers = [(b"Content-Type", ctype), (b"Content-Length", str(len(body)).encode())]
        headers += _NO_CACHE + _CORS
        if close:
            headers.append((b"Connection", b"close"))
        try:
            out = self.h11.send(h11.Response(status_code=status, headers=headers))
            if body:
                out = (out or b"") + (self.h11.send(h11.Data(data=body)) or b"")
            out = (out or b"") + (self.h11.send(h11.EndOfMessage()) or b"")
        except h11.LocalProtocolError as exc:
            raise _Closed from exc
        self._send_small(out)

    def _problem(self, status: int, detail: str = "") -> None:
        doc = {"type": "about:blank", "title": _TITLES.get(status, ""), "status": status}
        if detail:
            doc["detail"] = detail[:200]
        body = json.dumps(doc).encode()
        if self.h11.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            self._respond(status, body, b"application/problem+json", close=True)

    # -- the loop ------------------------------------------------------------------------
    def serve(self) -> None:
        try:
            while not self.server.stopping.is_set():
                event = self._event("idle", time.monotonic())
                if isinstance(event, h11.ConnectionClosed):
                    break
                if not isinstance(event, h11.Request):
                    raise _Answer(400)
                if self.h11.they_are_waiting_for_100_continue:
                    self._send_small(
                        self.h11.send(h11.InformationalResponse(status_code=100, headers=[])) or b""
                    )
                self._dispatch(event)
                if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
                    self.h11.start_next_cycle()
                else:
                    break
        except _Answer as answer:
            if self.h11.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
                self.reset = True  # mid-body: no answer fits; drop what is still queued
            with contextlib.suppress(_Closed):
                self._problem(answer.status, answer.detail)
        except _Closed:
            pass
        except Exception:  # a bug must cost one connection, never the server
            log.exception("measurement: connection from %s failed", self.peer)
        finally:
            self.flush()

    def _dispatch(self, request: h11.Request) -> None:
        target = request.target.decode("ascii", "replace")
        path, _sep, query = target.partition("?")
        parts = path.split("/")
        method = request.method
        if len(parts) != 4 or parts[0] or parts[1] != "m":
            raise _Answer(404)
        session_id, name = parts[2], parts[3]
        if name not in ("garbage.php", "empty.php", "getIP.php"):
            raise _Answer(404)
        if method == b"OPTIONS":
            self._drain_small()
            self._respond(204)
            return
        allowed = {b"GET", b"POST"} if name == "empty.php" else {b"GET"}
        if method not in allowed:
            raise _Answer(405)
        state = self.recorder.state(session_id)
        if state is not State.LIVE:
            raise _Answer(state.value)
        load = LOAD_MARK in query.split("&")
        if method == b"POST":
            self._upload(session_id, request, "load_up" if load else "upload")
            return
        self._drain_small()  # a GET with a body: read it (bounded) or refuse
        if name == "garbage.php":
            self._download(session_id, _ck_size(query), "load_down" if load else "download")
        elif name == "getIP.php":
            ip = self.source_ip()
            body = json.dumps({"processedString": ip, "rawIspInfo": ""}).encode()
            self._respond(200, body, b"application/json")
        else:
            self._respond(200)
            self._ping(session_id)

    def source_ip(self) -> str:
        """The client's address as it reached us (IPv4 for an IPv4-mapped IPv6 peer)."""
        peer = self.peer
        if peer.startswith("::ffff:") and "." in peer:
            return peer[7:]
        return peer

    def _drain_small(self) -> None:
        """Read the rest of a request that should have no body (at most 64 KiB)."""
        got = 0
        started = time.monotonic()
        while True:
            event = self._event("head", started)
            if isinstance(event, h11.EndOfMessage):
                return
            if isinstance(event, h11.Data):
                got += len(event.data)
                if got > 64 * 1024:
                    raise _Answer(413)
            elif isinstance(event, h11.ConnectionClosed):
                raise _Closed

    # -- measuring ------------------------------------------------------------------------
    def _record(self, session_id: str, kind: str, now: float) -> _Record:
        key = (session_id, kind)
        record = self.records.get(key)
        if record is None:
            record = _Record(time.time(), now)
            self.records[key] = record
        self.dirty = True
        return record

    def _ping(self, session_id: str) -> None:
        self.pings[session_id] = self.pings.get(session_id, 0) + 1
        self.dirty = True

    def _upload(self, session_id: str, request: h11.Request, kind: str) -> None:
        length = None
        for key, value in request.headers:
            if key == b"content-length":
                length = int(value)
        if length is not None and length > MAX_BODY:
            raise _Answer(413)
        if length is not None and length > self.recorder.bytes_left(session_id):
            raise _Answer(429)
        record: _Record | None = None
        base = 0
        got = 0
        window_t = time.monotonic()
        window_bytes = 0
        ooo: list[int | None] = [None]
        while True:
            event = self._body_event(window_t)
            now = time.monotonic()
            if isinstance(event, h11.EndOfMessage):
                break
            if isinstance(event, h11.ConnectionClosed):
                raise _Closed
            if isinstance(event, h11.Data) and event.data:
                n = len(event.data)
                if record is None:
                    record = self._record(session_id, kind, now)
                    base = record.bytes
                    record.requests += 1
                got += n
                # arrived = read + what the kernel holds readable; clean when no packet
                # came out of order since the previous sample (nothing behind a hole)
                info = tcpinfo.read(self.sock)
                clean = info is None or info.rcv_ooopack is None or info.rcv_ooopack == ooo[0]
                ooo[0] = info.rcv_ooopack if info is not None else None
                record.add(now, base + got + _readable(self.sock), clean)
                self.recorder.moved(session_id, n)
                if got > MAX_BODY:
                    raise _Answer(413)
            if now - window_t >= GRACE_S:  # the floor: bytes per GRACE_S window
                if got - window_bytes < FLOOR_BPS / 8 * GRACE_S:
                    raise _Answer(408)
                window_t, window_bytes = now, got
            if length is None and got > self.recorder.bytes_left(session_id):
                raise _Answer(429)
        self._respond(200)

    def _body_event(self, window_t: float) -> Any:
        """The next body event; a silent client is judged by the floor in the caller."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise _Answer(exc.error_status_hint or 400, str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            if self.server.stopping.is_set():
                raise _Closed
            try:
                data = self.sock.recv(256 * 1024)
            except TimeoutError:
                if time.monotonic() - window_t >= GRACE_S:
                    return h11.Data(data=b"")  # lets the caller apply the floor
                continue
            except OSError as exc:
                raise _Closed from exc
            self.h11.receive_data(data)

    def _download(self, session_id: str, mib: int, kind: str) -> None:
        size = min(mib * MIB, self.recorder.bytes_left(session_id))
        if size <= 0:
            raise _Answer(429)
        headers = [
            (b"Content-Type", b"application/octet-stream"),
            (b"Content-Description", b"File Transfer"),
            (b"Content-Disposition", b"attachment; filename=random.dat"),
            (b"Content-Transfer-Encoding", b"binary"),
            (b"Content-Length", str(size).encode()),
            *_NO_CACHE,
            *_CORS,
        ]
        head = self.h11.send(h11.Response(status_code=200, headers=headers)) or b""
        now = time.monotonic()
        record = self._record(session_id, kind, now)
        record.requests += 1
        base = record.bytes
        before = tcpinfo.read(self.sock)
        acked0 = before.delivered() if before is not None else None
        if not record.series:
            record.add(now, 0)
        self._send_small(head)
        # the payload acknowledged: bytes acked since ``before`` less the head
        offset = secrets.randbelow(RANDOM_BYTES)
        written = 0
        last_sample = now
        window_t, window_progress = now, 0
        progress = 0
        stopping = self.server.stopping

        def sample(at: float) -> int:
            info = tcpinfo.read(self.sock)
            delivered = info.delivered() if info is not None else None
            if info is None or acked0 is None or delivered is None:
                record.add(at, base + written)
                return written
            record.tcp(info)
            done = max(0, min(size, delivered - acked0 - len(head)))
            record.add(at, base + done)
            return done

        # sends wait at most SAMPLE_S, so the acknowledged count is sampled that often
        # even while the send buffer is full (a slow link)
        self.sock.settimeout(SAMPLE_S)
        try:
            while written < size:
                if stopping.is_set():
                    raise _Closed
                n_want = min(SEND_CHUNK, size - written)
                start = (offset + written) % RANDOM_BYTES
                piece = memoryview(_RANDOM)[start : start + n_want]
                try:
                    n = self.sock.send(piece)
                except TimeoutError:
                    n = 0
                if n:  # h11 keeps the framing count; the bytes went straight to the socket
                    # passthrough: h11 only counts it (typed bytes, any buffer works)
                    sent = cast(bytes, piece[:n])
                    self.h11.send_with_data_passthrough(h11.Data(data=sent))
                written += n
                self.recorder.moved(session_id, n)
                at = time.monotonic()
                if at - last_sample >= SAMPLE_S:
                    last_sample = at
                    progress = sample(at)
                    if at - window_t >= GRACE_S:
                        if progress - window_progress < FLOOR_BPS / 8 * GRACE_S:
                            raise _Answer(408)
                        window_t, window_progress = at, progress
        except OSError as exc:  # the client went away mid-body (the test phase ended)
            sample(time.monotonic())
            if exc.errno not in (errno.EPIPE, errno.ECONNRESET, None):
                log.debug("measurement: send failed: %s", exc)
            raise _Closed from exc
        # the whole body is in the kernel: wait (bounded) for the client's last ACK
        deadline = time.monotonic() + ACK_WAIT_S
        while time.monotonic() < deadline:
            at = time.monotonic()
            info = tcpinfo.read(self.sock)
            done = sample(at)
            if info is None or done >= size or info.unacked == 0:
                break
            time.sleep(0.001)
        self.sock.settimeout(POLL_S)
        self.h11.send(h11.EndOfMessage())

    # -- recording ------------------------------------------------------------------------
    def flush(self) -> None:
        """Queue this connection's records as observations and start new ones."""
        for (session_id, kind), record in self.records.items():
            if record.bytes > 0 or record.requests:
                self.recorder.observe(session_id, kind, record.data(self.source, self.has_tcp_info))
        for session_id, count in self.pings.items():
            data: dict[str, Any] = {"start": time.time(), "count": count, "source": self.source}
            info = tcpinfo.read(self.sock)
            if info is not None:
                data["tcp"] = {
                    "rtt_ms": info.rtt_us / 1000.0,
                    "min_rtt_ms": (info.min_rtt_us or info.rtt_us) / 1000.0,
                }
            self.recorder.observe(session_id, "ping", data)
        self.records.clear()
        self.pings.clear()
        self.dirty = False


def _readable(sock: socket.socket) -> int:
    """Bytes the kernel received for ``sock`` that were not read yet (FIONREAD; 0 if
    unknown): what had arrived = what was read + this."""
    try:
        import fcntl
        import termios
    except ImportError:  # Windows
        return 0
    buf = array.array("i", [0])
    try:
        fcntl.ioctl(sock.fileno(), termios.FIONREAD, buf, True)
    except (OSError, ValueError):
        return 0
    return int(buf[0])


def _ck_size(query: str) -> int:
    values = parse_qs(query, max_num_fields=20).get("ckSize")
    if not values:
        return DEFAULT_CK_MIB
    try:
        mib = int(values[0])
    except ValueError:
        raise _Answer(400, "ckSize must be a whole number of MiB") from None
    if not 1 <= mib <= MAX_CK_MIB:
        raise _Answer(400, f"ckSize must be between 1 and {MAX_CK_MIB}")
    return mib


class MeasureHTTPServer:
    """The measurement HTTP server on ``host:port`` (port 0: any free one)."""

    def __init__(
        self, host: str, port: int, recorder: Recorder, *, prefix_only: bool = True
    ) -> None:
        self.recorder = recorder
        self.prefix_only = prefix_only
        self.stopping = threading.Event()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host == "::":
            self.listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.listener.bind((host, port))
        self.listener.listen(128)
        self.listener.settimeout(POLL_S)
        self.port = int(self.listener.getsockname()[1])
        self._lock = threading.Lock()
        self._active: dict[socket.socket, str] = {}
        self._threads: set[threading.Thread] = set()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Accept connections in a thread until :meth:`stop`."""
        self._thread = threading.Thread(target=self._accept_loop, name="deskready-hub-measure")
        self._thread.daemon = True
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if self.stopping.is_set():
                    return
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    time.sleep(0.1)  # out of descriptors: let connections end first
                continue
            peer = str(address[0])
            with self._lock:
                too_many = len(self._active) >= MAX_CONNECTIONS or (
                    sum(1 for p in self._active.values() if p == peer) >= MAX_PER_ADDRESS
                )
                if not too_many:
                    self._active[sock] = peer
            if too_many:
                _refuse(sock)
                continue
            thread = threading.Thread(target=self._run, args=(sock, peer), daemon=True)
            with self._lock:
                self._threads.add(thread)
            thread.start()

    def _run(self, sock: socket.socket, peer: str) -> None:
        connection: _Connection | None = None
        try:
            connection = _Connection(self, sock, peer)
            connection.serve()
        finally:
            if connection is not None and connection.reset:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
            with self._lock:
                self._active.pop(sock, None)
                self._threads.discard(threading.current_thread())
            with contextlib.suppress(OSError):
                sock.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, end every connection (each records what it saw), and wait."""
        self.stopping.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            threads = list(self._threads)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def _refuse(sock: socket.socket) -> None:
    body = json.dumps({"type": "about:blank", "title": _TITLES[503], "status": 503}).encode()
    head = (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
        b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    with contextlib.suppress(OSError):
        sock.setblocking(False)
        sock.send(head + body)
    with contextlib.suppress(OSError):
        sock.close()
