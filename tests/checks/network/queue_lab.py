"""A home line with a known queue: client ── router ── server, three network namespaces.

The bottleneck queue must sit on a *router*, not on the sending host's own interface: a
Linux sender keeps only about a millisecond of each flow in its local qdisc (TCP Small
Queues), so a tbf on the server's own veth would never fill. Here the router namespace
forwards between two veth pairs and shapes both of its egress interfaces with tc tbf:
toward the client (the download direction) and toward the server (the upload direction).

A full tbf queue holds ``limit = rate · latency + burst`` bytes (iproute2's q_tbf.c), so a
packet at its tail waits ``latency + burst / rate``: :meth:`QueueLab.queue_ms`. Under a
load that keeps both queues full, a round trip is longer than on the idle line by the sum
of the two.

The client and the server use Reno by default (set per namespace): loss-based like CUBIC
on most agents' computers, which a namespace may not choose (only the host's allowed
list, reno and bbr). This host's default, BBR, fills the queue to a depth that depends
on its flow count (``bench/responsiveness.py --cc bbr``). The check under test runs
*inside* the client namespace, in a child process
(``python -m tests.checks.network.queue_lab check <json>``), so nothing in this host's own
namespace changes.

Only addresses of our own veth pairs (10.213.0.0/16) are used.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.checks.network.netlab import read_ready, sh, stop

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
_counter = itertools.count(1)


class QueueLab:
    """Three namespaces (client, router, server) and two shaped veth pairs."""

    def __init__(self, cc: str = "reno") -> None:
        """``cc``: the senders' TCP congestion control (a namespace may choose reno or
        bbr, the host's allowed list; cubic only the host itself)."""
        n = next(_counter)
        tag = f"{os.getpid() % 100000}{n}"
        self.client, self.router, self.server = (f"drq{tag}{x}" for x in "crs")
        used = sh("ip", "-4", "-o", "addr", "show", check=False).stdout
        for ns in sh("ip", "netns", "list", check=False).stdout.split():
            if ns.startswith(("drlab", "drq")):
                used += sh("ip", "-n", ns, "-4", "-o", "addr", "show", check=False).stdout
        octet = (os.getpid() * 11 + n) % 250 + 1
        for _ in range(250):  # another lab may hold this subnet: take a free one
            if f"10.213.{octet}." not in used:
                break
            octet = octet % 250 + 1
        net = f"10.213.{octet}"
        self.client_ip, self.router_a = f"{net}.1", f"{net}.2"
        self.router_b, self.server_ip = f"{net}.5", f"{net}.6"
        self.if_ca, self.if_ac = f"drq{tag}ca"[:15], f"drq{tag}ac"[:15]
        self.if_bs, self.if_sb = f"drq{tag}bs"[:15], f"drq{tag}sb"[:15]
        self.procs: list[subprocess.Popen[str]] = []
        self.rate_mbit = 0.0
        self.latency_ms = 0.0
        self.burst = 0
        try:
            for ns in (self.client, self.router, self.server):
                sh("ip", "netns", "add", ns)
                sh("ip", "-n", ns, "link", "set", "lo", "up")
            self._pair(self.if_ca, self.client, self.if_ac, self.router)
            self._pair(self.if_bs, self.router, self.if_sb, self.server)
            self._addr(self.client, self.if_ca, self.client_ip)
            self._addr(self.router, self.if_ac, self.router_a)
            self._addr(self.router, self.if_bs, self.router_b)
            self._addr(self.server, self.if_sb, self.server_ip)
            sh("ip", "-n", self.client, "route", "add", "default", "via", self.router_a)
            sh("ip", "-n", self.server, "route", "add", "default", "via", self.router_b)
            self.run(self.router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
            for ns in (self.client, self.server):
                self.run(ns, "sysctl", "-q", "-w", f"net.ipv4.tcp_congestion_control={cc}")
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _pair(a: str, ns_a: str, b: str, ns_b: str) -> None:
        sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
        sh("ip", "link", "set", a, "netns", ns_a)
        sh("ip", "link", "set", b, "netns", ns_b)
        sh("ip", "-n", ns_a, "link", "set", a, "up")
        sh("ip", "-n", ns_b, "link", "set", b, "up")

    @staticmethod
    def _addr(ns: str, dev: str, ip: str) -> None:
        sh("ip", "-n", ns, "addr", "add", f"{ip}/30", "dev", dev)

    @staticmethod
    def run(ns: str, *args: str) -> subprocess.CompletedProcess[str]:
        """A command inside namespace ``ns`` (bounded like every lab command)."""
        return sh("ip", "netns", "exec", ns, *args)

    def shape(self, mbit: float, latency_ms: float, burst: int = 4000) -> None:
        """tbf on both router egresses: ``mbit`` Mbit/s, a queue of ``latency_ms``."""
        self.rate_mbit, self.latency_ms, self.burst = mbit, latency_ms, burst
        for dev in (self.if_ac, self.if_bs):
            self.run(
                self.router, "tc", "qdisc", "replace", "dev", dev, "root", "tbf",
                "rate", f"{mbit}mbit", "burst", str(burst), "latency", f"{latency_ms}ms",
            )  # fmt: skip

    def queue_ms(self) -> float:
        """The delay of a full queue in one direction: latency + burst / rate."""
        return self.latency_ms + self.burst * 8 / (self.rate_mbit * 1e6) * 1000.0

    def counters(self) -> dict[str, tuple[int, int]]:
        """Per router queue: (bytes waiting now, bytes sent so far), the kernel's tbf
        counters (``tc -s qdisc``)."""
        out = self.run(self.router, "tc", "-s", "qdisc", "show").stdout
        found: dict[str, tuple[int, int]] = {}
        dev = None
        sent = 0
        for line in out.splitlines():
            head = re.match(r"qdisc tbf \S+ dev (\S+)", line)
            if head:
                dev = head.group(1)
            sent_match = re.search(r"Sent (\d+) bytes", line)
            if sent_match:
                sent = int(sent_match.group(1))
            counted = re.search(r"backlog (\d+)b", line)
            if counted and dev is not None:
                found[dev] = (int(counted.group(1)), sent)
                dev = None
        return found

    def sample_queues(self, every_s: float = 0.05) -> QueueSampler:
        """Start sampling both queues' backlog in a thread (stop it with ``.stop()``)."""
        return QueueSampler(self, every_s)

    def spawn_server(self, *args: str) -> tuple[subprocess.Popen[str], int]:
        """A server in the server namespace; it and the port from its ``READY`` line."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.server, *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
        )  # fmt: skip
        self.procs.append(proc)
        return proc, read_ready(proc)

    def hub(self, db_url: str) -> int:
        """The hub's measurement servers (``python -m deskready.hub.measure``) on free
        ports of the server address; the HTTP port."""
        return self.spawn_server(
            sys.executable, "-m", "deskready.hub.measure", "--db", db_url,
            "--host", self.server_ip, "--port", "0", "--stun-port", "0",
            "--cap", str(1 << 40),
        )[1]  # fmt: skip

    def check(self, settings: dict[str, object], timeout: float = 60.0) -> dict[str, object]:
        """Run the real responsiveness check in the client namespace; its values,
        details and messages as JSON (or ``{"error": message}``)."""
        out = subprocess.run(
            ["ip", "netns", "exec", self.client, sys.executable, "-m",
             "tests.checks.network.queue_lab", "check", json.dumps(settings)],
            capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        )  # fmt: skip
        if out.returncode != 0:
            raise RuntimeError(f"check process failed: {out.stderr[-2000:]}")
        result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
        return result

    def close(self) -> None:
        """Stop our servers and delete the namespaces (their veth ends go with them)."""
        for proc in self.procs:
            stop(proc)
        for ns in (self.client, self.router, self.server):
            sh("ip", "netns", "del", ns, check=False)

    def __enter__(self) -> QueueLab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class QueueSampler:
    """What each router queue held, sampled until :meth:`stop`:
    ``(monotonic time, download backlog, download sent, upload backlog, upload sent)``,
    in bytes.

    :meth:`mean_ms` turns a window of them into the delay a packet arriving then waited:
    the mean backlog divided by the rate the queue actually drained at (bytes sent over
    the window). Not the configured rate: on a busy machine tbf's timer fires late now
    and then, its small bucket overflows and the link carries less than it was set to.
    ``time.monotonic`` is one clock for every process on the host, namespaces included,
    so the times line up with the child process's.
    """

    def __init__(self, lab: QueueLab, every_s: float) -> None:
        self.lab = lab
        self.samples: list[tuple[float, int, int, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(every_s,), daemon=True)
        self._thread.start()

    def _loop(self, every_s: float) -> None:
        deadline = time.monotonic() + 120.0  # bounded whatever happens to the test
        while not self._stop.is_set() and time.monotonic() < deadline:
            queues = self.lab.counters()
            down = queues.get(self.lab.if_ac)
            up = queues.get(self.lab.if_bs)
            if down is not None and up is not None:  # a reading missing a queue is dropped
                self.samples.append((time.monotonic(), down[0], down[1], up[0], up[1]))
            self._stop.wait(every_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def mean_ms(self, start: float, end: float) -> tuple[float, float]:
        """Mean queueing delay (download, upload) in ms over ``[start, end]``."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            raise ValueError("fewer than two queue samples in that window")
        seconds = inside[-1][0] - inside[0][0]
        delays = []
        for backlog, sent in ((1, 2), (3, 4)):
            rate = (inside[-1][sent] - inside[0][sent]) / seconds  # bytes/s drained
            held = sum(s[backlog] for s in inside) / len(inside)
            delays.append(1000.0 * held / rate if rate > 0 else 0.0)
        return delays[0], delays[1]


def _check_main(settings_json: str) -> int:
    """Child process: run the check once and print one JSON line."""
    from deskready.checks.api import CheckContext, CheckFailed
    from deskready.checks.network.responsiveness_check import ResponsivenessCheck

    settings = json.loads(settings_json)
    started = time.monotonic()
    rated: list[list[float]] = []  # [monotonic time, rpm] of every interval with a figure

    def progress(_fraction: object, _message: str, live: dict[str, float]) -> None:
        if "rpm" in live:
            rated.append([time.monotonic(), live["rpm"]])

    context = CheckContext(settings=settings, time_budget_s=45.0, progress=progress)  # type: ignore[arg-type]
    try:
        m = ResponsivenessCheck().run(context)
    except CheckFailed as exc:
        print(json.dumps({"error": str(exc), "seconds": time.monotonic() - started}))
        return 0
    print(
        json.dumps(
            {
                "values": m.values,
                "details": m.details,
                "messages": m.messages,
                "seconds": time.monotonic() - started,
                "rated": rated,
            }
        )
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(_check_main(sys.argv[2]))
    sys.exit("usage: python -m tests.checks.network.queue_lab check <settings-json>")
