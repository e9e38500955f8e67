"""Accuracy on links we shape ourselves: a network namespace, a veth pair, tc tbf, nftables.

Rates: both backends within ±10 % of the tbf rate at 5, 20 and 100 Mbit/s, both directions.
(HTTP payload over Ethernet+IP+TCP headers is ~95.6 % of the tbf rate: the ideal reading.)
Loss: within ±1 point at 0 % and 5 % (nftables drops every 20th UDP packet leaving the
namespace: the STUN answers). Bufferbloat: latency under load exceeds idle latency on a
link with a deep queue. Runs as root only; the lab is removed even when a test fails.
"""

from __future__ import annotations

import pytest

from deskready.checks.api import CheckContext
from deskready.checks.network.bandwidth_check import BandwidthCheck
from deskready.checks.network.call_quality_check import CallQualityCheck
from tests.checks.network.conftest import start_coturn
from tests.checks.network.netlab import Lab

pytestmark = pytest.mark.netns


@pytest.mark.parametrize("mbit", [5, 20, 100])
def test_rate_within_10_percent_for_both_backends(lab: Lab, mbit: int) -> None:
    lab.shape(mbit, queue_ms=100)
    port = lab.http_server()
    base = f"http://{lab.ns_ip}:{port}"
    readings = {}
    for backend, server in (("speedtest", f"{base}/mini/"), ("librespeed", f"{base}/backend/")):
        ctx = CheckContext(
            settings={"backend": backend, "server": server, "max_seconds": 13},
            time_budget_s=30,
        )
        m = BandwidthCheck().run(ctx)
        readings[backend] = m
        print(f"{mbit} Mbit/s {backend}: {m.values} idle {m.details['idle_rtt_ms']} ms")
    for backend, m in readings.items():
        assert m.values["network.download_mbps"] == pytest.approx(mbit, rel=0.10), backend
        assert m.values["network.upload_mbps"] == pytest.approx(mbit, rel=0.10), backend
        assert m.details["duration_s"] <= 15
    if mbit == 5:
        # 100 ms of queue at 5 Mbit/s: a loaded link is far slower to answer than an idle one
        for m in readings.values():
            loaded = m.values["network.loaded_rtt_ms"]
            assert loaded is not None
            assert loaded > 20
            assert loaded > 5 * m.details["idle_rtt_ms"]


@pytest.mark.parametrize("loss_every", [0, 20])
def test_loss_within_one_point(lab: Lab, loss_every: int) -> None:
    proc, port = start_coturn(["ip", "netns", "exec", lab.ns], [lab.ns_ip])
    lab.procs.append(proc)  # type: ignore[arg-type]
    if loss_every:
        lab.udp_loss_every(loss_every)
    ctx = CheckContext(
        settings={"stun_servers": [f"{lab.ns_ip}:{port}"], "duration_s": 4}, time_budget_s=20
    )
    m = CallQualityCheck().run(ctx)
    expected = 100.0 / loss_every if loss_every else 0.0
    print(f"loss configured {expected} %: measured {m.values}")
    assert m.values["network.loss_pct"] == pytest.approx(expected, abs=1.0)
    assert m.details["probes_sent"] == 200
    assert m.values["network.rtt_ms"] is not None
    if loss_every:
        assert m.values["network.mos"] < 4.3
