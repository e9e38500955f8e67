"""Call quality by direction against the hub, with loss injected one way (root only).

    sudo .venv/bin/python bench/call_directions.py            # 10 s calls, ~2 minutes
    sudo .venv/bin/python bench/call_directions.py --seconds 30

For each case a fresh network namespace holds the hub's measurement servers (``python -m
deskready.hub.measure``); the agent's real call-quality check runs outside it, across the
veth pair. nftables drops a share of the UDP packets at random, upstream (arriving at the
hub) or downstream (leaving it, after the hub's ``sendto``), and counts what it dropped
and what crossed each way. The baseline in the same run is that count: the share of the
packets that went that way and were dropped. The table shows it beside what the check
read each way, and beside the round trip, which is all a client sees without the hub.
Packet sizes are nftables' byte counts per packet (IP datagram).
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

from deskready.checks.api import CheckContext  # noqa: E402
from deskready.checks.network.call_quality_check import CallQualityCheck  # noqa: E402
from deskready.checks.network.upstream_check import HubObservations  # noqa: E402
from deskready.hub.measure.summary import answered_probes  # noqa: E402
from tests.checks.network.netlab import Lab, lab_available  # noqa: E402
from tests.checks.network.udp_lab import (  # noqa: E402
    count_udp,
    drop_udp_random,
    udp_counts,
    udp_dropped,
)
from tests.hub.test_measure import MeasureDB, make_db  # noqa: E402

CASES = (
    ("none", 0.0),
    ("upstream", 1.0),
    ("upstream", 3.0),
    ("upstream", 5.0),
    ("downstream", 1.0),
    ("downstream", 3.0),
    ("downstream", 5.0),
)
STUN_PORT = 3478


class DatabaseObservations(HubObservations):
    """The hub's ``/observed?stun=true`` answer, read from its database directly."""

    def __init__(self, mdb: MeasureDB) -> None:
        self.mdb = mdb

    def fetch(
        self, hub_url: str, session: str, timeout: float, *, stun: bool = False
    ) -> dict[str, Any]:
        with self.mdb.sessions() as db:
            return {"observed": {}, "stun": answered_probes(db, session)}


def one_case(direction: str, pct: float, seconds: float, folder: Path) -> str:
    mdb = make_db(folder)
    sid = mdb.new_session("bench")
    with Lab() as lab:
        lab.spawn(
            sys.executable, "-m", "deskready.hub.measure", "--db", mdb.url,
            "--host", lab.ns_ip, "--stun-port", str(STUN_PORT),
        )  # fmt: skip
        count_udp(lab)
        if direction != "none":
            drop_udp_random(lab, pct, direction)
        ctx = CheckContext(
            settings={
                "stun_servers": [f"{lab.ns_ip}:{STUN_PORT}"],
                "duration_s": seconds,
                "stun_username": sid,
                "hub_url": "http://127.0.0.1:9",
            },
            adapters={HubObservations: DatabaseObservations(mdb)},
            time_budget_s=seconds + 20,
        )
        started = time.monotonic()
        m = CallQualityCheck().run(ctx)
        wall = time.monotonic() - started
        counts = udp_counts(lab)
        truth = 0.0
        if direction != "none":
            truth = 100.0 * udp_dropped(lab, direction) / max(1, counts[direction][0])
    up, down = m.details["upstream"], m.details["downstream"]
    size_up = counts["upstream"][1] / max(1, counts["upstream"][0])
    size_down = counts["downstream"][1] / max(1, counts["downstream"][0])
    return (
        f"{direction:>10} {pct:4.1f} % | {truth:6.2f} % | {up['loss_pct']:6.2f} % "
        f"{down['loss_pct']:6.2f} % | {m.values['network.loss_pct']:6.2f} % | "
        f"{up['jitter_ms']:5.2f} {down['jitter_ms']:5.2f} {m.values['network.jitter_ms']:5.2f} | "
        f"{size_up:5.1f} {size_down:5.1f} | {m.details['probes_sent']:5d} {wall:5.1f}s"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each test call")
    args = parser.parse_args()
    reason = lab_available()
    if reason:
        print(f"cannot run: {reason}")
        return 2
    print(
        "   dropped (set)  | nft: share | measured up   down | round trip | "
        "jitter up down rtt (ms) | bytes/pkt up down | sent  wall"
    )
    for direction, pct in CASES:
        with tempfile.TemporaryDirectory(prefix="drcq") as folder:
            print(one_case(direction, pct, args.seconds, Path(folder)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
