"""Fixtures for the network tests: real servers on loopback, coturn, the delay relay.

Nothing here ever contacts an address other than loopback or the namespaces a test
creates; the default public STUN servers and speedtest.net are never used.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deskready.checks.network.adapters import ROUTE_PROBES, NetAdapter
from deskready.checks.network.speedtest_backend import SpeedtestDirectory
from deskready.checks.network.stun import binding_request, new_transaction_id
from tests.checks.network.netlab import HERE, Lab, lab_available, read_ready, stop

DATA = HERE.parents[1] / "data" / "network"

# ---- guard: these tests may only talk to loopback and the namespaces they create --------
_ALLOWED = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
    ipaddress.ip_network("10.213.0.0/16"),  # netlab's veth pairs
)
_ROUTE_ONLY = {address for address, _family in ROUTE_PROBES}  # UDP connect: sends nothing
_violations: list[str] = []
_guarding = False


def _allowed_host(host: object) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like
    if host in {"localhost", ""}:
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False  # a name: resolving it could send a DNS query
    return any(address in net for net in _ALLOWED)


def _guard(event: str, args: tuple[object, ...]) -> None:
    if not _guarding:
        return
    if event in {"socket.connect", "socket.sendto"}:
        sock, address = args[0], args[1]
        if not isinstance(address, tuple):
            return
        host = address[0]
        is_udp = getattr(sock, "type", None) == socket.SOCK_DGRAM
        if event == "socket.connect" and is_udp and host in _ROUTE_ONLY:
            return
        if not _allowed_host(host):
            _violations.append(f"{event} to {address}")
    elif event == "socket.getaddrinfo" and not _allowed_host(args[0]):
        _violations.append(f"name lookup of {args[0]!r}")


sys.addaudithook(_guard)


@pytest.fixture(autouse=True)
def _only_local_traffic() -> Iterator[None]:
    """Fail any test that tried to reach an address outside loopback and our labs."""
    global _guarding
    _violations.clear()
    _guarding = True
    try:
        yield
    finally:
        _guarding = False
    assert not _violations, f"traffic outside the lab: {_violations}"


def spawn(*args: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "lab_servers.py"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return proc, read_ready(proc)


@pytest.fixture(scope="session")
def http_server() -> Iterator[str]:
    """Base URL of a healthy lab HTTP server on 127.0.0.1."""
    proc, port = spawn("http", "--bind", "127.0.0.1")
    yield f"http://127.0.0.1:{port}"
    stop(proc)


@pytest.fixture
def faulty_server() -> Iterator[Callable[[str], str]]:
    """Factory: base URL of a lab server with one fault (403, stall, reset, empty-list)."""
    procs: list[subprocess.Popen[str]] = []

    def make(fault: str) -> str:
        proc, port = spawn("http", "--bind", "127.0.0.1", "--fault", fault)
        procs.append(proc)
        return f"http://127.0.0.1:{port}"

    yield make
    for proc in procs:
        stop(proc)


def directory_for(base: str) -> SpeedtestDirectory:
    """A speedtest.net directory adapter pointing at a lab server."""

    class LabDirectory(SpeedtestDirectory):
        config_url = f"{base}/speedtest-config.php"
        servers_url = f"{base}/speedtest-servers-static.php"

    return LabDirectory()


class RecordingNet(NetAdapter):
    """The real adapter, recording every host it is asked to connect to."""

    def __init__(self) -> None:
        self.hosts: list[tuple[str, int]] = []

    def connect(self, host: str, port: int, timeout: float) -> socket.socket:
        self.hosts.append((host, port))
        return super().connect(host, port, timeout)


def _free_udp_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_coturn(prefix: list[str], hosts: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    """Debian's coturn as a plain STUN server on ``hosts``; waits until it answers."""
    port = _free_udp_port(hosts[0]) if not prefix else 3478
    tmp = tempfile.mkdtemp(prefix="drstun")
    # --no-tcp: STUN over UDP is all we test, and the port was only checked free for UDP;
    # a TCP listener on it can hit "address in use" and make coturn retry forever.
    args = [
        *prefix,
        "turnserver",
        "-n",
        "-S",
        "-z",
        "--no-cli",
        "--no-tls",
        "--no-dtls",
        "--no-tcp",
    ]
    for host in hosts:
        args += ["-L", host]
    args += ["-p", str(port), "--log-file", f"{tmp}/log", "--simple-log"]
    args += ["--pidfile", f"{tmp}/pid", "--userdb", f"{tmp}/db", "--no-stdout-log"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    weakref.finalize(proc, shutil.rmtree, tmp, True)  # its log, pid and db go with it
    try:
        _wait_stun(hosts[0], port)
    except BaseException:
        proc.kill()
        proc.wait(5)
        raise
    return proc, port


def _wait_stun(host: str, port: int, timeout: float = 8.0) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    deadline = time.monotonic() + timeout
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                s.sendto(binding_request(new_transaction_id()), (host, port))
                s.recv(2048)
                return
            except OSError:
                time.sleep(0.1)
    raise RuntimeError("coturn did not answer")


@pytest.fixture(scope="session")
def coturn() -> Iterator[int]:
    """Port of a coturn STUN server listening on 127.0.0.1 and ::1."""
    if subprocess.run(["which", "turnserver"], capture_output=True).returncode:
        pytest.skip("coturn (turnserver) is not installed")
    proc, port = start_coturn([], ["127.0.0.1", "::1"])
    yield port
    proc.terminate()
    proc.wait(5)


@pytest.fixture
def relay(coturn: int) -> Iterator[Callable[..., int]]:
    """Factory: port of a UDP relay in front of coturn adding delay/jitter/loss."""
    procs: list[subprocess.Popen[str]] = []

    def make(delay_ms: float = 0.0, jitter_ms: float = 0.0, loss_every: int = 0) -> int:
        proc, port = spawn(
            "relay",
            "--upstream", f"127.0.0.1:{coturn}",
            "--delay-ms", str(delay_ms),
            "--jitter-ms", str(jitter_ms),
            "--loss-every", str(loss_every),
        )  # fmt: skip
        procs.append(proc)
        return port

    yield make
    for proc in procs:
        stop(proc)


@pytest.fixture
def lab() -> Iterator[Lab]:
    """A fresh namespace lab (skipped, with the reason printed, when not root)."""
    reason = lab_available()
    if reason:
        print(f"SKIP netns: {reason}")
        pytest.skip(reason)
    with Lab() as made:
        yield made


@pytest.fixture
def data_dir() -> Path:
    return DATA
