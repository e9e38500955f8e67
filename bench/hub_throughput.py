"""Aggregate download one hub measurement server serves on loopback, and its CPU cost.

Usage: .venv/bin/python bench/hub_throughput.py [--seconds 5] [--streams 4]

Starts the hub's measurement servers (``python -m deskready.hub.measure``, the same code
``deskready hub serve`` runs) as a process of their own, on 127.0.0.1 with a SQLite
database and one session, and a **baseline** server in another process: a bare
``socket.sendall`` loop answering the same request with the same number of bytes (no h11,
no ``TCP_INFO``, no recording). Four client threads in this process then download
``garbage.php?ckSize=100`` over and over from each in turn for ``--seconds``.

Printed per server: Gbit/s of payload read by the clients, the server process's CPU
seconds (``/proc/<pid>/stat`` utime + stime), and CPU seconds per second per 100 Mbit/s —
the share of one core that 100 Mbit/s of measurement costs, which tells how many agents
testing at once one hub process serves. Goal (issue 15): ≥ 1 Gbit/s with 4 streams.
Linux only (``/proc``). Loopback: the clients share the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from deskready.hub.models import Base, Invite, MeasureSession, SpecFile  # noqa: E402

MIB = 1 << 20
CK_MIB = 100

BASELINE = r"""
import os, socket, sys, threading
BUF = os.urandom(8 << 20)
def serve(c):
    try:
        while True:
            head = b""
            while b"\r\n\r\n" not in head:
                d = c.recv(65536)
                if not d:
                    return
                head += d
            size = 100 << 20
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
            view = memoryview(BUF)
            left = size
            while left:
                n = min(left, 1 << 20)
                c.sendall(view[:n])
                left -= n
    except OSError:
        pass
    finally:
        c.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(64)
print("READY", s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (proc(5): fields 14 and 15, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ready_port(proc: subprocess.Popen[str]) -> int:
    assert proc.stdout is not None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("READY "):
            return int(line.split()[1])
        if not line:
            break
    raise RuntimeError("server did not start")


def download(port: int, path: str, seconds: float, streams: int) -> int:
    """Bytes ``streams`` threads read in ``seconds`` (requests repeated on keep-alive)."""
    totals = [0] * streams
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        buf = bytearray(MIB)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            while time.monotonic() < stop:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
                head = b""
                while b"\r\n\r\n" not in head:
                    head += s.recv(4096)
                head, _sep, rest = head.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                got = len(rest)
                totals[i] += got
                while got < length and time.monotonic() < stop:
                    n = s.recv_into(buf)
                    if not n:
                        return
                    got += n
                    totals[i] += n
                if got < length:
                    return

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(streams)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 10)
    return sum(totals)


def measure(
    name: str, proc: subprocess.Popen[str], port: int, path: str, args: argparse.Namespace
) -> dict[str, float]:
    download(port, path, 0.5, args.streams)  # warm up
    cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
    moved = download(port, path, args.seconds, args.streams)
    elapsed = time.monotonic() - t0
    cpu = cpu_seconds(proc.pid) - cpu0
    mbps = moved * 8 / elapsed / 1e6
    return {"gbps": mbps / 1000, "cpu_s": cpu, "elapsed": elapsed,
            "cpu_per_100": cpu / elapsed / (mbps / 100) if mbps else float("nan")}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--streams", type=int, default=4)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="drbench"))
    url = f"sqlite:///{folder / 'hub.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with sessionmaker(engine)() as db:
        spec = SpecFile(name="bench", sha256="0" * 64, content=b"")
        db.add(spec)
        db.flush()
        invite = Invite(code_hash="b" * 64, agent_id="BENCH", spec_id=spec.id,
                        expires_at=datetime.now(UTC) + timedelta(days=1))  # fmt: skip
        db.add(invite)
        db.flush()
        db.add(MeasureSession(id="bench", invite_id=invite.id, nonce="n" * 64,
                              expires_at=datetime.now(UTC) + timedelta(hours=1)))  # fmt: skip
        db.commit()
    hub = subprocess.Popen(
        [sys.executable, "-m", "deskready.hub.measure", "--db", url, "--cap", str(1 << 50)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = subprocess.Popen([sys.executable, "-c", BASELINE], stdout=subprocess.PIPE, text=True)
    try:
        rows = {
            "hub (h11 + TCP_INFO)": measure(
                "hub", hub, ready_port(hub), f"/m/bench/garbage.php?ckSize={CK_MIB}", args
            ),
            "baseline (sendall)": measure("baseline", base, ready_port(base), "/", args),
        }
    finally:
        for proc in (hub, base):
            proc.terminate()
            proc.wait(10)
    print(f"{args.streams} streams, {args.seconds:.0f} s each, loopback, {os.cpu_count()} CPUs")
    print(f"{'server':<22} {'Gbit/s':>8} {'CPU s':>7} {'CPU s/s per 100 Mbit/s':>24}")
    for name, row in rows.items():
        print(f"{name:<22} {row['gbps']:>8.2f} {row['cpu_s']:>7.2f} {row['cpu_per_100']:>24.4f}")
    goal = rows["hub (h11 + TCP_INFO)"]["gbps"] >= 1.0
    print(f"goal ≥ 1 Gbit/s with 4 streams: {'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
