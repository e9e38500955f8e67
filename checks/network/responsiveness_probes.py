"""The timed probes of the responsiveness test: connections that time their handshakes.

draft-ietf-ippm-responsiveness-08 §5.3 defines two probe kinds:

* a **foreign probe** opens a new connection and times its TCP handshake (``tcp_f``), its
  TLS handshake divided by the handshake's round trips (``tls_f``: 1 for TLS 1.3, 2
  before) and a GET of a tiny object (``http_f``);
* a **self probe** times a GET of the tiny object on a *load-generating* connection
  (``http_l``): :meth:`ProbeConnection.get_small` on the connections of
  :mod:`responsiveness_load`.

This module holds the foreign probe, the idle probes and the connection both use.

Every blocking call is bounded: a per-read socket timeout, an overall abort (a timer or
the test's stop shuts the socket down from another thread), and bounded small answers.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from deskready.checks.network.adapters import NetAdapter, call_with_timeout
from deskready.checks.network.http_transport import LATENCY_LIMIT, path_of, read_body, wall_clock
from deskready.checks.network.transfer_errors import HttpStatusError


@dataclass(frozen=True)
class Endpoint:
    """Where the test goes: the three URLs and the one address every connection uses.

    The name is resolved once before the test (bounded), so a foreign probe's ``tcp_f``
    is the handshake alone, never a DNS lookup.
    """

    name: str
    host: str
    port: int
    https: bool
    address: str
    large_url: str
    upload_url: str
    small_url: str


def resolve(name: str, large_url: str, upload_url: str, small_url: str, timeout: float) -> Endpoint:
    """The :class:`Endpoint` of three URLs on one server (resolving its name, bounded).

    Raises:
        socket.gaierror, TimeoutError, ValueError: the name does not resolve, the lookup
            took longer than ``timeout``, or a URL is not http(s).
    """
    parts = urlsplit(small_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {small_url}")
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    host = parts.hostname
    infos = call_with_timeout(
        lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
    )
    address = str(infos[0][4][0])
    return Endpoint(name, host, port, https, address, large_url, upload_url, small_url)


class ProbeConnection(http.client.HTTPConnection):
    """An HTTP(S) connection that times its TCP and TLS handshakes separately."""

    def __init__(self, endpoint: Endpoint, net: NetAdapter, timeout: float) -> None:
        super().__init__(endpoint.host, endpoint.port, timeout=timeout)
        self.endpoint = endpoint
        self._net = net
        self._aborted = False
        self.tcp_ms: float | None = None
        self.tls_ms: float | None = None

    def connect(self) -> None:
        """Open the socket to the resolved address, timing each handshake."""
        started = time.perf_counter()
        sock = self._net.connect(self.endpoint.address, self.port, float(self.timeout or 5.0))
        self.tcp_ms = (time.perf_counter() - started) * 1000.0
        if self.endpoint.https:
            context = ssl.create_default_context()
            tls = context.wrap_socket(
                sock, server_hostname=self.endpoint.host, do_handshake_on_connect=False
            )
            started = time.perf_counter()
            tls.do_handshake()
            # normalised to one round trip (§5.3): TLS 1.3 takes one, TLS 1.2 two
            trips = 1 if tls.version() == "TLSv1.3" else 2
            self.tls_ms = (time.perf_counter() - started) * 1000.0 / trips
            sock = tls
        if self._aborted:
            sock.close()
            raise TimeoutError("connection aborted")
        self.sock = sock

    def abort(self) -> None:
        """Unblock a thread in recv/send on this connection (called from another thread)."""
        self._aborted = True
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def get_small(self) -> float:
        """One GET of the tiny object; the time from sending it to its whole answer, ms."""
        started = time.perf_counter()
        self.request("GET", path_of(self.endpoint.small_url), headers={"Cache-Control": "no-cache"})
        resp = self.getresponse()
        read_body(resp, LATENCY_LIMIT)
        if resp.status != 200:
            raise HttpStatusError(resp.status, resp.reason)
        return (time.perf_counter() - started) * 1000.0


@dataclass(frozen=True)
class ForeignSample:
    """One foreign probe: when it completed (monotonic) and its three times in ms."""

    done: float
    tcp_ms: float
    tls_ms: float | None
    http_ms: float


def foreign_probe(
    endpoint: Endpoint,
    net: NetAdapter,
    timeout: float,
    track: Callable[[ProbeConnection | None], None] | None = None,
) -> ForeignSample:
    """A new connection: TCP (and TLS) handshake, one GET of the tiny object, closed.

    The whole probe ends within ``timeout`` seconds (:class:`RequestTimeout` beyond).
    ``track`` is told the connection before it opens and ``None`` once it is done, so a
    test that ends can abort the probes still in flight.
    """
    conn = ProbeConnection(endpoint, net, timeout)
    if track is not None:
        track(conn)
    try:
        with wall_clock(conn, timeout):
            conn.connect()
            http_ms = conn.get_small()
        assert conn.tcp_ms is not None
        return ForeignSample(time.monotonic(), conn.tcp_ms, conn.tls_ms, http_ms)
    finally:
        conn.close()
        if track is not None:
            track(None)


def idle_self_probes(
    endpoint: Endpoint, net: NetAdapter, count: int, timeout: float
) -> list[float]:
    """``count`` GETs of the tiny object on one idle keep-alive connection (ms each).

    The first request, which pays for the handshakes, is not counted.
    """
    conn = ProbeConnection(endpoint, net, timeout)
    try:
        with wall_clock(conn, timeout):
            conn.get_small()
            return [conn.get_small() for _ in range(count)]
    finally:
        conn.close()
