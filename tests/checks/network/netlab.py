"""Network-namespace lab: a veth pair into a namespace we create, shaped with tc, lossy
with nftables. Only addresses on our own veth pair are ever used.

The host side stays in the root namespace (the check under test runs there); the servers
run inside the namespace through ``ip netns exec``.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_counter = itertools.count(1)


def lab_available() -> str | None:
    """None when namespaces can be used here, else the reason they cannot."""
    if os.geteuid() != 0:
        return "network-namespace tests need root (CI runs them as root)"
    for tool in ("ip", "tc", "nft", "iptables"):
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
        self.rtt_ms = 0.0  # added by :meth:`delay`
        self.lossy = False
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

    def delay(self, rtt_ms: float) -> None:
        """Add ``rtt_ms`` to the round trip: every packet *arriving* in the namespace (upload
        data, download ACKs) is held that long by :mod:`nfdelay` (NFQUEUE; this kernel has
        no netem). Not the packets leaving it: a sender's own packets held inside its host
        stay charged to its socket, and TCP Small Queues then throttles it to ~1 ms of
        data per round trip. Loss rules run first (priority -10): a dropped packet is
        never queued."""
        if rtt_ms <= 0:
            return
        self.rtt_ms = rtt_ms
        queue = 40 + next(_counter) % 200
        self.spawn(sys.executable, str(HERE / "nfdelay.py"), "--queue", str(queue),
                   "--delay-ms", str(rtt_ms))  # fmt: skip
        # nftables' own "queue" statement is not built into this kernel (NFT_QUEUE off);
        # iptables' NFQUEUE target is (through nftables' xtables compatibility)
        sh("ip", "netns", "exec", self.ns, "iptables", "-A", "INPUT", "-j", "NFQUEUE",
           "--queue-num", str(queue))  # fmt: skip

    def tcp_loss_random(self, pct: float) -> None:
        """Drop ``pct`` % of the TCP packets of each direction at random, and count them.

        Download data (namespace → host) is dropped in the namespace's *output* hook, before
        its tbf, so tc never counts it; upload data (host → namespace) in the namespace's
        *input* hook, after the host's tbf, so tc counted it and :meth:`dropped_payload`
        says how much to take off (nftables counters, IP bytes)."""
        per_mille = round(pct * 10)
        ruleset = (
            "table inet drtcp {\n"
            " chain out {\n  type filter hook output priority -10;\n"
            f"  meta l4proto tcp numgen random mod 1000 < {per_mille} counter drop\n }}\n"
            " chain in {\n  type filter hook input priority -10;\n"
            f"  meta l4proto tcp numgen random mod 1000 < {per_mille} counter drop\n }}\n}}\n"
        )
        subprocess.run(
            ["ip", "netns", "exec", self.ns, "nft", "-f", "-"],
            input=ruleset, text=True, check=True, capture_output=True, timeout=15,
        )  # fmt: skip
        self.lossy = True

    def dropped_payload(self) -> int:
        """TCP payload bytes the upload-direction loss rule dropped so far (0 without it)."""
        if not self.lossy:
            return 0
        out = sh("ip", "netns", "exec", self.ns, "nft", "-j", "list", "chain", "inet",
                 "drtcp", "in").stdout  # fmt: skip
        for item in json.loads(out).get("nftables", []):
            for expr in item.get("rule", {}).get("expr", []):
                if "counter" in expr:
                    counter = expr["counter"]
                    return int(counter["bytes"]) - int(counter["packets"]) * IP_TCP_HEADERS
        return 0

    def tbf_counters(self, download: bool) -> tuple[int, int]:
        """(bytes, packets) the tbf of one direction has sent (download: namespace → host)."""
        prefix = ("ip", "netns", "exec", self.ns) if download else ()
        dev = self.ns_if if download else self.host_if
        out = sh(*prefix, "tc", "-s", "-j", "qdisc", "show", "dev", dev).stdout
        for qdisc in json.loads(out):
            if qdisc.get("kind") == "tbf":
                return int(qdisc["bytes"]), int(qdisc["packets"])
        raise RuntimeError(f"no tbf on {dev}")

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


#: IPv4 (20) + TCP with the timestamp option (32) bytes per packet; + Ethernet (14) in tc
IP_TCP_HEADERS = 52
WIRE_HEADERS = 14 + IP_TCP_HEADERS


class LinkMeter:
    """What the shaped link carried, from tc's own byte counters, sampled in a thread.

    ``tbf`` counts every frame it sends: payload = bytes − packets × 66 (Ethernet + IPv4 +
    TCP with timestamps; a GSO burst is counted per segment). Between two samples the
    counter is interpolated linearly; samples are :data:`PERIOD_S` apart, so a window of
    seconds is known to a fraction of a percent. Use as a context manager around the
    measurement.
    """

    PERIOD_S = 0.05

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.samples: dict[bool, list[tuple[float, int]]] = {True: [], False: []}
        self.dropped: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="linkmeter", daemon=True)

    def _sample(self) -> None:
        for download in (True, False):
            before = time.monotonic()
            sent, packets = self.lab.tbf_counters(download)
            at = (before + time.monotonic()) / 2
            self.samples[download].append((at, sent - packets * WIRE_HEADERS))
        if self.lab.lossy:
            before = time.monotonic()
            lost = self.lab.dropped_payload()
            self.dropped.append(((before + time.monotonic()) / 2, lost))

    def _run(self) -> None:
        deadline = time.monotonic() + 120  # bounded, whatever the test does
        while not self._stop.is_set() and time.monotonic() < deadline:
            self._sample()
            self._stop.wait(self.PERIOD_S)

    def __enter__(self) -> LinkMeter:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sample()

    def mbps(self, download: bool, opened: float, closed: float) -> float:
        """Payload Mbit/s the link delivered in ``[opened, closed]`` (monotonic times).

        Upload data is held by :meth:`Lab.delay` *after* tbf counted it, so it arrives
        ``rtt_ms`` later than tc says: the window is moved back by that much."""
        if not download:
            opened, closed = opened - self.lab.rtt_ms / 1000, closed - self.lab.rtt_ms / 1000
        carried = _at(self.samples[download], closed) - _at(self.samples[download], opened)
        if not download and self.dropped:  # dropped after tbf counted them
            carried -= _at(self.dropped, closed) - _at(self.dropped, opened)
        return carried * 8 / (closed - opened) / 1e6


def _at(samples: list[tuple[float, int]], t: float) -> float:
    """A sampled counter at ``t``, linear between samples."""
    times = [s[0] for s in samples]
    i = bisect.bisect_left(times, t)
    if i <= 0:
        return float(samples[0][1])
    if i >= len(samples):
        return float(samples[-1][1])
    (t0, v0), (t1, v1) = samples[i - 1], samples[i]
    return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else float(v1)


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
