"""Bind a socket to one network interface, so a test measures the link the employer named.

An agent's computer may have Wi-Fi, Ethernet and a VPN at once; the spec's
``interface = "eth0"`` says which one a network check must use. How a socket is tied to an
interface differs per OS:

* **Linux**: ``SO_BINDTODEVICE`` (socket(7)) makes the kernel route the socket's traffic
  out of that device only. Before Linux 5.7 it needs ``CAP_NET_RAW``; without it we fall
  back to binding the interface's own address, which selects the source address (and, on
  a strong-host or policy-routed system, the interface) but not always the egress device.
* **macOS**: ``IP_BOUND_IF`` (``netinet/in.h``: 25, level ``IPPROTO_IP``) and
  ``IPV6_BOUND_IF`` (125, level ``IPPROTO_IPV6``) take the interface index from
  ``if_nametoindex(3)``.
* **Windows**: no per-socket device option for an ordinary process; binding the
  interface's source address (from ``GetAdaptersAddresses``, via ``psutil.net_if_addrs``)
  makes Windows send from that adapter (its strong-host send model, Microsoft Docs
  "Strong and Weak Host Models").

The socket must not be connected yet. The result is a short text saying what was done,
kept in the check's report so the employer sees which interface carried the test.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from deskready.checks.api import CheckFailed
from deskready.checks.i18n import M_, _

#: Linux ``SO_BINDTODEVICE`` (asm-generic/socket.h); Python names it on Linux only.
SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)
#: macOS ``IP_BOUND_IF`` / ``IPV6_BOUND_IF`` (xnu bsd/netinet/in.h, bsd/netinet6/in6.h).
IP_BOUND_IF = 25
IPV6_BOUND_IF = 125


class InterfaceTable(Protocol):
    """What we need of psutil: the interfaces, their addresses and whether each is up."""

    def net_if_addrs(self) -> Mapping[str, Sequence[Any]]: ...

    def net_if_stats(self) -> Mapping[str, Any]: ...


class InterfaceBindError(CheckFailed):
    """The interface named in the spec does not exist, is down or cannot be bound."""


def _psutil_table() -> InterfaceTable:
    import psutil

    return psutil  # a module with both functions satisfies the protocol


def bind_to_interface(
    sock: socket.socket,
    name: str,
    *,
    platform: str | None = None,
    table: InterfaceTable | None = None,
    nametoindex: Callable[[str], int] | None = None,
) -> str:
    """Tie ``sock`` (not yet connected) to interface ``name``; say how, in a few words.

    Args:
        sock: an unconnected TCP or UDP socket of family AF_INET or AF_INET6.
        name: the OS interface name (``eth0``, ``en0``, ``Ethernet 2``).
        platform: ``sys.platform`` value to act as (tests exercise every OS on Linux).
        table: psutil, or a fake with ``net_if_addrs`` / ``net_if_stats``.
        nametoindex: ``socket.if_nametoindex``, or a fake (macOS path).

    Returns:
        e.g. ``"SO_BINDTODEVICE eth0"``, ``"IP_BOUND_IF en0 (index 4)"`` or
        ``"source address 192.0.2.7 (Ethernet 2)"``.

    Raises:
        InterfaceBindError: the interface does not exist (the message lists those that
            do), is down, has no address of the socket's family where one is needed, or
            the OS refused the binding.
    """
    platform = platform or sys.platform
    table = table or _psutil_table()
    _require_up(name, table)
    if platform.startswith("linux"):
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, name.encode() + b"\0")
            return f"SO_BINDTODEVICE {name}"
        except PermissionError:
            return _bind_source_address(sock, name, table)  # no CAP_NET_RAW before 5.7
        except OSError as exc:
            raise _refused(name, exc) from exc
    if platform == "darwin":
        index = (nametoindex or socket.if_nametoindex)(name)
        if sock.family == socket.AF_INET6:
            level, option, label = socket.IPPROTO_IPV6, IPV6_BOUND_IF, "IPV6_BOUND_IF"
        else:
            level, option, label = socket.IPPROTO_IP, IP_BOUND_IF, "IP_BOUND_IF"
        try:
            sock.setsockopt(level, option, index)
        except OSError as exc:
            raise _refused(name, exc) from exc
        return f"{label} {name} (index {index})"
    return _bind_source_address(sock, name, table)


def _require_up(name: str, table: InterfaceTable) -> None:
    stats = table.net_if_stats()
    known = sorted(set(stats) | set(table.net_if_addrs()))
    if name not in known:
        raise InterfaceBindError(
            M_(
                "The network interface '{name}' set in the spec does not exist on this "
                "computer. Interfaces here: {names}.",
                name=name,
                names=", ".join(known) or "-",
            )
        )
    entry = stats.get(name)
    if entry is not None and not entry.isup:
        up = sorted(n for n, s in stats.items() if s.isup)
        raise InterfaceBindError(
            M_(
                "The network interface '{name}' set in the spec is down (not connected). "
                "Interfaces that are up: {names}.",
                name=name,
                names=", ".join(up) or "-",
            )
        )


def _source_address(name: str, family: int, table: InterfaceTable) -> str | None:
    """The interface's best address of ``family``: global before link-local (no scope)."""
    candidates = []
    for addr in table.net_if_addrs().get(name, ()):
        if addr.family != family:
            continue
        text = str(addr.address).split("%")[0]
        try:
            parsed = ipaddress.ip_address(text)
        except ValueError:
            continue
        candidates.append((parsed.is_link_local, text))
    return min(candidates)[1] if candidates else None


def _bind_source_address(sock: socket.socket, name: str, table: InterfaceTable) -> str:
    address = _source_address(name, sock.family, table)
    if address is None:
        family = "IPv6" if sock.family == socket.AF_INET6 else "IPv4"
        raise InterfaceBindError(
            M_(
                "The network interface '{name}' has no {family} address, so the test "
                "cannot be sent through it.",
                name=name,
                family=family,
            )
        )
    try:
        sock.bind((address, 0))
    except OSError as exc:
        raise _refused(name, exc) from exc
    return _("source address {address} ({name})").format(address=address, name=name)


def _refused(name: str, exc: OSError) -> InterfaceBindError:
    return InterfaceBindError(
        M_(
            "The test could not be tied to the network interface '{name}': {reason}.",
            name=name,
            reason=exc.strerror or str(exc),
        )
    )


def interface_of_address(address: str, table: InterfaceTable | None = None) -> str | None:
    """The interface holding ``address`` (a connected socket's source address), or None.

    How the report names the interface that carried a test the spec did not bind: the
    OS chose it by its routes, and its source address says which one it was.
    """
    wanted = address.split("%")[0]
    for name, addrs in (table or _psutil_table()).net_if_addrs().items():
        if any(str(a.address).split("%")[0] == wanted for a in addrs):
            return str(name)
    return None
