"""Misbehaving speed-test and STUN servers on loopback, run in the test process.

They exist to prove that a broken server is reported as a broken server, never as the
agent's slow or lossy line. Each runs in daemon threads and stops (waking every handler
that is holding a connection open) when the test's fixture stops it.

HTTP faults (``FaultyHttpServer(fault)``), on top of ``lab_servers.Handler``'s three
protocols; the download body is ``/mini/speedtest/random*.jpg`` and
``/backend/garbage.php``:

* ``trickle``: the download body at 1 byte per second;
* ``stall-body``: 256 KiB of the download body, then silence with the connection open;
* ``endless``: every GET answered with a body that never ends (no Content-Length);
* ``short-length``: a download that announces more bytes than it sends, then closes;
* ``long-body``: a download that sends more bytes than its Content-Length says;
* ``trickle-latency``: the latency replies (``latency.txt``, ``GET empty.php``) at
  1 byte per second;
* ``upload-lie-low`` / ``upload-lie-high``: ``size=`` replies of 1 % / 1000 % of the bytes
  really received;
* ``upload-stall``: an upload whose body the server never reads;
* ``queue-one``: at most three downloads served at once, a fourth held unanswered (a
  server's connection limit: the connection is accepted, the request queued);
* ``close-each``: every answer says ``Connection: close`` and the server closes;
* ``silent``: every request held unanswered on an accepted connection.

STUN (``FaultyStunServer``): answers Binding Requests at most ``rate_per_s`` a second
(token bucket of one), or only the first ``answer_first`` of them, or each with
probability ``answer_share`` (seeded: a lossy path that does not care about our rate).
"""

from __future__ import annotations

import random
import select
import socket
import struct
import threading
import time
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar
from urllib.parse import urlsplit

from deskready.checks.network.stun import BINDING_REQUEST, BINDING_SUCCESS, HEADER, MAGIC_COOKIE
from tests.checks.network.lab_servers import BLOCK, Handler, Server

#: Longest any handler holds a connection open: a test that forgot to stop its server
#: still ends its threads.
HOLD_MAX_S = 30.0


class _FaultyHandler(Handler):
    stopping: ClassVar[threading.Event] = threading.Event()
    uploaded: ClassVar[list[int]] = [0]  # bytes of upload bodies really received (one per server)
    serving: ClassVar[threading.Semaphore] = threading.Semaphore(3)  # queue-one: downloads

    def end_headers(self) -> None:
        if self.fault == "close-each":
            self.send_header("Connection", "close")
            self.close_connection = True
        super().end_headers()

    def _hold(self, seconds: float = HOLD_MAX_S) -> None:
        self.stopping.wait(seconds)

    def _trickle(self, body: bytes, announce: int | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(announce or len(body)))
        self.end_headers()
        self.wfile.flush()
        deadline = time.monotonic() + HOLD_MAX_S
        for byte in body:
            if self.stopping.is_set() or time.monotonic() > deadline:
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            self.stopping.wait(1.0)

    def _endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Connection", "close")  # no length: the body ends at close
        self.end_headers()
        self.close_connection = True
        deadline = time.monotonic() + HOLD_MAX_S
        while not self.stopping.is_set() and time.monotonic() < deadline:
            self.wfile.write(BLOCK[:65536])

    def _stream(self, total: int) -> None:
        if self.fault == "trickle":
            self._trickle(BLOCK[:total])
        elif self.fault == "stall-body":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(total))
            self.end_headers()
            self.wfile.write(BLOCK[: 256 << 10])
            self.wfile.flush()
            self._hold()
        elif self.fault == "short-length":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(total))
            self.end_headers()
            self.wfile.write(BLOCK[: 512 << 10])
            self.close_connection = True
        elif self.fault == "long-body":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(BLOCK[: 256 << 10])
        else:
            super()._stream(total)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if self.fault == "silent":
            self._hold()
            return
        if self.fault == "queue-one" and path == "/backend/garbage.php":
            if not self.serving.acquire(blocking=False):
                self._hold()  # accepted, never answered: the fourth stream waits
                return
            try:
                super().do_GET()
            finally:
                self.serving.release()
            return
        if self.fault == "endless":
            self._endless()
        elif self.fault == "trickle-latency" and path in {
            "/mini/speedtest/latency.txt",
            "/backend/empty.php",
        }:
            self._trickle(b"test=test")
        else:
            super().do_GET()

    def do_POST(self) -> None:
        if self.fault == "upload-stall":
            self._hold()  # reads nothing of the body: the client's socket buffers fill up
            return
        if self.fault not in {"upload-lie-low", "upload-lie-high"}:
            super().do_POST()
            return
        got = self._drain()
        self.uploaded[0] += got
        claim = got // 100 if self.fault == "upload-lie-low" else got * 10
        self._reply(f"size={claim}".encode())


class FaultyHttpServer:
    """A lab HTTP server with one fault, on 127.0.0.1, for a ``with`` block."""

    def __init__(self, fault: str) -> None:
        self.stopping = threading.Event()
        self._uploaded = [0]
        handler = type(
            "Handler_" + fault.replace("-", "_"),
            (_FaultyHandler,),
            {
                "fault": fault,
                "stopping": self.stopping,
                "uploaded": self._uploaded,
                "serving": threading.Semaphore(3),
            },
        )
        Server.address_family = socket.AF_INET
        self._server: ThreadingHTTPServer = Server(("127.0.0.1", 0), handler)
        port = self._server.server_address[1]
        handler.advertised = f"127.0.0.1:{port}"
        self.base = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="faulty-http", daemon=True
        )

    @property
    def uploaded(self) -> int:
        """Bytes of upload bodies this server really received (the lying faults count)."""
        return self._uploaded[0]

    def __enter__(self) -> FaultyHttpServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class FaultyStunServer:
    """A STUN responder on 127.0.0.1 that limits, fades or drops its answers."""

    def __init__(
        self,
        *,
        rate_per_s: float | None = None,
        answer_first: int | None = None,
        answer_share: float = 1.0,
        seed: int = 7,
    ) -> None:
        self.rate_per_s = rate_per_s
        self.answer_first = answer_first
        self.answer_share = answer_share
        self.received = 0
        self.answered = 0
        self._rng = random.Random(seed)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.setblocking(False)
        self.port = int(self._sock.getsockname()[1])
        self.address = f"127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="faulty-stun", daemon=True)

    def __enter__(self) -> FaultyStunServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _answers(self, tokens: float) -> tuple[bool, float]:
        if self.answer_first is not None and self.answered >= self.answer_first:
            return False, tokens
        if self.rate_per_s is not None:
            if tokens < 1.0:
                return False, tokens
            tokens -= 1.0
        return self._rng.random() < self.answer_share, tokens

    def _serve(self) -> None:
        tokens = 1.0
        last = time.monotonic()
        deadline = last + 120.0  # bounded even if a test never stops it
        while not self._stop.is_set() and time.monotonic() < deadline:
            ready, _w, _x = select.select([self._sock], [], [], 0.1)
            if not ready:
                continue
            try:
                data, client = self._sock.recvfrom(2048)
            except OSError:
                continue
            if len(data) < HEADER.size:
                continue
            msg_type, _length, cookie, tid = HEADER.unpack_from(data)
            if msg_type != BINDING_REQUEST or cookie != MAGIC_COOKIE:
                continue
            self.received += 1
            now = time.monotonic()
            if self.rate_per_s is not None:
                tokens = min(1.0, tokens + (now - last) * self.rate_per_s)
            last = now
            answer, tokens = self._answers(tokens)
            if answer:
                self.answered += 1
                reply = struct.pack("!HHI12s", BINDING_SUCCESS, 0, MAGIC_COOKIE, tid)
                self._sock.sendto(reply, client)
