"""Multi-stream HTTP download/upload shared by both bandwidth backends: the sockets part.

Why not speedtest-cli's own transfer code: it counts upload bytes as they are *written into
the socket buffer*, so a 2 Mbit/s upload reads as 3.3 (this project's own measurement, the
speedtest-cli column of ``bench/network_accuracy.py --rates 2``), and its
constructor always contacts speedtest.net. Here every stream keeps a counter of bytes that
have *arrived* (:mod:`socket_counters`):

* download: bytes read plus the bytes the kernel holds readable, after every read;
* upload: bytes the server's TCP acknowledged (Linux ``TCP_INFO``, sampled every
  :data:`_TICK_S`), or where the OS does not say, the bytes of requests the server has
  *confirmed* (Speedtest's ``size=<n>`` reply, or the request length once LibreSpeed's
  ``empty.php`` has answered, which it does after reading the whole body); the replies are
  checked either way;
* the rate itself comes from :mod:`rate_estimator` (pure: one window common to all
  streams, opened at steady state); the sentences from :mod:`transfer_errors`.

Time bounds: every single request (a page, a list, a latency reply) has a *wall-clock*
bound (:func:`wall_clock`), not only a per-read socket timeout, so a server sending one
byte a second cannot hold a request open; a measuring phase lasts its set length; and the
whole speed test ends by its :class:`Deadline` (``max_seconds``). During a phase, no byte
for ``stall_s``, one stream not served while the others move, or less than
:data:`rate_estimator.FLOOR_BPS` for :data:`rate_estimator.GRACE_S`, ends it with an error
about the server, never a rate.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import SplitResult, urlsplit

from deskready.checks.api import CheckContext
from deskready.checks.network import socket_counters
from deskready.checks.network import transfer_errors as msg
from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.rate_estimator import (
    FLOOR_BPS,
    GRACE_S,
    Sample,
    below_floor,
    by_stream,
    recent_mbps,
    series,
    steady_rate,
)
from deskready.checks.network.transfer_errors import (
    BodyCutShort,
    BodyTooLong,
    HttpStatusError,
    RequestTimeout,
    ServerSilent,
    TransferError,
    describe,
)

__all__ = [
    "STALL_S",
    "STREAMS",
    "Connection",
    "Deadline",
    "HttpStatusError",
    "LatencyProbe",
    "Phase",
    "ServerSilent",
    "Target",
    "TransferError",
    "describe",
    "http_get",
    "measure_download",
    "measure_upload",
    "path_of",
    "read_body",
    "upload_payload",
    "wall_clock",
]

#: Parallel TCP streams per direction (librespeed-cli uses 3, Ookla's web client 4-8).
STREAMS = 4
#: Without a byte moved for this long, a phase is called stalled.
STALL_S = 4.0
#: Upload requests grow until one takes about this long, or ten round trips when that is
#: longer: each request ends with a round trip of silence (waiting for the answer), which
#: at 300 ms RTT and a 32 KiB request left a 100 Mbit/s link 97 % idle.
UPLOAD_TARGET_S = 0.2
UPLOAD_TARGET_RTTS = 10
UPLOAD_MIN = 32 * 1024
#: LibreSpeed's own web client posts 20 MiB blobs (``xhr_ul_blob_megabytes``), so every
#: LibreSpeed server takes that much per request.
UPLOAD_MAX = 20 * 1024 * 1024
#: distinct bytes behind every upload body (bodies repeat it: no 20 MiB buffer per run)
_PAYLOAD_BYTES = 4 * 1024 * 1024
#: A server confirming less than this share of an upload request is not telling the truth
#: (or not reading the body): a real one confirms all of it, give or take a form prefix.
CONFIRM_MIN_SHARE = 0.5
#: Longest answer accepted for a latency request (``latency.txt`` is 9 bytes).
LATENCY_LIMIT = 64 * 1024
_READ_CHUNK = 256 * 1024
#: How often the phase loop samples acknowledged upload bytes and watches for stalls.
_TICK_S = 0.025
_WRITE_CHUNK = 64 * 1024
_SPEEDTEST_CHARS = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: struct linger {l_onoff = 1, l_linger = 0}: two ints, two u_shorts on Windows (winsock2.h)
_LINGER_RESET = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)


@dataclass(frozen=True)
class Target:
    """One speed-test server, with the URLs of its three operations.

    Attributes:
        name: what the agent reads ("Speedtest Mini at 10.0.0.5", "Example ISP, Berlin").
        download_url: a large GET (``random4000x4000.jpg`` or ``garbage.php?ckSize=100``).
        upload_url: the POST sink (``upload.php`` or ``empty.php``).
        latency_url: a tiny GET (``latency.txt`` or ``empty.php``).
        protocol: ``speedtest`` (upload replies ``size=<n>``) or ``librespeed``.
        info: extra facts for the report (id, sponsor, distance).
    """

    name: str
    download_url: str
    upload_url: str
    latency_url: str
    protocol: str
    info: dict[str, object] = field(default_factory=dict)

    def claimed_bytes(self, body: bytes, sent: int) -> int | None:
        """What the server says it received of a ``sent``-byte upload (None: no claim)."""
        if self.protocol == "speedtest":
            text = body.decode("ascii", "replace").strip()
            if text.startswith("size="):
                try:
                    return int(text[5:])
                except ValueError:
                    return None
            return None
        return sent  # LibreSpeed answers only after the whole body arrived

    def confirmed_bytes(self, body: bytes, sent: int) -> int:
        """Bytes counted as confirmed: the claim, never more than was sent, never < 0."""
        claimed = self.claimed_bytes(body, sent)
        return 0 if claimed is None else max(0, min(claimed, sent))


@dataclass
class Phase:
    """Result of one direction.

    Attributes:
        mbps: the rate over the common window.
        bytes: bytes counted as arrived over the whole phase, all streams.
        seconds: the phase's length.
        series: ``[[t_s, mbps], …]`` for the chart.
        opened, closed: the window the rate was taken over (monotonic clock), so a test
            can compare it with what the shaped link carried over the same window.
        counted: what "arrived" meant: ``received``, ``acked`` or ``confirmed``.
    """

    mbps: float
    bytes: int
    seconds: float
    series: list[list[float]]
    opened: float = 0.0
    closed: float = 0.0
    counted: str = "received"


class Deadline:
    """The wall-clock end of the whole speed test (``max_seconds``), inside the budget."""

    def __init__(self, ctx: CheckContext, seconds: float) -> None:
        self._ctx = ctx
        self.seconds = max(0.0, min(seconds, ctx.time_left()))
        self.at = time.monotonic() + self.seconds

    def left(self) -> float:
        """Seconds until the deadline or the check's budget, whichever is first."""
        return max(0.0, min(self.at - time.monotonic(), self._ctx.time_left()))

    def bounded(self, seconds: float) -> float:
        """``seconds``, shortened so an operation ends by the deadline."""
        return max(0.05, min(seconds, self.left()))


class Connection(http.client.HTTPConnection):
    """An HTTP(S) connection whose sockets come from :class:`NetAdapter`."""

    def __init__(self, url: str, net: NetAdapter, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        self.https = parts.scheme == "https"
        super().__init__(parts.hostname, parts.port or (443 if self.https else 80), timeout=timeout)
        self._net = net
        self._aborted = False

    def connect(self) -> None:
        """Open the socket through the adapter (and TLS for https)."""
        sock = self._net.connect(self.host, self.port, float(self.timeout or 10.0))
        if self.https:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        if self._aborted:  # aborted while connecting: nobody may use this socket
            sock.close()
            raise TimeoutError("connection aborted")
        self.sock = sock

    def set_timeout(self, seconds: float) -> None:
        """Change the timeout of the open socket and of later reconnects."""
        self.timeout = seconds
        if self.sock is not None:
            self.sock.settimeout(seconds)

    def abort(self) -> None:
        """Unblock a thread stuck in recv/send on this connection (called from another),
        and make its close a reset (``SO_LINGER`` 0) that drops what is still queued.

        Without the reset, an upload's send buffer (a megabyte or more) would keep
        crossing the link after its phase ended — seconds at 5 Mbit/s — loading the next
        phase and reaching the server long after the test (the hub recorded such a
        stream only seconds later)."""
        self._aborted = True
        if self.sock is not None:
            reset_socket(self.sock)


def reset_socket(sock: socket.socket) -> None:
    """Unblock whoever waits on ``sock``, and make its close a reset (see abort)."""
    with contextlib.suppress(OSError, ValueError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    with contextlib.suppress(OSError, ValueError):
        sock.shutdown(socket.SHUT_RDWR)


class Abortable(Protocol):
    """A connection that can be cut off from another thread (:meth:`Connection.abort`)."""

    def abort(self) -> None: ...


@contextlib.contextmanager
def wall_clock(conn: Abortable, seconds: float) -> Iterator[None]:
    """Abort ``conn`` when the block has run ``seconds``; the block then raises
    :class:`RequestTimeout` (whatever the aborted socket call raised or returned)."""
    fired = threading.Event()

    def fire() -> None:
        fired.set()
        conn.abort()

    timer = threading.Timer(max(0.0, seconds), fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    except Exception as exc:
        if fired.is_set():
            raise RequestTimeout(seconds) from exc
        raise
    finally:
        timer.cancel()
    if fired.is_set():
        raise RequestTimeout(seconds)


def read_body(resp: http.client.HTTPResponse, limit: int) -> bytes:
    """The whole body of a small answer.

    Raises:
        BodyTooLong: more than ``limit`` bytes (an endless or absurd answer).
        BodyCutShort: the connection ended before the announced Content-Length.
    """
    announced = resp.length
    chunks: list[bytes] = []
    got = 0
    while True:
        data = resp.read1(min(_READ_CHUNK, limit + 1 - got))
        if not data:
            break
        got += len(data)
        if got > limit:
            raise BodyTooLong(limit)
        chunks.append(data)
    if announced is not None and got < announced:
        raise BodyCutShort(got, announced)
    resp.read()  # marks a finished body closed, so the connection can be reused
    return b"".join(chunks)


def path_of(url: str, bump: int = 0) -> str:
    """Request path of ``url`` with a cache-buster, as both reference clients add one."""
    parts: SplitResult = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return f"{parts.path or '/'}?{query}x={time.time_ns() // 1_000_000}.{bump}"


def http_get(url: str, net: NetAdapter, timeout: float, limit: int = 4 << 20) -> bytes:
    """GET ``url`` and return the body; the whole request ends within ``timeout`` seconds.

    Raises:
        HttpStatusError: on any status but 200.
        RequestTimeout, BodyTooLong, BodyCutShort: see :func:`wall_clock`, :func:`read_body`.
        OSError / http.client errors pass through.
    """
    conn = Connection(url, net, timeout)
    try:
        try:
            with wall_clock(conn, timeout):
                conn.request("GET", path_of(url), headers={"Cache-Control": "no-cache"})
                resp = conn.getresponse()
                body = read_body(resp, limit)
        except TimeoutError as exc:  # the socket's own timeout, after connecting
            if conn.sock is not None:
                raise ServerSilent(timeout) from exc
            raise
        if resp.status != 200:
            raise HttpStatusError(resp.status, resp.reason)
        return body
    finally:
        conn.close()


class _Counters:
    """Thread-safe arrival counters of a phase (:mod:`rate_estimator`'s input).

    ``samples`` are ``(time, cumulative bytes arrived, stream)``; ``progress`` is
    ``(time, bytes)`` of any data moving, which the stall and floor watch look at (for an
    upload counted by confirmations: bytes written, since confirmations come a whole
    request apart); ``last_growth`` is, per stream, when its data last moved.
    """

    def __init__(self, counted_is_progress: bool, started: float) -> None:
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.streams: dict[int, list[Sample]] = {}
        self.progress: list[tuple[float, int]] = []
        self.value: dict[int, int] = {}
        self.last_growth: dict[int, float] = {}
        self.retired: dict[int, int] = {}  # per stream: final counts of closed connections
        self.sockets: dict[int, socket.socket | None] = {}  # what the sampler reads
        self.last = started
        self.last_progress = started
        self._counted_is_progress = counted_is_progress

    def count(self, stream: int, value: int, now: float | None = None, clean: bool = True) -> None:
        """The stream's counter is ``value`` now (kept monotonic); see ``Sample``."""
        now = time.monotonic() if now is None else now
        with self.lock:
            before = self.value.get(stream, 0)
            if value < before:
                value = before
            sample = (now, value, stream, clean)
            self.samples.append(sample)
            self.streams.setdefault(stream, []).append(sample)
            self.value[stream] = value
            if value > before:
                self.last = now
                if self._counted_is_progress:
                    self.progress.append((now, value - before))
                    self.last_progress = now
                    self.last_growth[stream] = now

    def watch(self, stream: int, sock: socket.socket | None) -> None:
        """The socket now carrying ``stream``'s data, for the kernel sampler (None: none)."""
        with self.lock:
            self.sockets[stream] = sock

    def retire(self, stream: int, sock: socket.socket | None, upload: bool) -> None:
        """A stream's connection is about to close after a complete answer: its kernel
        count is final, so it is kept for the stream (the sampler then skips the socket,
        and the stream's next connection counts on from it). A short connection — a
        server answering ``Connection: close`` on a fast link — may never meet a tick."""
        info = socket_counters.acked(sock) if upload else socket_counters.received(sock)
        if sock is None or info is None:
            return
        with self.lock:
            self.retired[stream] = self.retired.get(stream, 0) + info[0]
            self.sockets[stream] = None
        self.count(stream, self.retired[stream])

    def moved(self, stream: int, n: int) -> None:
        now = time.monotonic()
        with self.lock:
            self.progress.append((now, n))
            self.last_progress = now
            self.last_growth[stream] = now

    def snapshot(self) -> list[Sample]:
        with self.lock:
            return list(self.samples)


Worker = Callable[[Connection, threading.Event, _Counters, int], None]


def _download_worker(url: str, reads_count: bool) -> Worker:
    """A download stream; with ``reads_count`` it also keeps the arrival counter itself
    (read + ``FIONREAD``, where the kernel's own count is not available)."""

    def work(conn: Connection, stop: threading.Event, counters: _Counters, sid: int) -> None:
        bump = 0
        got = 0  # body bytes read on this stream, all requests
        if reads_count:
            counters.count(sid, 0)
        while not stop.is_set():
            bump += 1
            conn.request("GET", path_of(url, bump), headers={"Cache-Control": "no-cache"})
            resp = conn.getresponse()
            if resp.status != 200:
                raise HttpStatusError(resp.status, resp.reason)
            # With "Connection: close", http.client hands the socket to the response and
            # conn.sock is None already: the response's socket is the one to count on.
            carrier = response_socket(resp) or conn.sock
            counters.watch(sid, carrier)
            announced = resp.length
            body = 0
            while not stop.is_set():
                # read1: whatever has arrived (one recv), so counts are fine-grained even on
                # slow links; readinto would block until the whole chunk had arrived.
                n = len(resp.read1(_READ_CHUNK))
                if not n:
                    break
                body += n
                got += n
                if reads_count:  # over TLS the kernel's count is ciphertext: reads only
                    pending = None if conn.https else socket_counters.readable(carrier)
                    counters.count(sid, got + (pending or 0))
            if stop.is_set():
                return
            if announced is not None and body < announced:
                raise BodyCutShort(body, announced)
            # Body complete. HTTPResponse.read1 does not mark the response closed when the
            # length reaches zero (Python 3.11), and the next request would then raise
            # CannotSendRequest; read() on a finished body does.
            if resp.will_close and not reads_count:
                counters.retire(sid, carrier, upload=False)  # before read() closes it
            resp.read()
            if resp.will_close:
                conn.close()

    return work


def _upload_worker(
    target: Target, payload: bytes, confirmations_count: bool, rtt_s: float = 0.0
) -> Worker:
    prefix = b"content1=" if target.protocol == "speedtest" else b""
    content_type = (
        "application/x-www-form-urlencoded"
        if target.protocol == "speedtest"
        else "application/octet-stream"
    )

    target_s = max(UPLOAD_TARGET_S, UPLOAD_TARGET_RTTS * rtt_s)
    view = memoryview(payload)

    def pieces(length: int) -> Iterator[memoryview | bytes]:
        """The body: the form prefix, then the payload over and over, in write chunks."""
        yield prefix
        left = length - len(prefix)
        offset = 0
        while left > 0:
            n = min(_WRITE_CHUNK, left, len(view) - offset)
            yield view[offset : offset + n]
            left -= n
            offset = (offset + n) % len(view)

    def work(conn: Connection, stop: threading.Event, counters: _Counters, sid: int) -> None:
        # Counted by the kernel, a request need not end inside the phase: start at the full
        # size, as LibreSpeed's own client does, so slow start is never cut short by a
        # request's end (at 300 ms RTT, growing from 32 KiB cost a third of the phase).
        # Counted by confirmations, requests must end often: start small and grow.
        size = UPLOAD_MIN if confirmations_count else UPLOAD_MAX
        bump = 0
        confirmed = 0
        if confirmations_count:
            counters.count(sid, 0)
        while not stop.is_set():
            bump += 1
            started = time.monotonic()
            conn.putrequest("POST", path_of(target.upload_url, bump), skip_accept_encoding=True)
            conn.putheader("Content-Type", content_type)
            conn.putheader("Content-Length", str(size))
            conn.putheader("Cache-Control", "no-cache")
            conn.endheaders()
            counters.watch(sid, conn.sock)
            for piece in pieces(size):  # written bytes show progress (confirmation mode)
                conn.send(piece)
                if confirmations_count:
                    counters.moved(sid, len(piece))
                if stop.is_set():
                    return
            resp = conn.getresponse()
            carrier = response_socket(resp) or conn.sock
            if resp.will_close and not confirmations_count:
                counters.retire(sid, carrier, upload=True)  # before reading closes it
            reply = resp.read(4096)
            if resp.status != 200:
                raise HttpStatusError(resp.status, resp.reason)
            if stop.is_set():
                return
            claimed = target.claimed_bytes(reply, size)
            if claimed is None or claimed <= 0:
                raise TransferError(msg.not_confirmed(target.name))
            if claimed < CONFIRM_MIN_SHARE * size:
                raise TransferError(msg.confirmed_too_little(target.name, claimed, size))
            if confirmations_count:  # an over-claim never inflates the rate
                confirmed += min(claimed, size)
                counters.count(sid, confirmed)
            took = time.monotonic() - started
            if took < target_s and size < UPLOAD_MAX:  # far below the target: faster
                size = min(UPLOAD_MAX, int(size * max(2.0, min(8.0, target_s / max(took, 1e-3)))))
            if resp.will_close:
                conn.close()

    return work


class _KernelSampler:
    """Samples every stream's kernel counter at the same instants, from the phase loop:
    bytes the peer acknowledged (upload) or bytes received in order (download), Linux
    ``TCP_INFO`` (:mod:`socket_counters`). Independent of the readers, so a reader the
    CPU or the GIL holds back costs no sample; a stream's reconnections (a server
    answering ``Connection: close``) add up through :meth:`_Counters.retire`."""

    def __init__(self, conns: list[Connection], upload: bool) -> None:
        self.conns = conns
        self.upload = upload
        self._socks: list[socket.socket | None] = [None] * len(conns)
        self._prev: list[tuple[int, int] | None] = [None] * len(conns)
        self._clean = [True] * len(conns)

    def _read(self, sock: socket.socket, sid: int) -> tuple[int, bool] | None:
        if self.upload:
            return socket_counters.acked(sock)
        info = socket_counters.received(sock)
        if info is None:
            return None
        # The out-of-order queue fills only when a packet arrives out of order (the count
        # grows) and empties only when in-order data fills the hole (bytes grow). So: no
        # out-of-order arrival since the last tick, and either in-order data arrived or
        # the last tick was clean already -> nothing is waiting behind a hole.
        previous = self._prev[sid]
        self._prev[sid] = info
        if previous is None:
            clean = info[1] == 0
        else:
            clean = info[1] == previous[1] and (info[0] > previous[0] or self._clean[sid])
        self._clean[sid] = clean
        return info[0], clean

    def sample(self, counters: _Counters, now: float) -> None:
        for sid in range(len(self.conns)):
            with counters.lock:
                sock = counters.sockets.get(sid)
                base = counters.retired.get(sid, 0)
            if sock is None:
                continue
            if sock is not self._socks[sid]:
                self._socks[sid] = sock
                self._prev[sid] = None
            info = self._read(sock, sid)
            if info is None:
                continue
            counters.count(sid, base + info[0], now, clean=info[1])


def response_socket(resp: http.client.HTTPResponse) -> socket.socket | None:
    """The socket an HTTP response reads from (``resp.fp`` is a buffered ``SocketIO``)."""
    raw = getattr(resp.fp, "raw", None)
    sock = getattr(raw, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def kernel_counts_available() -> bool:
    """Whether this OS counts acknowledged and received bytes per socket (Linux 5.4+)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return socket_counters.acked(sock) is not None and (
            socket_counters.received(sock) is not None
        )


def upload_payload(protocol: str) -> bytes:
    """Data to upload: Speedtest's alphanumeric form body, or random bytes for LibreSpeed."""
    if protocol == "speedtest":
        return (_SPEEDTEST_CHARS * (_PAYLOAD_BYTES // len(_SPEEDTEST_CHARS) + 1))[:_PAYLOAD_BYTES]
    return os.urandom(_PAYLOAD_BYTES)


class LatencyProbe:
    """Times small GETs on an already-open keep-alive connection, for (loaded) RTT.

    A server that closes the connection after each answer (``Connection: close``) would
    make every probe pay a TCP handshake too, doubling the reading; so a connection is
    always opened *before* the clock starts, and the handshakes that were needed are
    timed and kept apart (:attr:`handshakes`).
    """

    def __init__(self, target: Target, net: NetAdapter, interval_s: float = 0.2) -> None:
        self.target = target
        self.net = net
        self.interval_s = interval_s
        self.samples: list[tuple[float, float]] = []  # (monotonic time, ms)
        self.handshakes: list[float] = []  # ms, connections the probes had to open
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None

    def once(self, conn: Connection) -> float:
        """One timed GET, in ms; a connection it needs is opened before timing starts."""
        if conn.sock is None:
            opened = time.perf_counter()
            conn.connect()
            self.handshakes.append((time.perf_counter() - opened) * 1000.0)
        started = time.perf_counter()
        conn.request("GET", path_of(self.target.latency_url), headers={"Cache-Control": "no-cache"})
        resp = conn.getresponse()
        read_body(resp, LATENCY_LIMIT)
        if resp.status != 200:
            raise HttpStatusError(resp.status, resp.reason)
        return (time.perf_counter() - started) * 1000.0

    def idle(
        self,
        count: int,
        timeout: float,
        deadline: Deadline | None = None,
        within_s: float | None = None,
    ) -> list[float]:
        """``count`` RTT samples on an otherwise idle link, after one untimed warm-up
        request; with ``within_s``, fewer (at least 3) once that long has gone by since
        the warm-up, so a 300 ms path does not spend two seconds here. Each request ends
        within ``timeout`` seconds of wall clock, and all of them by ``deadline``. Raises
        on failure (the caller explains it): a server that accepted the connection and
        then never answered raises :class:`ServerSilent`."""
        conn = Connection(self.target.latency_url, self.net, timeout)

        def timed() -> float:
            bound = timeout if deadline is None else deadline.bounded(timeout)
            try:
                with wall_clock(conn, bound):
                    return self.once(conn)
            except TimeoutError as exc:  # connected, then no answer: the server's doing
                if conn.sock is not None:
                    raise ServerSilent(bound) from exc
                raise

        try:
            timed()
            started = time.monotonic()
            samples: list[float] = []
            while len(samples) < count:
                late = within_s is not None and time.monotonic() - started >= within_s
                if late and len(samples) >= 3:
                    break
                samples.append(timed())
            return samples
        finally:
            conn.close()

    def start(self, timeout: float) -> None:
        """Probe in the background until :meth:`stop`; failures only cost samples."""

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    if self._conn is None:
                        self._conn = Connection(self.target.latency_url, self.net, timeout)
                    ms = self.once(self._conn)
                    self.samples.append((time.monotonic(), ms))
                except (OSError, http.client.HTTPException, HttpStatusError, BodyTooLong,
                        BodyCutShort):  # fmt: skip
                    if self._conn is not None:
                        self._conn.close()
                    self._conn = None
                self._stop.wait(self.interval_s)

        self._thread = threading.Thread(target=loop, name="deskready-latency", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop probing and close the connection."""
        self._stop.set()
        conn = self._conn
        if conn is not None:
            conn.abort()
        if self._thread is not None:
            self._thread.join(2.0)
        if conn is not None:
            conn.close()


def _queued_stream(
    counters: _Counters, streams: int, started: float, now: float, stall_s: float
) -> bool:
    """One stream has moved nothing for ``stall_s`` while the others kept moving: the
    server is not serving that connection (a queue, a connection limit), since the
    others prove the agent's line works."""
    with counters.lock:
        growth = [counters.last_growth.get(sid, started) for sid in range(streams)]
        recent = counters.last_progress
    stuck = [sid for sid, t in enumerate(growth) if now - t >= stall_s]
    return bool(stuck) and len(stuck) < streams and now - recent < stall_s / 2


def _phase(
    ctx: CheckContext,
    target: Target,
    net: NetAdapter,
    worker: Worker,
    seconds: float,
    on_progress: Callable[[float, float], None],
    streams: int = STREAMS,
    stall_s: float = STALL_S,
    upload: bool = False,
    deadline: Deadline | None = None,
    counted: str = "received",
    smooth_s: float = 0.5,
    kernel_counts: bool = False,
) -> Phase:
    """Run ``streams`` workers for ``seconds`` and take the rate over one common window.

    ``counted`` says what the arrival counters are: ``received`` (download), ``acked``
    (upload) or ``confirmed`` (upload: the workers count the requests the server
    answered). With ``kernel_counts`` this loop samples the kernel's counters of every
    stream each tick (:class:`_KernelSampler`); otherwise the workers count.

    Raises:
        TransferError: a stall (no byte for ``stall_s``), one stream never served while
            the others move, a transfer below the floor rate for longer than the grace
            period, or a stream failure before most of the phase had run; each with a
            sentence naming the server.
    """
    started = time.monotonic()
    counters = _Counters(counted_is_progress=counted != "confirmed", started=started)
    stop = threading.Event()
    errors: list[BaseException] = []
    conns: list[Connection] = []
    threads: list[threading.Thread] = []
    # Per-read socket timeout: a little beyond the stall and floor watch below, so that
    # watch (which knows what went wrong) speaks first; the timeout only frees threads.
    timeout = ctx.bounded(max(stall_s, GRACE_S) + 1.0)
    url = target.download_url if not upload else target.upload_url

    def run(conn: Connection, sid: int) -> None:
        try:
            worker(conn, stop, counters, sid)
        except BaseException as exc:  # reported by the main loop
            if not stop.is_set():
                errors.append(exc)
        finally:
            conn.close()

    conns.extend(Connection(url, net, timeout) for _ in range(streams))
    kernel = _KernelSampler(conns, upload) if kernel_counts else None
    try:
        for i, conn in enumerate(conns):
            thread = threading.Thread(target=run, args=(conn, i), name=f"deskready-bw-{i}")
            thread.daemon = True
            threads.append(thread)
            thread.start()
        shown = started
        while True:
            now = time.monotonic()
            if kernel is not None:
                kernel.sample(counters, now)
            if now - started >= seconds or errors:
                break
            if ctx.time_left() < 0.5 or (deadline is not None and deadline.left() <= 0):
                break
            ctx.raise_if_cancelled()
            quiet = now - counters.last_progress
            if quiet > stall_s:
                raise TransferError(msg.stalled(target.name, stall_s, upload))
            if _queued_stream(counters, streams, started, now, stall_s):
                raise TransferError(msg.stream_not_served(target.name, streams, stall_s))
            with counters.lock:
                slow = below_floor(counters.progress, started, now, FLOOR_BPS, GRACE_S)
            if slow:
                if quiet >= GRACE_S:
                    raise TransferError(msg.stalled(target.name, GRACE_S, upload))
                raise TransferError(msg.no_progress(target.name, FLOOR_BPS / 1000, GRACE_S))
            if now - shown >= 0.25:
                shown = now
                with counters.lock:
                    live = recent_mbps(counters.streams, now, 1.0)
                on_progress((now - started) / seconds, live)
            stop.wait(_TICK_S)
    finally:
        ended = time.monotonic()
        if kernel is not None:
            kernel.sample(counters, ended)
        stop.set()
        for conn in conns:
            conn.abort()
        with counters.lock:  # a response holding its own socket ("Connection: close")
            carriers = [sock for sock in counters.sockets.values() if sock is not None]
        for sock in carriers:
            reset_socket(sock)
        for thread in threads:
            thread.join(max(0.05, min(1.0, ctx.time_left())))
    samples = counters.snapshot()
    if errors:
        # Keep a result only when data flowed for most of the phase before a stream broke
        # (one flaky stream on a real link); otherwise the failure is the answer.
        if counters.last - started < max(2.0, 0.75 * seconds):
            raise TransferError(describe(errors[0], target.name))
        ended = counters.last
    moved = sum(counters.value.values())
    if not moved:
        raise TransferError(msg.no_data(target.name, upload))
    rate = steady_rate(samples, started, ended, smooth_s)
    chart = series(by_stream(samples, ended), started, 0.5 if counted == "confirmed" else 0.25,
                   ended)  # fmt: skip
    return Phase(rate.mbps, moved, ended - started, chart, rate.opened, rate.closed, counted)


def target_is_tls(target: Target) -> bool:
    """Over TLS the kernel counts ciphertext: a download then counts what it read."""
    return target.download_url.startswith("https:")


def _smooth_s(rtt_ms: float | None) -> float:
    """The window-opening judgement smooths over two round trips (at least 0.5 s)."""
    return max(0.5, 2 * (rtt_ms or 0.0) / 1000.0)


def measure_download(
    ctx: CheckContext,
    target: Target,
    net: NetAdapter,
    seconds: float,
    on_progress: Callable[[float, float], None],
    streams: int = STREAMS,
    deadline: Deadline | None = None,
    rtt_ms: float | None = None,
) -> Phase:
    """Download rate in Mbit/s (10^6 bit/s of HTTP payload), counted as it arrived."""
    kernel = kernel_counts_available() and not target_is_tls(target)
    worker = _download_worker(target.download_url, reads_count=not kernel)
    return _phase(
        ctx, target, net, worker, seconds, on_progress, streams, deadline=deadline,
        smooth_s=_smooth_s(rtt_ms), kernel_counts=kernel,
    )  # fmt: skip


def measure_upload(
    ctx: CheckContext,
    target: Target,
    net: NetAdapter,
    seconds: float,
    on_progress: Callable[[float, float], None],
    streams: int = STREAMS,
    deadline: Deadline | None = None,
    rtt_ms: float | None = None,
    use_acked: bool | None = None,
) -> Phase:
    """Upload rate in Mbit/s: bytes the server's TCP acknowledged (Linux), else bytes of
    requests the server confirmed. Either way the server's answers are checked."""
    acked = kernel_counts_available() if use_acked is None else use_acked
    worker = _upload_worker(
        target, upload_payload(target.protocol), not acked, (rtt_ms or 0.0) / 1000.0
    )
    return _phase(
        ctx, target, net, worker, seconds, on_progress, streams, upload=True,
        deadline=deadline, counted="acked" if acked else "confirmed",
        smooth_s=_smooth_s(rtt_ms), kernel_counts=acked,
    )  # fmt: skip
