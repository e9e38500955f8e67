"""Multi-stream HTTP download/upload measurement shared by both bandwidth backends.

Why not speedtest-cli's own transfer code: it counts upload bytes as they are *written into
the socket buffer*, so a 2 Mbit/s upload reads as 3.3 (RESEARCH.md §8), and its
constructor always contacts speedtest.net. Here:

* download counts bytes read from the sockets;
* upload counts only bytes the server *confirmed* (Speedtest's ``size=<n>`` reply, or the
  request length once LibreSpeed's ``empty.php`` has answered, which it does after reading
  the whole body), and the rate is taken between two confirmations, so bytes still queued
  in socket buffers when the test ends are never counted;
* the first part of each phase (TCP slow start, token-bucket bursts) is left out of the rate.

Every socket has a timeout no longer than the check's remaining time; a stream that stops
delivering for ``stall_s`` ends the phase with a clear error.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from deskready.checks.api import CheckContext
from deskready.checks.i18n import M_
from deskready.checks.network.adapters import NetAdapter

#: Parallel TCP streams per direction (librespeed-cli uses 3, Ookla's web client 4-8).
STREAMS = 4
#: Without a byte delivered for this long, a stream is called stalled.
STALL_S = 4.0
#: Upload requests grow until one takes about this long, so the confirmation granularity
#: stays fine while per-request overhead stays small.
UPLOAD_TARGET_S = 0.2
UPLOAD_MIN = 32 * 1024
UPLOAD_MAX = 4 * 1024 * 1024
_READ_CHUNK = 64 * 1024
_SPEEDTEST_CHARS = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class TransferError(Exception):
    """A measurement failed; ``str(exc)`` is a translated sentence for the agent."""


class HttpStatusError(Exception):
    """The server answered with a status other than 200."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP {status} {reason}")
        self.status = status
        self.reason = reason


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

    def confirmed_bytes(self, body: bytes, sent: int) -> int:
        """Bytes the server says it received for an upload request of ``sent`` bytes."""
        if self.protocol == "speedtest":
            text = body.decode("ascii", "replace").strip()
            if text.startswith("size="):
                try:
                    return max(0, min(int(text[5:]), sent))
                except ValueError:
                    return 0
            return 0
        return sent  # LibreSpeed answers only after the whole body arrived


@dataclass
class Phase:
    """Result of one direction."""

    mbps: float
    bytes: int
    seconds: float
    series: list[list[float]]


class Connection(http.client.HTTPConnection):
    """An HTTP(S) connection whose sockets come from :class:`NetAdapter`."""

    def __init__(self, url: str, net: NetAdapter, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        self.https = parts.scheme == "https"
        super().__init__(parts.hostname, parts.port or (443 if self.https else 80), timeout=timeout)
        self._net = net

    def connect(self) -> None:
        """Open the socket through the adapter (and TLS for https)."""
        sock = self._net.connect(self.host, self.port, float(self.timeout or 10.0))
        if self.https:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        self.sock = sock

    def set_timeout(self, seconds: float) -> None:
        """Change the timeout of the open socket and of later reconnects."""
        self.timeout = seconds
        if self.sock is not None:
            self.sock.settimeout(seconds)

    def abort(self) -> None:
        """Unblock a thread stuck in recv/send on this connection (called from another)."""
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def path_of(url: str, bump: int = 0) -> str:
    """Request path of ``url`` with a cache-buster, as both reference clients add one."""
    parts: SplitResult = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return f"{parts.path or '/'}?{query}x={time.time_ns() // 1_000_000}.{bump}"


def http_get(url: str, net: NetAdapter, timeout: float, limit: int = 4 << 20) -> bytes:
    """GET ``url`` and return the body.

    Raises:
        HttpStatusError: on any status but 200. OSError / http.client errors pass through.
    """
    conn = Connection(url, net, timeout)
    try:
        conn.request("GET", path_of(url), headers={"Cache-Control": "no-cache"})
        resp = conn.getresponse()
        body = resp.read(limit)
        if resp.status != 200:
            raise HttpStatusError(resp.status, resp.reason)
        return body
    finally:
        conn.close()


def describe(exc: BaseException, server: str) -> str:
    """A plain-language sentence for a network failure while talking to ``server``."""
    if isinstance(exc, TransferError):
        return str(exc)
    if isinstance(exc, socket.gaierror):
        return M_(
            "The address of the speed test server ({server}) could not be looked up. "
            "Check that you are connected to the internet.",
            server=server,
        )
    if isinstance(exc, HttpStatusError):
        if exc.status in {401, 403}:
            return M_(
                "The speed test server {server} refused the test (HTTP {status}). "
                "Ask your employer which server to use.",
                server=server,
                status=exc.status,
            )
        return M_(
            "The speed test server {server} answered with an error (HTTP {status}).",
            server=server,
            status=exc.status,
        )
    if isinstance(exc, ConnectionRefusedError):
        return M_("The speed test server {server} refused the connection.", server=server)
    if isinstance(
        exc,
        ConnectionResetError
        | BrokenPipeError
        | ConnectionAbortedError
        | http.client.RemoteDisconnected
        | http.client.IncompleteRead,
    ):
        return M_(
            "The connection to the speed test server {server} was cut off during the test. "
            "Try again; if it keeps happening, restart your router.",
            server=server,
        )
    if isinstance(exc, TimeoutError):
        return M_(
            "The speed test server {server} stopped answering. "
            "Your connection may have dropped; try again.",
            server=server,
        )
    if isinstance(exc, ssl.SSLError):
        return M_("A secure connection to {server} could not be set up.", server=server)
    if isinstance(exc, OSError) and exc.errno in {
        errno.ENETUNREACH,
        errno.EHOSTUNREACH,
        errno.ENETDOWN,
        errno.EADDRNOTAVAIL,
    }:
        return M_(
            "Your computer is not connected to the internet (no route to {server}). "
            "Connect to your network and try again.",
            server=server,
        )
    if isinstance(exc, http.client.HTTPException):
        return M_(
            "The speed test server {server} sent an answer that makes no sense.", server=server
        )
    return M_(
        "The speed test with {server} failed: {error}",
        server=server,
        error=exc.strerror if isinstance(exc, OSError) and exc.strerror else exc,
    )


class _Events:
    """Thread-safe log of (monotonic time, bytes) transfer events."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: list[tuple[float, int, int]] = []  # (time, bytes, stream)
        self.total = 0
        self.last = time.monotonic()

    def add(self, n: int, stream: int) -> None:
        now = time.monotonic()
        with self.lock:
            self.items.append((now, n, stream))
            self.total += n
            self.last = now

    def snapshot(self) -> list[tuple[float, int, int]]:
        with self.lock:
            return list(self.items)


Worker = Callable[[Connection, threading.Event, _Events, int], None]


def _download_worker(url: str) -> Worker:
    def work(conn: Connection, stop: threading.Event, events: _Events, sid: int) -> None:
        bump = 0
        while not stop.is_set():
            bump += 1
            conn.request("GET", path_of(url, bump), headers={"Cache-Control": "no-cache"})
            resp = conn.getresponse()
            if resp.status != 200:
                raise HttpStatusError(resp.status, resp.reason)
            while not stop.is_set():
                # read1: whatever has arrived (one recv), so counts are fine-grained even on
                # slow links; readinto would block until 64 KiB had arrived.
                n = len(resp.read1(_READ_CHUNK))
                if not n:
                    break
                events.add(n, sid)
            if stop.is_set():
                return
            # Body complete. HTTPResponse.read1 does not mark the response closed when the
            # length reaches zero (Python 3.11), and the next request would then raise
            # CannotSendRequest; read() on a finished body does.
            resp.read()
            if resp.will_close:
                conn.close()

    return work


def _upload_worker(target: Target, payload: bytes) -> Worker:
    prefix = b"content1=" if target.protocol == "speedtest" else b""
    content_type = (
        "application/x-www-form-urlencoded"
        if target.protocol == "speedtest"
        else "application/octet-stream"
    )

    def work(conn: Connection, stop: threading.Event, events: _Events, sid: int) -> None:
        size = UPLOAD_MIN
        view = memoryview(payload)
        bump = 0
        while not stop.is_set():
            bump += 1
            body = prefix + view[: size - len(prefix)]
            started = time.monotonic()
            conn.request(
                "POST",
                path_of(target.upload_url, bump),
                body=body,
                headers={"Content-Type": content_type, "Cache-Control": "no-cache"},
            )
            resp = conn.getresponse()
            reply = resp.read(4096)
            if resp.status != 200:
                raise HttpStatusError(resp.status, resp.reason)
            if stop.is_set():
                return
            confirmed = target.confirmed_bytes(reply, len(body))
            if confirmed <= 0:
                raise TransferError(
                    M_(
                        "The speed test server {server} did not confirm the uploaded data.",
                        server=target.name,
                    )
                )
            events.add(confirmed, sid)
            if time.monotonic() - started < UPLOAD_TARGET_S and size < UPLOAD_MAX:
                size = min(UPLOAD_MAX, size * 2)
            if resp.will_close:
                conn.close()

    return work


def upload_payload(protocol: str) -> bytes:
    """Data to upload: Speedtest's alphanumeric form body, or random bytes for LibreSpeed."""
    if protocol == "speedtest":
        return (_SPEEDTEST_CHARS * (UPLOAD_MAX // len(_SPEEDTEST_CHARS) + 1))[:UPLOAD_MAX]
    return os.urandom(UPLOAD_MAX)


class LatencyProbe:
    """Times small GETs on their own connection, in a thread, for (loaded) RTT."""

    def __init__(self, target: Target, net: NetAdapter, interval_s: float = 0.2) -> None:
        self.target = target
        self.net = net
        self.interval_s = interval_s
        self.samples: list[tuple[float, float]] = []  # (monotonic time, ms)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None

    def once(self, conn: Connection) -> float:
        """One timed GET on an established connection, in ms."""
        started = time.perf_counter()
        conn.request("GET", path_of(self.target.latency_url), headers={"Cache-Control": "no-cache"})
        resp = conn.getresponse()
        resp.read(65536)
        if resp.status != 200:
            raise HttpStatusError(resp.status, resp.reason)
        return (time.perf_counter() - started) * 1000.0

    def idle(self, count: int, timeout: float) -> list[float]:
        """``count`` RTT samples on an otherwise idle link (the first, which pays for the
        TCP handshake, is dropped). Raises on failure (the caller explains it)."""
        conn = Connection(self.target.latency_url, self.net, timeout)
        try:
            self.once(conn)
            return [self.once(conn) for _ in range(count)]
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
                except (OSError, http.client.HTTPException, HttpStatusError):
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


def _phase(
    ctx: CheckContext,
    target: Target,
    net: NetAdapter,
    worker: Worker,
    seconds: float,
    on_progress: Callable[[float, float], None],
    streams: int = STREAMS,
    stall_s: float = STALL_S,
    confirmed: bool = False,
) -> Phase:
    """Run ``streams`` workers for ``seconds`` and compute the steady-state rate."""
    events = _Events()
    stop = threading.Event()
    errors: list[BaseException] = []
    conns: list[Connection] = []
    threads: list[threading.Thread] = []
    timeout = ctx.bounded(min(stall_s, seconds + 2.0))
    url = target.download_url if not confirmed else target.upload_url

    def run(conn: Connection, sid: int) -> None:
        try:
            worker(conn, stop, events, sid)
        except BaseException as exc:  # reported by the main loop
            if not stop.is_set():
                errors.append(exc)
        finally:
            conn.close()

    started = time.monotonic()
    events.last = started
    try:
        for i in range(streams):
            conn = Connection(url, net, timeout)
            conns.append(conn)
            thread = threading.Thread(target=run, args=(conn, i), name=f"deskready-bw-{i}")
            thread.daemon = True
            threads.append(thread)
            thread.start()
        shown = started
        while True:
            now = time.monotonic()
            if now - started >= seconds or errors:
                break
            if ctx.time_left() < 0.5:
                break
            ctx.raise_if_cancelled()
            if now - events.last > stall_s:
                raise TransferError(
                    M_(
                        "The speed test server {server} stopped sending data for {seconds} seconds.",
                        server=target.name,
                        seconds=round(stall_s),
                    )
                )
            if now - shown >= 0.25:
                shown = now
                on_progress((now - started) / seconds, _recent_mbps(events, now, 1.0))
            stop.wait(0.05)
    finally:
        ended = time.monotonic()
        stop.set()
        for conn in conns:
            conn.abort()
        for thread in threads:
            thread.join(max(0.05, min(1.0, ctx.time_left())))
    items = events.snapshot()
    if errors:
        # Keep a result only when data flowed for most of the phase before a stream broke
        # (one flaky stream on a real link); otherwise the failure is the answer.
        if events.last - started < max(2.0, 0.75 * seconds):
            raise TransferError(describe(errors[0], target.name))
        ended = events.last
    if not items:
        raise TransferError(M_("The speed test server {server} sent no data.", server=target.name))
    warmup = max(0.5, min(2.0, 0.2 * (ended - started)))
    mbps = _steady_rate(items, started, ended, warmup, confirmed)
    series = _series(items, started, 0.5 if confirmed else 0.25, ended)
    return Phase(mbps, sum(i[1] for i in items), ended - started, series)


def _recent_mbps(events: _Events, now: float, window: float) -> float:
    with events.lock:
        total = 0
        for t, n, _s in reversed(events.items):
            if t < now - window:
                break
            total += n
    return total * 8 / window / 1e6


def _steady_rate(
    items: list[tuple[float, int, int]],
    started: float,
    ended: float,
    warmup: float,
    confirmed: bool,
) -> float:
    """Mbit/s after the warm-up.

    Upload (``confirmed``): for each stream, the bytes the server confirmed between the
    stream's first confirmation after the warm-up and its last one, over the time between
    them, summed over streams — between two confirmations of one stream exactly the bytes
    of the requests confirmed in between went over the link.

    Download: one window every stream was active in. The window runs from
    ``t_a`` — the moment the last stream to do so had its first event after the warm-up —
    to ``t_b`` — the last event of the stream that went quiet first before the end. Each
    stream contributes the bytes of its events after its last event at or before ``t_a``
    up to its last event at or before ``t_b``: both ends are moments when the stream had
    received everything sent so far. So bytes still in socket buffers, or held behind a
    lost packet awaiting retransmission when the phase ends (a 5 Mbit/s link can lose
    20 % of a short test that way), are neither counted nor charged for. Reads after
    ``ended`` (buffers drained while streams stop) are ignored.
    """
    t0 = started + warmup
    per_stream: dict[int, list[tuple[float, int]]] = {}
    for t, n, sid in sorted(items):
        if t <= ended:
            per_stream.setdefault(sid, []).append((t, n))
    if confirmed:
        rate = _per_stream_rate(per_stream, t0)
        if rate is not None:
            return rate
    firsts = [next((t for t, _n in ev if t > t0), None) for ev in per_stream.values()]
    lasts = [ev[-1][0] for ev in per_stream.values()]
    if not confirmed and firsts and all(f is not None for f in firsts):
        t_a = max(f for f in firsts if f is not None)
        t_b = min(lasts)
        if t_b - t_a >= 0.5:
            moved = 0
            for ev in per_stream.values():
                start = _last_at(ev, t_a)
                moved += sum(n for t, n in ev if start < t <= t_b)
            return moved * 8 / (t_b - t_a) / 1e6
    # Too few events after the warm-up (a very slow link, a stream that never got going):
    # everything over the whole phase.
    inside = sorted((t, n) for t, n, _s in items if t <= ended)
    if not inside:
        return 0.0
    t_last = inside[-1][0] if confirmed else ended
    return sum(n for _t, n in inside) * 8 / max(1e-3, t_last - started) / 1e6


def _per_stream_rate(per_stream: dict[int, list[tuple[float, int]]], t0: float) -> float | None:
    """Sum over streams of bytes confirmed between a stream's first confirmation after
    ``t0`` and its last one, over the time between them (None if no stream has two)."""
    total = 0.0
    used = False
    for events in per_stream.values():
        after = [(t, n) for t, n in events if t > t0]
        if len(after) < 2 or after[-1][0] - after[0][0] < 0.2:
            continue
        total += sum(n for _t, n in after[1:]) * 8 / (after[-1][0] - after[0][0]) / 1e6
        used = True
    return total if used else None


def _last_at(events: list[tuple[float, int]], moment: float) -> float:
    """Time of the last event at or before ``moment`` (or -inf when there is none)."""
    found = float("-inf")
    for t, _n in events:
        if t > moment:
            break
        found = t
    return found


def _series(
    items: list[tuple[float, int, int]], started: float, step: float, ended: float
) -> list[list[float]]:
    bins = max(1, int((ended - started) / step))
    totals = [0] * bins
    for t, n, _s in items:
        k = int((t - started) / step)
        if 0 <= k < bins:
            totals[k] += n
    return [
        [round((k + 1) * step, 3), round(total * 8 / step / 1e6, 3)]
        for k, total in enumerate(totals)
    ]


def measure_download(
    ctx: CheckContext,
    target: Target,
    net: NetAdapter,
    seconds: float,
    on_progress: Callable[[float, float], None],
    streams: int = STREAMS,
) -> Phase:
    """Download rate in Mbit/s (10^6 bit/s of HTTP payload)."""
    return _phase(
        ctx, target, net, _download_worker(target.download_url), seconds, on_progress, streams
    )


def measure_upload(
    ctx: CheckContext,
    target: Target,
    net: NetAdapter,
    seconds: float,
    on_progress: Callable[[float, float], None],
    streams: int = STREAMS,
) -> Phase:
    """Upload rate in Mbit/s, counting only bytes the server confirmed."""
    worker = _upload_worker(target, upload_payload(target.protocol))
    return _phase(ctx, target, net, worker, seconds, on_progress, streams, confirmed=True)
