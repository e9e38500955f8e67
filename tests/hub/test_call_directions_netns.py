"""Call quality by direction against the hub's real measurement server (root only).

The hub's servers run inside a network namespace (``python -m deskready.hub.measure``),
the agent's real call-quality check in the root namespace across the veth pair. nftables
drops every 10th UDP packet one way only; the check must read that loss in that direction
(±1 point) and none the other way, and the packets must be voice-sized on the wire both
ways: 172 bytes of STUN (G.711's 160 + RTP's 12) in a 200-byte IPv4 datagram.

The hub's answered list is read from its database with the function the API serves it
with (``summary.answered_probes``); the HTTP endpoint itself is tested in test_measure.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("h11", reason="the hub extra is not installed")

from deskready.checks.api import CheckContext
from deskready.checks.network.call_quality_check import CallQualityCheck
from deskready.checks.network.stun import IPV4_UDP_OVERHEAD, VOICE_PAYLOAD_BYTES
from deskready.checks.network.upstream_check import HubObservations
from deskready.hub.measure.summary import answered_probes
from tests.checks.network.conftest import lab  # noqa: F401  (the fixture)
from tests.checks.network.netlab import Lab
from tests.checks.network.udp_lab import count_udp, drop_udp_every, udp_counts
from tests.hub.test_measure import MeasureDB, make_db

pytestmark = pytest.mark.netns

STUN_PORT = 3478
#: 3 s of 20 ms packets: 150, so every 10th dropped is 15 (10 %) whatever the phase
DURATION_S = 3.0


class DatabaseObservations(HubObservations):
    """The hub's answer to ``/observed?stun=true``, read from its database directly."""

    def __init__(self, mdb: MeasureDB) -> None:
        self.mdb = mdb
        self.asked: list[tuple[str, bool]] = []

    def fetch(
        self, hub_url: str, session: str, timeout: float, *, stun: bool = False
    ) -> dict[str, Any]:
        self.asked.append((session, stun))
        with self.mdb.sessions() as db:
            return {"observed": {}, "stun": answered_probes(db, session)}


def run_call(lab: Lab, mdb: MeasureDB, sid: str, **settings: Any) -> Any:  # noqa: F811
    hub = DatabaseObservations(mdb)
    ctx = CheckContext(
        settings={
            "stun_servers": [f"{lab.ns_ip}:{STUN_PORT}"],
            "duration_s": DURATION_S,
            "stun_username": sid,
            "hub_url": "http://127.0.0.1:9",  # never contacted: the adapter above answers
            **settings,
        },
        adapters={HubObservations: hub},
        time_budget_s=30,
    )
    measured = CallQualityCheck().run(ctx)
    assert hub.asked == [(sid, True)]
    return measured


@pytest.fixture
def hub_lab(lab: Lab, tmp_path: Path) -> tuple[Lab, MeasureDB]:  # noqa: F811
    mdb = make_db(tmp_path)
    lab.spawn(
        sys.executable, "-m", "deskready.hub.measure", "--db", mdb.url, "--host", lab.ns_ip,
        "--stun-port", str(STUN_PORT),
    )  # fmt: skip
    return lab, mdb


@pytest.mark.parametrize("lossy", ["upstream", "downstream"])
def test_loss_is_read_in_the_direction_it_happens(
    hub_lab: tuple[Lab, MeasureDB], lossy: str
) -> None:
    lab, mdb = hub_lab  # noqa: F811
    sid = mdb.new_session(f"dir{lossy}")
    count_udp(lab)
    try:
        drop_udp_every(lab, 10, lossy)
    except subprocess.CalledProcessError as exc:  # the netdev egress hook needs Linux 5.16
        pytest.skip(f"nftables cannot drop {lossy} here: {exc.stderr.strip()}")
    bound = {"interface": lab.host_if} if lossy == "upstream" else {}
    m = run_call(lab, mdb, sid, **bound)
    clean = "downstream" if lossy == "upstream" else "upstream"
    up, down = m.details["upstream"], m.details["downstream"]
    print(f"{lossy} drop 10 %: up {up}, down {down}, round trip {m.values['network.loss_pct']}")
    assert m.details["direction"] == "by_direction"
    assert m.details[lossy]["loss_pct"] == pytest.approx(10.0, abs=1.0)
    assert m.details[clean]["loss_pct"] == pytest.approx(0.0, abs=1.0)
    assert m.values["network.downstream_loss_pct"] == down["loss_pct"]
    assert m.values["network.loss_pct"] == pytest.approx(10.0, abs=1.0)
    assert m.values["network.downstream_jitter_ms"] is not None
    assert up["jitter_ms"] is not None
    assert any("in each direction" in text for text in m.messages)
    # The interface that carried it: bound by the spec, or found by the source address.
    assert m.details["interface"] == lab.host_if
    if bound:
        assert m.details["binding"] == f"SO_BINDTODEVICE {lab.host_if}"
    # Voice-sized both ways, as reported and as counted on the wire.
    wire = VOICE_PAYLOAD_BYTES + IPV4_UDP_OVERHEAD
    assert m.details["upstream_packet_bytes"] == VOICE_PAYLOAD_BYTES
    assert m.details["downstream_packet_bytes"] == VOICE_PAYLOAD_BYTES
    assert m.details["upstream_wire_bytes"] == m.details["downstream_wire_bytes"] == wire
    counts = udp_counts(lab)
    for direction in ("upstream", "downstream"):
        packets, size = counts[direction]
        assert packets >= DURATION_S / 0.02 * 0.85, (direction, counts)
        assert size == packets * wire, (direction, counts)
