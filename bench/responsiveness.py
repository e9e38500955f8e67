"""Responsiveness (RPM, added latency, grade) beside the queue built into the link.

    sudo .venv/bin/python bench/responsiveness.py            # 20 Mbit/s, 5 queue sizes, ~1 min
    sudo .venv/bin/python bench/responsiveness.py --rate 5 --latency 50 200
    sudo .venv/bin/python bench/responsiveness.py --cc bbr    # senders that pace themselves

Each row is one run of the real ``responsiveness`` check in a client namespace, through a
router namespace whose two egresses are shaped by tc tbf, to the hub's measurement server
in a server namespace (tests/checks/network/queue_lab.py). Beside the check's figure:

* **full**: the configured depth of both queues, ``2 · (latency + burst / rate)``: the
  most a round trip can wait;
* **kernel**: the baseline, measured in the same run: what the two tbf queues actually
  held (the kernel's backlog counter, sampled every 50 ms, over the rate each drained at)
  over the window the check's final figure comes from. A loss-based sender backs off at every drop, so this is about
  half of *full*; it is what a probe meets.

``responsiveness_rows()`` is importable (``bench/network_accuracy.py`` may print these rows
in its own report). Nothing leaves the machine: only our own veth addresses are used.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskready.checks.network import responsiveness_math as rm  # noqa: E402
from tests.checks.network.netlab import lab_available, stop  # noqa: E402
from tests.checks.network.queue_lab import QueueLab  # noqa: E402
from tests.hub.test_measure import make_db  # noqa: E402

LATENCIES = (5.0, 20.0, 50.0, 100.0, 200.0)
HEADER = (
    "rate  queue | full (2 dirs) | kernel: held | check: added   err  | idle  |  RPM  "
    "class     grade conf   | wall"
)


def one_row(mbit: float, latency_ms: float, seconds: float = 10.0, cc: str = "reno") -> str:
    """One shaped link in a lab of its own, one run of the check, one table row."""
    with QueueLab(cc) as lab:
        return row_in(lab, mbit, latency_ms, seconds)


def row_in(lab: QueueLab, mbit: float, latency_ms: float, seconds: float = 10.0) -> str:
    """Shape ``lab`` to ``mbit`` and a queue of ``latency_ms``, run the check once, and
    return the table row (with a hub of its own, stopped before its database goes)."""
    with tempfile.TemporaryDirectory() as tmp:
        mdb = make_db(Path(tmp))
        sid = mdb.new_session(f"bench{latency_ms:g}")
        lab.shape(mbit, latency_ms)
        ours = len(lab.procs)
        port = lab.hub(mdb.url)
        sampler = lab.sample_queues()
        started = time.monotonic()
        try:
            result: Any = lab.check(
                {"backend": "librespeed", "server": f"http://{lab.server_ip}:{port}/m/{sid}/",
                 "max_seconds": seconds},
                timeout=seconds + 40,
            )  # fmt: skip
        finally:
            sampler.stop()
            for proc in lab.procs[ours:]:
                stop(proc)
        wall = time.monotonic() - started
        full = 2 * lab.queue_ms()
        head = f"{mbit:4g}M {latency_ms:4g}ms | {full:8.1f} ms   |"
        if "error" in result:
            return f"{head} error: {result['error']}"
        rated = result["rated"]
        end = rated[-1][0] if rated else time.monotonic()
        down, up = sampler.mean_ms(end - rm.MAD * 0.5, end)
        kernel = down + up
        d = result["details"]
        v = result["values"]
        added = d["added_ms"]
        error = 100.0 * (added - kernel) / kernel if kernel > 0 else float("nan")
        return (
            f"{head} {kernel:8.1f} ms  | {added:8.1f} ms {error:+5.1f}% | {d['idle']['ms']:5.2f} | "
            f"{v['network.rpm']:6d} {d['rpm_class']:9s} {v['network.bufferbloat_grade']:5s} "
            f"{d['confidence']:6s} | {wall:4.1f}s"
        )


def responsiveness_rows(
    lab: QueueLab | None = None,
    rates: tuple[float, ...] = (20.0,),
    latencies: tuple[float, ...] = LATENCIES,
    cc: str = "reno",
) -> list[str]:
    """The table's lines (header first), for ``bench/network_accuracy.py`` or this file.

    ``lab`` is a :class:`QueueLab` to reshape for every row (None: each row builds and
    removes its own, with ``cc`` senders). It cannot be netlab's two-namespace ``Lab``:
    there the queue sits on the sending host's own interface, which TCP Small Queues
    keeps nearly empty, so no row would show the queue it was given.
    """
    rows = [HEADER]
    for mbit in rates:
        for latency in latencies:
            if lab is None:
                rows.append(one_row(mbit, latency, cc=cc))
            else:
                rows.append(row_in(lab, mbit, latency))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, nargs="+", default=[20.0], help="Mbit/s")
    parser.add_argument("--latency", type=float, nargs="+", default=list(LATENCIES), help="ms")
    parser.add_argument(
        "--cc", choices=("reno", "bbr"), default="reno", help="the senders' congestion control"
    )
    args = parser.parse_args()
    reason = lab_available()
    if reason:
        sys.exit(f"cannot build the lab: {reason}")
    print(f"responsiveness vs the router's queue ({args.cc} senders, tbf burst 4000 B, 10 s cap)")
    print(HEADER, flush=True)
    for mbit in args.rate:
        for latency in args.latency:
            print(one_row(mbit, latency, cc=args.cc), flush=True)


if __name__ == "__main__":
    main()
