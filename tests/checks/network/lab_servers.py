"""Test servers for the network checks, run as subprocesses (also inside namespaces).

    python lab_servers.py http --bind 127.0.0.1 [--fault 403|stall|reset|empty-list]
    python lab_servers.py relay --bind 127.0.0.1 --upstream 127.0.0.1:3478 --delay-ms 40 --jitter-ms 8

Each prints ``READY <port>`` on stdout once listening.

The HTTP server speaks three protocols at once, as the real ones do:

* Speedtest Mini: ``/mini/`` (page with ``upload_extension: "php"``),
  ``/mini/speedtest/latency.txt``, ``/mini/speedtest/random{N}x{N}.jpg``,
  ``POST /mini/speedtest/upload.php`` -> ``size=<bytes received>``;
* the speedtest.net directory: ``/speedtest-config.php`` and
  ``/speedtest-servers-static.php`` listing this server (plus a dead one);
* LibreSpeed: ``/backend/garbage.php?ckSize=N``, ``/backend/empty.php`` (GET and POST),
  ``/backend/getIP.php``; and the Go/Rust servers' names without ``.php`` under ``/go/``
  (``/go/garbage``, ``/go/empty``, ``/go/getIP``; librespeed/speedtest-go routes).
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import select
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BLOCK = os.urandom(1 << 20)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lab/1"
    disable_nagle_algorithm = True
    fault = ""
    advertised = ""

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _reply(self, body: bytes, ctype: str = "text/plain", status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, total: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        sent = 0
        while sent < total:
            chunk = BLOCK[: min(len(BLOCK), total - sent)]
            if self.fault in {"stall", "reset"} and sent >= 2 << 20:
                if self.fault == "stall":
                    time.sleep(3600)
                # RST: linger 0, then drop every reference so the socket really closes
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.wfile.close()
                self.rfile.close()
                self.connection.close()
                return
            self.wfile.write(chunk)
            sent += len(chunk)

    def _drain(self) -> int:
        length = int(self.headers.get("Content-Length") or 0)
        got = 0
        while got < length:
            data = self.rfile.read(min(1 << 16, length - got))
            if not data:
                break
            got += len(data)
        return got

    def do_GET(self) -> None:
        if self.fault == "403":
            self._reply(b"Forbidden", status=403)
            return
        url = urlsplit(self.path)
        path = url.path
        if path in {"/mini", "/mini/"}:
            self._reply(b'<html><script>var upload_extension: "php";</script></html>', "text/html")
        elif path == "/mini/speedtest/latency.txt":
            self._reply(b"test=test")
        elif path.startswith("/mini/speedtest/random") and path.endswith(".jpg"):
            n = int(path.rsplit("x", 1)[1].split(".")[0])
            self._stream(n * n * 2)
        elif path == "/speedtest-config.php":
            self._reply(
                b'<?xml version="1.0" encoding="UTF-8"?><settings>'
                b'<client ip="127.0.0.1" lat="52.37" lon="4.89" isp="Lab"/>'
                b'<server-config threadcount="4" ignoreids="7"/>'
                b'<download testlength="10" threadsperurl="4"/>'
                b'<upload testlength="10" ratio="5" maxchunkcount="50" threads="2"/>'
                b"</settings>",
                "text/xml",
            )
        elif path == "/speedtest-servers-static.php":
            me = self.advertised
            servers = (
                b""
                if self.fault == "empty-list"
                else (
                    f'<server url="http://{me}/mini/speedtest/upload.php" lat="52.3" lon="4.9" '
                    f'name="Amsterdam" country="NL" sponsor="Lab ISP" id="4242" host="{me}"/>'
                    # a nearer server that refuses connections (port 9 on loopback is closed)
                    f'<server url="http://127.0.0.1:9/speedtest/upload.php" lat="52.37" '
                    f'lon="4.89" name="Dead" country="NL" sponsor="Dead ISP" id="13" '
                    f'host="127.0.0.1:9"/>'
                    f'<server url="http://{me}/x/upload.php" lat="52.37" lon="4.89" '
                    f'name="Ignored" country="NL" sponsor="Ignored" id="7" host="{me}"/>'
                ).encode()
            )
            self._reply(
                b'<?xml version="1.0" encoding="UTF-8"?><settings><servers>'
                + servers
                + b"</servers></settings>",
                "text/xml",
            )
        elif path in {"/backend/garbage.php", "/go/garbage"}:
            size = int(parse_qs(url.query).get("ckSize", ["4"])[0])
            self._stream(size << 20)
        elif path in {"/backend/empty.php", "/go/empty"}:
            self._reply(b"")
        elif path in {"/backend/getIP.php", "/go/getIP"}:
            self._reply(b'{"processedString":"127.0.0.1"}', "application/json")
        else:
            self._reply(b"not found", status=404)

    def do_POST(self) -> None:
        got = self._drain()
        if self.fault == "403":
            self._reply(b"Forbidden", status=403)
            return
        path = urlsplit(self.path).path
        if path == "/mini/speedtest/upload.php":
            self._reply(f"size={got}".encode())
        elif path in {"/backend/empty.php", "/go/empty"}:
            self._reply(b"")
        else:
            self._reply(b"not found", status=404)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients close mid-transfer when a test phase ends: expected, not worth a traceback.
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def serve_http(args: argparse.Namespace) -> None:
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    Server.address_family = family
    Handler.fault = args.fault
    server = Server((args.bind, args.port), Handler)
    port = server.server_address[1]
    host = f"[{args.bind}]" if family == socket.AF_INET6 else args.bind
    Handler.advertised = f"{host}:{port}"
    print(f"READY {port}", flush=True)
    server.serve_forever(0.2)


def serve_relay(args: argparse.Namespace) -> None:
    """Forward UDP to ``--upstream`` adding delay + uniform jitter on the way there.

    Delay of each packet = delay + U(-a, a) with a = 1.5 x jitter, because the mean
    |difference| of two such delays (what RFC 3550 jitter converges to) is 2a/3 = jitter.
    ``--loss-every N`` drops every N-th request (deterministic loss).
    """
    uhost, uport = args.upstream.rsplit(":", 1)
    upstream = (uhost.strip("[]"), int(uport))
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    listen = socket.socket(family, socket.SOCK_DGRAM)
    listen.bind((args.bind, args.port))
    listen.setblocking(False)
    rng = random.Random(args.seed)
    spread = 1.5 * args.jitter_ms / 1000.0
    base = args.delay_ms / 1000.0
    if spread > base:
        sys.exit("delay must be at least 1.5 x jitter")
    queue: list[tuple[float, int, bytes, socket.socket]] = []
    out_socks: dict[object, socket.socket] = {}
    back: dict[socket.socket, object] = {}
    counter = 0
    print(f"READY {listen.getsockname()[1]}", flush=True)
    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _due, _n, data, sock = heapq.heappop(queue)
            sock.sendto(data, upstream)
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 0.5
        ready, _w, _x = select.select([listen, *back], [], [], timeout)
        for sock in ready:
            if sock is listen:
                data, client = listen.recvfrom(65536)
                counter += 1
                if args.loss_every and counter % args.loss_every == 0:
                    continue
                out = out_socks.get(client)
                if out is None:
                    out = socket.socket(family, socket.SOCK_DGRAM)
                    out.setblocking(False)
                    out_socks[client] = out
                    back[out] = client
                due = time.monotonic() + base + rng.uniform(-spread, spread)
                heapq.heappush(queue, (due, counter, data, out))
            else:
                data, _addr = sock.recvfrom(65536)
                listen.sendto(data, back[sock])  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    http = sub.add_parser("http")
    http.add_argument("--bind", default="127.0.0.1")
    http.add_argument("--port", type=int, default=0)
    http.add_argument("--fault", default="")
    relay = sub.add_parser("relay")
    relay.add_argument("--bind", default="127.0.0.1")
    relay.add_argument("--port", type=int, default=0)
    relay.add_argument("--upstream", required=True)
    relay.add_argument("--delay-ms", type=float, default=0.0)
    relay.add_argument("--jitter-ms", type=float, default=0.0)
    relay.add_argument("--loss-every", type=int, default=0)
    relay.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.cmd == "http":
        serve_http(args)
    else:
        serve_relay(args)


if __name__ == "__main__":
    main()
