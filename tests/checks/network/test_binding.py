"""bind_to_interface: each OS's way with fakes, and the real Linux way in a namespace."""

from __future__ import annotations

import contextlib
import select
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from deskready.checks.api import CheckFailed
from deskready.checks.network.binding import (
    IP_BOUND_IF,
    IPV6_BOUND_IF,
    SO_BINDTODEVICE,
    InterfaceBindError,
    bind_to_interface,
)
from tests.checks.network.netlab import Lab, lab_available


@dataclass
class Addr:
    family: int
    address: str


@dataclass
class Stats:
    isup: bool


@dataclass
class FakeTable:
    """psutil's two functions, fed with an interface list as a test states it."""

    addrs: dict[str, list[Addr]]
    up: dict[str, bool]

    def net_if_addrs(self) -> dict[str, list[Addr]]:
        return self.addrs

    def net_if_stats(self) -> dict[str, Stats]:
        return {name: Stats(isup) for name, isup in self.up.items()}


@dataclass
class FakeSocket:
    """Records setsockopt / bind; ``refuse`` makes setsockopt raise that error."""

    family: int = socket.AF_INET
    refuse: OSError | None = None
    options: list[tuple[int, int, Any]] = field(default_factory=list)
    bound: tuple[str, int] | None = None

    def setsockopt(self, level: int, option: int, value: Any) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.options.append((level, option, value))

    def bind(self, address: tuple[str, int]) -> None:
        self.bound = address


TABLE = FakeTable(
    addrs={
        "Ethernet 2": [
            Addr(socket.AF_INET, "192.0.2.7"),
            Addr(socket.AF_INET6, "fe80::1%12"),
            Addr(socket.AF_INET6, "2001:db8::7"),
        ],
        "Wi-Fi": [Addr(socket.AF_INET, "198.51.100.3")],
        "en0": [Addr(socket.AF_INET, "192.0.2.9")],
        "down0": [Addr(socket.AF_INET, "192.0.2.10")],
    },
    up={"Ethernet 2": True, "Wi-Fi": True, "en0": True, "down0": False},
)


def bind(sock: FakeSocket, name: str, platform: str) -> str:
    return bind_to_interface(
        sock,  # type: ignore[arg-type]  # the fake has what the function uses
        name,
        platform=platform,
        table=TABLE,
        nametoindex=lambda n: {"en0": 4}[n],
    )


def test_windows_binds_the_interface_source_address_of_the_socket_family() -> None:
    v4, v6 = FakeSocket(), FakeSocket(socket.AF_INET6)
    assert bind(v4, "Ethernet 2", "win32") == "source address 192.0.2.7 (Ethernet 2)"
    assert v4.bound == ("192.0.2.7", 0)
    assert bind(v6, "Ethernet 2", "win32") == "source address 2001:db8::7 (Ethernet 2)"
    assert v6.bound == ("2001:db8::7", 0)  # global before link-local
    assert not v4.options


def test_windows_without_an_address_of_the_family_says_so() -> None:
    with pytest.raises(InterfaceBindError, match="'Wi-Fi' has no IPv6 address"):
        bind(FakeSocket(socket.AF_INET6), "Wi-Fi", "win32")


def test_macos_sets_ip_bound_if_by_index() -> None:
    v4, v6 = FakeSocket(), FakeSocket(socket.AF_INET6)
    assert bind(v4, "en0", "darwin") == "IP_BOUND_IF en0 (index 4)"
    assert v4.options == [(socket.IPPROTO_IP, IP_BOUND_IF, 4)]
    assert IP_BOUND_IF == 25
    assert bind(v6, "en0", "darwin") == "IPV6_BOUND_IF en0 (index 4)"
    assert v6.options == [(socket.IPPROTO_IPV6, IPV6_BOUND_IF, 4)]
    assert v4.bound is None


def test_linux_sets_so_bindtodevice_and_falls_back_to_the_address_without_privilege() -> None:
    sock = FakeSocket()
    assert bind(sock, "Wi-Fi", "linux") == "SO_BINDTODEVICE Wi-Fi"
    assert sock.options == [(socket.SOL_SOCKET, SO_BINDTODEVICE, b"Wi-Fi\0")]
    unprivileged = FakeSocket(refuse=PermissionError(1, "Operation not permitted"))
    assert bind(unprivileged, "Wi-Fi", "linux") == "source address 198.51.100.3 (Wi-Fi)"
    assert unprivileged.bound == ("198.51.100.3", 0)


def test_linux_other_refusal_is_a_clear_error() -> None:
    sock = FakeSocket(refuse=OSError(22, "Invalid argument"))
    with pytest.raises(InterfaceBindError, match=r"could not be tied to .*'en0': Invalid argument"):
        bind(sock, "en0", "linux")


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_unknown_interface_names_those_that_exist(platform: str) -> None:
    with pytest.raises(CheckFailed) as caught:
        bind(FakeSocket(), "eth9", platform)
    text = str(caught.value)
    assert "'eth9'" in text
    assert "does not exist" in text
    assert "Ethernet 2, Wi-Fi, down0, en0" in text


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_down_interface_is_refused_naming_those_up(platform: str) -> None:
    sock = FakeSocket()
    with pytest.raises(InterfaceBindError, match=r"'down0' .* is down") as caught:
        bind(sock, "down0", platform)
    assert "Ethernet 2, Wi-Fi, en0" in str(caught.value)
    assert not sock.options
    assert sock.bound is None


# ---- real Linux: a namespace behind a veth pair ------------------------------------------
_ECHO = (
    "import socket,sys\n"
    "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind((sys.argv[1],0))\n"
    "print('READY',s.getsockname()[1],flush=True)\n"
    "while True:\n"
    " d,a=s.recvfrom(2048);s.sendto(a[0].encode(),a)\n"
)


@pytest.fixture(scope="module")
def echo_lab() -> Iterator[tuple[Lab, int]]:
    reason = lab_available()
    if reason or not sys.platform.startswith("linux"):
        pytest.skip(reason or "Linux only")
    with Lab() as lab:
        _proc, port = lab.spawn(sys.executable, "-c", _ECHO, lab.ns_ip)
        yield lab, port


def _ask(sock: socket.socket, address: tuple[str, int]) -> str | None:
    """Send one datagram; the echo's answer (the source address it saw) or None in 0.5 s."""
    try:
        sock.sendto(b"who", address)
    except OSError:
        return None  # unreachable through this device: also "not carried there"
    ready, _w, _x = select.select([sock], [], [], 0.5)
    return sock.recv(256).decode() if ready else None


def test_real_bind_to_the_veth_carries_traffic_there(echo_lab: tuple[Lab, int]) -> None:
    lab, port = echo_lab
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        assert bind_to_interface(sock, lab.host_if) == f"SO_BINDTODEVICE {lab.host_if}"
        assert _ask(sock, (lab.ns_ip, port)) == lab.host_ip
        # Loopback is not on that device: bound, the socket's datagram never arrives.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as local:
            local.bind(("127.0.0.1", 0))
            with contextlib.suppress(OSError):
                sock.sendto(b"who", local.getsockname())
            assert select.select([local], [], [], 0.3)[0] == []


def test_real_bind_to_lo_cannot_reach_the_veth_address(echo_lab: tuple[Lab, int]) -> None:
    lab, port = echo_lab
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as free:
        assert _ask(free, (lab.ns_ip, port)) == lab.host_ip  # unbound, it does reach it
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        assert bind_to_interface(sock, "lo") == "SO_BINDTODEVICE lo"
        assert _ask(sock, (lab.ns_ip, port)) is None


def test_real_missing_interface_lists_the_real_ones() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
        pytest.raises(InterfaceBindError, match=r"'nosuch0' .* does not exist.* lo"),
    ):
        bind_to_interface(sock, "nosuch0")
