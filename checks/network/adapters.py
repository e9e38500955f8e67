"""The adapters through which the network checks reach sockets, psutil and OS commands.

Each class holds the real implementation as methods; a check gets it with
``ctx.adapter(Class)`` and a test injects a subclass with
``CheckContext(adapters={Class: Fake()})``.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psutil

from deskready.checks.oscommand import run_command

T = TypeVar("T")

#: Public addresses used only to ask the OS which route it *would* take. A UDP
#: ``connect()`` sends no packet; nothing ever goes to these addresses.
ROUTE_PROBES = (("1.1.1.1", socket.AF_INET), ("2606:4700:4700::1111", socket.AF_INET6))


def call_with_timeout(fn: Callable[[], T], timeout: float) -> T:
    """Run a blocking call with no timeout of its own (``getaddrinfo``) in a daemon thread.

    Raises:
        TimeoutError: when it has not returned after ``timeout`` seconds (the thread is
            abandoned; it ends when the OS call returns).
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=target, name="deskready-blocking-call", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError("timed out")
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


class ConnectionAdapter:
    """Which interface carries traffic, and what the OS says about it."""

    platform: str = sys.platform
    sys_class_net: Path = Path("/sys/class/net")

    def route_source_address(self) -> str | None:
        """Source address the OS picks for internet traffic; None when there is no route."""
        for address, family in ROUTE_PROBES:
            try:
                with socket.socket(family, socket.SOCK_DGRAM) as sock:
                    sock.connect((address, 53))
                    source = str(sock.getsockname()[0])
            except OSError:
                continue
            if source and source not in {"0.0.0.0", "::"}:
                return source.split("%")[0]
        return None

    def interface_addresses(self) -> dict[str, list[str]]:
        """Interface name -> its IPv4/IPv6 addresses (psutil)."""
        found: dict[str, list[str]] = {}
        for name, addrs in psutil.net_if_addrs().items():
            for addr in addrs:
                if addr.family in (socket.AF_INET, socket.AF_INET6):
                    found.setdefault(name, []).append(addr.address.split("%")[0])
        return found

    def link_speeds(self) -> dict[str, float]:
        """Interface name -> link speed in Mbit/s, only where the OS knows it."""
        return {n: float(s.speed) for n, s in psutil.net_if_stats().items() if s.speed > 0}

    def up_interfaces(self) -> list[str]:
        """Names of interfaces that are up."""
        return [name for name, stats in psutil.net_if_stats().items() if stats.isup]

    def read_text(self, path: str) -> str:
        """A small OS file such as ``/proc/net/route`` ('' when unreadable)."""
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def run(self, args: list[str], timeout: float) -> str:
        """Run an OS command and return its stdout ('' when it fails or times out)."""
        return run_command(args, timeout=timeout) or ""


class NetAdapter:
    """TCP connections and name resolution for the bandwidth check."""

    def connect(self, host: str, port: int, timeout: float) -> socket.socket:
        """Resolve ``host`` and open a TCP connection; both bounded by ``timeout``.

        Raises:
            socket.gaierror: the name does not resolve.
            OSError: the connection failed (refused, unreachable, timed out).
        """
        infos = call_with_timeout(
            lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
        )
        error: OSError | None = None
        for family, kind, proto, _name, address in infos:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(timeout)
                sock.connect(address)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError(f"no address for {host}")


class UdpAdapter:
    """Name resolution and UDP sockets for the call-quality check."""

    def resolve(self, host: str, port: int, timeout: float) -> list[tuple[int, Any]]:
        """(family, sockaddr) pairs for ``host``; raises ``socket.gaierror`` if unknown."""
        infos = call_with_timeout(
            lambda: socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM), timeout
        )
        return [(family, address) for family, _kind, _proto, _name, address in infos]

    def udp_socket(self, family: int) -> socket.socket:
        """An unbound, non-blocking UDP socket of ``family``."""
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setblocking(False)
        return sock
