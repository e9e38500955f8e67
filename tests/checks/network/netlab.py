"""Network-namespace lab: a veth pair into a namespace we create, shaped with tc, lossy
with nftables. Only addresses on our own veth pair are ever used.

The host side stays in the root namespace (the check under test runs there); the servers
run inside the namespace through ``ip netns exec``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_counter = itertools.count(1)


def lab_available() -> str | None:
    """None when namespaces can be used here, else the reason they cannot."""
    if os.geteuid() != 0:
        return "network-namespace tests need root (CI runs them as root)"
    for tool in ("ip", "tc", "nft"):
        if shutil.which(tool) is None:
            return f"'{tool}' is not installed"
    return None


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a lab command (bounded: 15 s)."""
    return subprocess.run(args, capture_output=True, text=True, check=check, timeout=15)


class Lab:
    """One namespace + veth pair, removed on :meth:`close` even after failures."""

    def __init__(self) -> None:
        n = next(_counter)
        tag = f"{os.getpid() % 100000}{n}"
        self.ns = f"drlab{tag}"
        self.host_if = f"drh{tag}"[:15]
        self.ns_if = f"drn{tag}"[:15]
        used = sh("ip", "-4", "-o", "addr", "show", check=False).stdout
        octet = (os.getpid() * 7 + n) % 250 + 1
        for _ in range(250):  # another run's lab may hold this subnet: take a free one
            if f"10.213.{octet}." not in used:
                break
            octet = octet % 250 + 1
        self.host_ip = f"10.213.{octet}.1"
        self.ns_ip = f"10.213.{octet}.2"
        self.procs: list[subprocess.Popen[str]] = []
        try:
            sh("ip", "netns", "add", self.ns)
            sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            sh("ip", "link", "set", self.ns_if, "netns", self.ns)
            sh("ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            sh("ip", "link", "set", self.host_if, "up")
            sh("ip", "-n", self.ns, "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if)
            sh("ip", "-n", self.ns, "link", "set", self.ns_if, "up")
            sh("ip", "-n", self.ns, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise

    def shape(self, mbit: float, queue_ms: float = 50.0) -> None:
        """Token-bucket both directions to ``mbit`` Mbit/s (tc tbf)."""
        burst = max(16000, int(mbit * 1e6 / 8 * 0.004))  # >= 4 ms of tokens (HZ=250)
        for prefix in ((), ("ip", "netns", "exec", self.ns)):
            dev = self.host_if if not prefix else self.ns_if
            sh(
                *prefix, "tc", "qdisc", "replace", "dev", dev, "root", "tbf",
                "rate", f"{mbit}mbit", "burst", str(burst), "latency", f"{queue_ms}ms",
            )  # fmt: skip

    def udp_loss_every(self, n: int) -> None:
        """Drop every n-th UDP packet leaving the namespace (nftables, deterministic)."""
        ruleset = (
            "table inet drlab {\n chain out {\n  type filter hook output priority 0;\n"
            f"  meta l4proto udp numgen inc mod {n} 0 drop\n }}\n}}\n"
        )
        subprocess.run(
            ["ip", "netns", "exec", self.ns, "nft", "-f", "-"],
            input=ruleset, text=True, check=True, capture_output=True, timeout=15,
        )  # fmt: skip

    def udp_loss_random(self, pct: float) -> None:
        """Drop ``pct`` % of UDP packets leaving the namespace at random (nftables)."""
        ruleset = (
            "table inet drlab {\n chain out {\n  type filter hook output priority 0;\n"
            f"  meta l4proto udp numgen random mod 1000 < {round(pct * 10)} drop\n }}\n}}\n"
        )
        subprocess.run(
            ["ip", "netns", "exec", self.ns, "nft", "-f", "-"],
            input=ruleset, text=True, check=True, capture_output=True, timeout=15,
        )  # fmt: skip

    def spawn(self, *args: str) -> tuple[subprocess.Popen[str], int]:
        """Start a lab server inside the namespace; return it and the port it printed."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        self.procs.append(proc)
        return proc, read_ready(proc)

    def http_server(self, *extra: str) -> int:
        """A lab HTTP server (Mini + LibreSpeed) on the namespace address; its port."""
        return self.spawn(sys.executable, str(HERE / "lab_servers.py"), "http",
                          "--bind", self.ns_ip, *extra)[1]  # fmt: skip

    def close(self) -> None:
        """Stop our processes and delete the namespace (its veth end takes the pair)."""
        for proc in self.procs:
            stop(proc)
        sh("ip", "netns", "del", self.ns, check=False)
        sh("ip", "link", "del", self.host_if, check=False)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_ready(proc: subprocess.Popen[str], timeout: float = 10.0) -> int:
    """Wait (bounded) for a lab server's ``READY <port>`` line."""
    import select

    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([proc.stdout], [], [], deadline - time.monotonic())
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("READY "):
            return int(line.split()[1])
    stop(proc)
    raise RuntimeError("lab server did not start")


def stop(proc: subprocess.Popen[str]) -> None:
    """Terminate one process we started (then kill it if it lingers)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(3)
