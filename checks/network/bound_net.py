"""The bandwidth check's sockets, tied to the interface the spec names, and which
interface carried them.

``[checks.bandwidth] interface = "eth0"`` must make every measurement socket leave through
that interface: :func:`binding.bind_to_interface` does the per-OS part (Linux
``SO_BINDTODEVICE``, macOS ``IP_BOUND_IF``, Windows the interface's source address) on
the socket before ``connect``. Without the setting the OS routes as it likes; either way
the report names the interface that carried the test, found from the connected socket's
own address (``getsockname``) in the interface table, so an employer sees "Wi-Fi" when
the agent said "cable".
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from deskready.checks.network.adapters import NetAdapter, call_with_timeout
from deskready.checks.network.binding import bind_to_interface

Binder = Callable[[socket.socket, str], str]


def interface_of(address: str, table: Mapping[str, Sequence[Any]]) -> str | None:
    """The interface holding ``address`` in a ``psutil.net_if_addrs()``-shaped table."""
    address = address.split("%")[0]
    for name, addrs in table.items():
        if any(str(a.address).split("%")[0] == address for a in addrs):
            return name
    return None


def _psutil_addrs() -> Mapping[str, Sequence[Any]]:
    import psutil

    return psutil.net_if_addrs()


class RecordingNet(NetAdapter):
    """A :class:`NetAdapter` that binds each socket to ``interface`` (when set) and
    remembers the local address of the connections it made.

    Args:
        interface: the spec's interface name, or "" for the OS's choice.
        binder: :func:`binding.bind_to_interface` (tests pass a fake).
        inner: when no interface is set, connections are delegated to it (a test's
            fake adapter keeps working).
    """

    def __init__(
        self,
        interface: str = "",
        binder: Binder = bind_to_interface,
        inner: NetAdapter | None = None,
        addresses: Callable[[], Mapping[str, Sequence[Any]]] = _psutil_addrs,
    ) -> None:
        self.interface = interface
        self._binder = binder
        self._inner = inner
        self._addresses = addresses
        self._lock = threading.Lock()
        self.binding: str | None = None  # how the last socket was bound
        self.local: list[str] = []  # local addresses used, first seen first

    def connect(self, host: str, port: int, timeout: float) -> socket.socket:
        """Open a connection (bound when an interface is set) and note its source."""
        if not self.interface:
            sock = (self._inner or NetAdapter()).connect(host, port, timeout)
        else:
            sock = self._bound_connect(host, port, timeout)
        try:
            local = str(sock.getsockname()[0])
        except OSError:
            local = ""
        with self._lock:
            if local and local not in self.local:
                self.local.append(local)
        return sock

    def _bound_connect(self, host: str, port: int, timeout: float) -> socket.socket:
        infos = call_with_timeout(
            lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
        )
        error: OSError | None = None
        for family, kind, proto, _name, address in infos:
            sock = socket.socket(family, kind, proto)
            try:
                how = self._binder(sock, self.interface)  # InterfaceBindError passes through
                sock.settimeout(timeout)
                sock.connect(address)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            except BaseException:
                sock.close()
                raise
            self.binding = how
            return sock
        raise error or OSError(f"no address for {host}")

    def carried_by(self) -> dict[str, Any]:
        """What the report says about the interface: name, source address(es), binding."""
        try:
            table = self._addresses()
        except Exception:  # psutil failing must not cost the measurement
            table = {}
        names = [n for n in (interface_of(a, table) for a in self.local) if n]
        name = self.interface or (names[0] if names else None)
        return {
            "name": name,
            "source_addresses": list(self.local),
            "bound": self.binding if self.interface else None,
        }
