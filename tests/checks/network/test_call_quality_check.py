"""The call-quality check against Debian's coturn on loopback, through the delay relay."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from deskready.checks.api import (
    CheckCancelled,
    CheckContext,
    CheckFailed,
    Measurements,
    validate_check_class,
)
from deskready.checks.network.adapters import UdpAdapter
from deskready.checks.network.call_quality_check import DEFAULT_STUN_SERVERS, CallQualityCheck


class RecordingUdp(UdpAdapter):
    """Real sockets; refuses any host that is not loopback (the public defaults included)."""

    def __init__(self) -> None:
        self.resolved: list[str] = []

    def resolve(self, host: str, port: int, timeout: float) -> list[tuple[int, Any]]:
        self.resolved.append(host)
        assert host in {"127.0.0.1", "::1", "localhost"}, f"test tried to reach {host}"
        return super().resolve(host, port, timeout)


def run_check(settings: dict[str, object], budget: float = 30.0, **kw: Any) -> Measurements:
    udp = kw.pop("udp", None) or RecordingUdp()
    ctx = CheckContext(settings=settings, adapters={UdpAdapter: udp}, time_budget_s=budget, **kw)
    result = CallQualityCheck().run(ctx)
    for metric_id, value in result.values.items():
        assert CallQualityCheck.metric(metric_id).accepts(value)
    return result


def test_check_class_is_valid() -> None:
    assert validate_check_class(CallQualityCheck) == []
    assert CallQualityCheck.exclusive
    setting = {s.name: s for s in CallQualityCheck.settings}["stun_servers"]
    assert setting.type == list[str]
    assert setting.default == list(DEFAULT_STUN_SERVERS)


def test_direct_coturn_is_excellent(coturn: int) -> None:
    progress: list[dict[str, float]] = []
    m = run_check(
        {"stun_servers": [f"127.0.0.1:{coturn}"], "duration_s": 2},
        progress=lambda f, msg, live: progress.append(dict(live)),
    )
    v = m.values
    assert v["network.loss_pct"] == 0.0
    assert v["network.rtt_ms"] < 5
    assert v["network.rtt_p95_ms"] >= v["network.rtt_ms"]
    assert v["network.mos_grade"] == "excellent"
    assert v["network.mos"] > 4.3
    assert m.details["probes_sent"] == 100
    assert len(m.details["rtt_series"]) == 100
    assert any("rtt_ms" in p for p in progress)


def test_ipv6_loopback(coturn: int) -> None:
    m = run_check({"stun_servers": [f"[::1]:{coturn}"], "duration_s": 1})
    assert m.values["network.loss_pct"] == 0.0


def test_relay_delay_and_jitter_are_measured_within_20_percent(
    relay: Callable[..., int],
) -> None:
    port = relay(delay_ms=60, jitter_ms=10)
    m = run_check({"stun_servers": [f"127.0.0.1:{port}"], "duration_s": 6})
    v = m.values
    assert v["network.rtt_ms"] == pytest.approx(60, rel=0.2)
    assert v["network.jitter_ms"] == pytest.approx(10, rel=0.2)
    assert v["network.loss_pct"] == 0.0
    assert v["network.rtt_p95_ms"] > v["network.rtt_ms"]
    assert v["network.mos_grade"] in {"excellent", "great"}


def test_relay_loss_is_counted(relay: Callable[..., int]) -> None:
    port = relay(loss_every=10)
    m = run_check({"stun_servers": [f"127.0.0.1:{port}"], "duration_s": 2})
    assert m.values["network.loss_pct"] == pytest.approx(10, abs=1)
    lost = [p for p in m.details["rtt_series"] if p[1] is None]
    assert len(lost) == pytest.approx(10, abs=1)
    assert m.values["network.mos"] < 4.3


def test_first_silent_server_is_skipped(coturn: int) -> None:
    m = run_check({"stun_servers": ["127.0.0.1:9", f"127.0.0.1:{coturn}"], "duration_s": 1})
    assert m.details["server"] == f"127.0.0.1:{coturn}"
    assert m.details["servers_skipped"] == ["127.0.0.1:9: no answer"]


def test_no_answer_is_a_clear_failure_within_bound() -> None:
    started = time.monotonic()
    with pytest.raises(CheckFailed, match="None of the call test servers answered") as info:
        run_check({"stun_servers": ["127.0.0.1:9", "[::1]:9"], "duration_s": 5})
    assert time.monotonic() - started < 4
    assert "127.0.0.1:9" in str(info.value)


def test_dns_failure_is_explained() -> None:
    class NoDns(UdpAdapter):
        def resolve(self, host: str, port: int, timeout: float) -> list[tuple[int, Any]]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(CheckFailed, match="could not be looked up"):
        run_check({"stun_servers": ["stun.example.com:3478"]}, udp=NoDns())


def test_defaults_would_go_to_public_servers_but_the_guard_stops_it() -> None:
    # The guard adapter itself is what keeps every other test off the internet.
    with pytest.raises(AssertionError, match="test tried to reach stun"):
        run_check({})


def test_stream_is_shortened_to_the_budget(coturn: int) -> None:
    started = time.monotonic()
    m = run_check({"stun_servers": [f"127.0.0.1:{coturn}"], "duration_s": 60}, budget=4)
    assert time.monotonic() - started < 4.5
    assert m.details["duration_s"] < 4


def test_cancel_stops_the_stream(coturn: int) -> None:
    import threading

    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(CheckCancelled):
        run_check({"stun_servers": [f"127.0.0.1:{coturn}"], "duration_s": 10},
                  cancel_event=cancel)  # fmt: skip
    assert time.monotonic() - started < 2
