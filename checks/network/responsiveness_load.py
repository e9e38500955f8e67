"""The load of the responsiveness test: connections that keep both directions busy.

draft-ietf-ippm-responsiveness-08 §5.1.3 loads the path with HTTP transfers of "infinitely
large" objects and multiplexes self probes into them as HTTP/2 streams. The servers
deskready talks to (the employer hub's measurement port, LibreSpeed, Speedtest) speak
HTTP/1.1, where a request cannot overtake a response still arriving, so a self probe here
waits for the load request it was assigned to to end and is sent next on the same
connection, before the next load request. It sees what the connection sees: the
bottleneck queue kept full by the other load connections, and the connection's own
congestion state, but not the data the server had already committed to this connection's
socket buffer (the head-of-line part the draft's multiplexed probe also sees). Load
requests are kept short (1 MiB downloads, uploads sized to last about 0.25 s) so that
probes find a boundary soon.

Every blocking call is bounded: a per-read socket timeout (a connection starved that long
ends), and :meth:`Load.stop` shuts every socket down from another thread.
"""

from __future__ import annotations

import functools
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.http_transport import LATENCY_LIMIT, path_of, read_body
from deskready.checks.network.responsiveness_probes import Endpoint, ProbeConnection
from deskready.checks.network.transfer_errors import HttpStatusError

#: Marks the load transfers for the hub (deskready.hub.measure.httpserver.LOAD_MARK).
LOAD_QUERY = "dr_use=load"
#: Upload request sizes: from 64 KiB, doubled while a request takes less than the target.
UPLOAD_MIN = 64 * 1024
UPLOAD_MAX = 8 * 1024 * 1024
UPLOAD_TARGET_S = 0.25
_CHUNK = 64 * 1024


@functools.cache
def _payload() -> bytes:
    """Incompressible upload bytes, made once, on the first upload: not at import, where
    every ``deskready check`` (which imports each check for its metadata) paid 8 MB."""
    return os.urandom(UPLOAD_MAX)


@dataclass
class Direction:
    """The load of one direction: its connections and the bytes they moved."""

    name: str  # "download" or "upload"
    lock: threading.Lock = field(default_factory=threading.Lock)
    total: int = 0
    last_moved: float = field(default_factory=time.monotonic)

    def add(self, n: int) -> None:
        with self.lock:
            self.total += n
            self.last_moved = time.monotonic()

    def moved(self) -> int:
        with self.lock:
            return self.total


class Load:
    """Load-generating connections in both directions, with self probes on request.

    Each connection runs in its own thread; :meth:`stop` ends them all (bounded).
    Self-probe results go to :attr:`self_samples` as ``(completed, ms)``; each failed
    connection's ``(direction name, error)`` is kept in :attr:`errors` (the draft aborts
    the test then).
    """

    def __init__(self, endpoint: Endpoint, net: NetAdapter, read_timeout: float) -> None:
        self.endpoint = endpoint
        self.net = net
        self.read_timeout = read_timeout
        self.stop_event = threading.Event()
        self.down = Direction("download")
        self.up = Direction("upload")
        self.errors: list[tuple[str, BaseException]] = []
        self.starved = {self.down.name: 0, self.up.name: 0}  # ended by a read/write timeout
        self.opened = {self.down.name: 0, self.up.name: 0}
        self.self_samples: list[tuple[float, float]] = []
        self._lock = threading.Lock()
        self._conns: list[tuple[ProbeConnection, threading.Event]] = []
        self._threads: list[threading.Thread] = []

    def connections(self, direction: Direction) -> int:
        """How many load connections ``direction`` has running."""
        with self._lock:
            return sum(
                1
                for t in self._threads
                if t.name.startswith(f"deskready-rpm-{direction.name}") and t.is_alive()
            )

    def add(self, direction: Direction) -> None:
        """Start one more load connection in ``direction``."""
        conn = ProbeConnection(self.endpoint, self.net, self.read_timeout)
        wanted = threading.Event()
        work: Callable[[ProbeConnection, threading.Event], None] = (
            self._download if direction is self.down else self._upload
        )
        with self._lock:
            self.opened[direction.name] += 1
            index = len(self._threads)
            thread = threading.Thread(
                target=self._run,
                args=(direction.name, work, conn, wanted),
                name=f"deskready-rpm-{direction.name}-{index}",
                daemon=True,
            )
            self._conns.append((conn, wanted))
            self._threads.append(thread)
        thread.start()

    def want_self_probe(self, rng: random.Random) -> bool:
        """Ask one load connection, chosen uniformly at random among those without a
        probe pending, for a self probe (§5.3: "uniformly and randomly select from the
        active load-generating connections"). False when every one has one pending.

        Choosing among the free ones matters on HTTP/1.1: a download connection may take
        seconds to reach its next request boundary, and picks landing on it again would
        be lost.
        """
        with self._lock:
            free = [wanted for _conn, wanted in self._conns if not wanted.is_set()]
            if not free:
                return False
            rng.choice(free).set()
        return True

    def self_window(self, start: float, end: float) -> list[float]:
        """The self-probe times (ms) that completed in ``[start, end)``."""
        with self._lock:
            return [ms for done, ms in self.self_samples if start <= done < end]

    def stop(self, join_s: float) -> None:
        """End every load connection; wait at most ``join_s`` seconds for the threads."""
        self.stop_event.set()
        with self._lock:
            conns = [c for c, _w in self._conns]
            threads = list(self._threads)
        for conn in conns:
            conn.abort()
        deadline = time.monotonic() + join_s
        for thread in threads:
            thread.join(max(0.01, deadline - time.monotonic()))
        for conn in conns:
            conn.close()

    # -- the workers ------------------------------------------------------------------
    def _run(
        self,
        direction: str,
        work: Callable[[ProbeConnection, threading.Event], None],
        conn: ProbeConnection,
        wanted: threading.Event,
    ) -> None:
        try:
            work(conn, wanted)
        except TimeoutError:
            # One connection starved for read_timeout (TCP backing off after repeated
            # losses on an overfull queue) while others may still move data: it ends, and
            # the test's loop judges the direction as a whole (no byte at all: a stall).
            if not self.stop_event.is_set():
                with self._lock:
                    self.starved[direction] += 1
        except BaseException as exc:  # reported by the test's loop (the draft aborts)
            if not self.stop_event.is_set():
                with self._lock:
                    self.errors.append((direction, exc))
        finally:
            conn.close()
            with self._lock:
                wanted.set()  # no self probe is ever sent on an ended connection

    def _self_probe(self, conn: ProbeConnection, wanted: threading.Event) -> None:
        if wanted.is_set() and not self.stop_event.is_set():
            ms = conn.get_small()
            if not self.stop_event.is_set():
                with self._lock:
                    self.self_samples.append((time.monotonic(), ms))
            wanted.clear()

    def _download(self, conn: ProbeConnection, wanted: threading.Event) -> None:
        stop = self.stop_event
        bump = 0
        while not stop.is_set():
            bump += 1
            conn.request(
                "GET",
                path_of(_as_load(self.endpoint.large_url), bump),
                headers={"Cache-Control": "no-cache"},
            )
            resp = conn.getresponse()
            if resp.status != 200:
                raise HttpStatusError(resp.status, resp.reason)
            while not stop.is_set():
                n = len(resp.read1(_CHUNK))
                if not n:
                    break
                self.down.add(n)
            if stop.is_set():
                return
            resp.read()  # marks the finished body closed so the connection is reused
            self._self_probe(conn, wanted)

    def _upload(self, conn: ProbeConnection, wanted: threading.Event) -> None:
        stop = self.stop_event
        size = UPLOAD_MIN
        view = memoryview(_payload())
        bump = 0
        while not stop.is_set():
            bump += 1
            started = time.monotonic()
            conn.putrequest(
                "POST", path_of(_as_load(self.endpoint.upload_url), bump), skip_accept_encoding=True
            )
            conn.putheader("Content-Type", "application/octet-stream")
            conn.putheader("Content-Length", str(size))
            conn.putheader("Cache-Control", "no-cache")
            conn.endheaders()
            for offset in range(0, size, _CHUNK):
                piece = view[offset : min(size, offset + _CHUNK)]
                conn.send(piece)
                self.up.add(len(piece))  # written: goodput here only decides saturation
                if stop.is_set():
                    return
            resp = conn.getresponse()
            read_body(resp, LATENCY_LIMIT)
            if resp.status != 200:
                raise HttpStatusError(resp.status, resp.reason)
            if time.monotonic() - started < UPLOAD_TARGET_S and size < UPLOAD_MAX:
                size = min(UPLOAD_MAX, size * 2)
            self._self_probe(conn, wanted)


def _as_load(url: str) -> str:
    """``url`` marked as load (``dr_use=load``): an employer's hub then records it apart
    from the speed test it signs; other LibreSpeed servers ignore the parameter."""
    return f"{url}{'&' if '?' in url else '?'}{LOAD_QUERY}"
