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
from deskready.checks.network import hub_directions
from deskready.checks.network.adapters import UdpAdapter
from deskready.checks.network.call_quality_check import DEFAULT_STUN_SERVERS, CallQualityCheck
from deskready.checks.network.stun_stream import Probe, StreamResult
from deskready.checks.network.upstream_check import HubObservations


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


# ---- voice-sized packets, interface binding, loss by direction -------------------------
def test_packets_are_voice_sized_up_and_coturns_answers_are_said_to_be_small(
    coturn: int,
) -> None:
    m = run_check({"stun_servers": [f"127.0.0.1:{coturn}"], "duration_s": 1})
    d = m.details
    assert d["upstream_packet_bytes"] == 172  # G.711 20 ms (160) + RTP header (12)
    assert d["upstream_wire_bytes"] == 200  # + IPv4 (20) + UDP (8)
    assert d["voice_sized_upstream"] is True
    # coturn on two addresses pads its answers to the MTU (RFC 5780 mode), on one it
    # ignores PADDING: either way not a call's size, and the report says so
    reply = d["downstream_packet_bytes"]
    assert reply not in (None, 172)
    assert d["downstream_wire_bytes"] == reply + 28
    assert d["voice_sized_downstream"] is False
    word = "smaller" if reply < 172 else "larger"
    assert any(f"{reply}-byte packets, {word} than a call's 172" in t for t in m.messages)
    assert d["direction"] == "round_trip_only"
    assert any("round trips only" in t for t in m.messages)
    assert m.values["network.downstream_loss_pct"] is None
    assert d["interface"] == "lo"  # found from the source address: nothing was bound


def test_interface_setting_binds_the_stream(coturn: int) -> None:
    m = run_check({"stun_servers": [f"127.0.0.1:{coturn}"], "duration_s": 1, "interface": "lo"})
    assert m.details["interface"] == "lo"
    assert m.details["binding"] == "SO_BINDTODEVICE lo"
    assert m.values["network.loss_pct"] == 0.0


def test_an_interface_that_does_not_exist_is_named_with_those_that_do(coturn: int) -> None:
    started = time.monotonic()
    with pytest.raises(CheckFailed) as info:
        run_check({"stun_servers": [f"127.0.0.1:{coturn}"], "interface": "nosuch9"})
    assert time.monotonic() - started < 1
    assert "'nosuch9'" in str(info.value)
    assert "lo" in str(info.value).split("Interfaces here:")[1]


class ListedHub(HubObservations):
    """A hub that says it answered every probe but ``missing`` (the probes' own count)."""

    def __init__(self, missing: set[int] = frozenset(), answer: Any = None) -> None:  # type: ignore[assignment]
        self.missing = set(missing)
        self.answer = answer
        self.calls: list[tuple[str, str, bool]] = []

    def fetch(
        self, hub_url: str, session: str, timeout: float, *, stun: bool = False
    ) -> dict[str, Any]:
        self.calls.append((hub_url, session, stun))
        if isinstance(self.answer, Exception):
            raise self.answer
        if self.answer is not None:
            return dict(self.answer)
        seqs = [s for s in range(50) if s not in self.missing]
        return {
            "observed": {},
            "stun": {"sequences": seqs, "arrivals_ms": [20.0 * s for s in seqs]},
        }


def hub_mode(coturn: int, hub: ListedHub, url: str = "http://127.0.0.1:9") -> Measurements:
    settings = {
        "stun_servers": [f"127.0.0.1:{coturn}"],
        "duration_s": 1,
        "stun_username": "sess1",
        "hub_url": url,
    }
    ctx = CheckContext(
        settings=settings, adapters={UdpAdapter: RecordingUdp(), HubObservations: hub},
        time_budget_s=30,
    )  # fmt: skip
    return CallQualityCheck().run(ctx)


def test_with_the_hub_loss_is_split_by_direction(coturn: int) -> None:
    hub = ListedHub(missing={7, 8, 9, 30, 49})  # never reached the hub: upstream loss
    m = hub_mode(coturn, hub)
    assert hub.calls == [("http://127.0.0.1:9", "sess1", True)]
    assert m.details["direction"] == "by_direction"
    assert m.details["upstream"]["loss_pct"] == 10.0
    assert m.details["upstream"]["received_by_hub"] == 45
    # coturn answered all 50, but only the 45 the hub "answered" count downstream
    assert m.details["downstream"] == {
        "loss_pct": 0.0,
        "jitter_ms": m.values["network.downstream_jitter_ms"],
        "answered_by_hub": 45,
        "received": 45,
    }
    assert m.values["network.downstream_loss_pct"] == 0.0
    assert any("10 % of the test packets were lost on the way to the hub" in t for t in m.messages)
    assert m.details["stun_sent"] == 50


@pytest.mark.parametrize(
    ("answer", "url", "reason"),
    [
        (CheckFailed("Your employer's hub could not be reached: refused"), None, "reached"),
        ({"observed": {}}, None, "no list"),
        ({"stun": {"sequences": [1, True], "arrivals_ms": [1.0, 2.0]}}, None, "no list"),
        ({"stun": {"sequences": [1, 2], "arrivals_ms": [1.0]}}, None, "no list"),
        ({"stun": {"sequences": [1], "arrivals_ms": [1.0], "answered_ms": []}}, None, "no list"),
        (None, "http://hub.example", "https://"),
    ],
)
def test_a_hub_that_cannot_say_leaves_round_trips_and_says_why(
    monkeypatch: pytest.MonkeyPatch, answer: Any, url: str | None, reason: str
) -> None:
    monkeypatch.setattr(hub_directions, "SETTLE_S", 0.0)
    probes = [Probe(seq, 1.0 + seq * 0.02, 1.01 + seq * 0.02) for seq in range(50)]
    measured = Measurements({"network.loss_pct": 0.0, "network.downstream_loss_pct": None})
    ctx = CheckContext(adapters={HubObservations: ListedHub(answer=answer)})
    result = StreamResult(probes, list(probes))
    hub_directions.add_directions(ctx, measured, result, url or "http://127.0.0.1:9", "s1")
    assert measured.details["direction"] == "round_trip_only"
    assert reason in measured.details["direction_problem"]
    (message,) = measured.messages
    assert "could not say which test packets it received" in message
    assert measured.values["network.downstream_loss_pct"] is None


def test_a_server_blamed_for_the_loss_gives_no_loss_either_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """stun_health blamed the server (loss_pct None): the words and details agree."""
    monkeypatch.setattr(hub_directions, "SETTLE_S", 0.0)
    probes = [Probe(seq, 1.0 + seq * 0.02, 1.01 + seq * 0.02) for seq in range(50)]
    for seq in range(10, 50):
        probes[seq].received = None  # the server stopped answering after 10
    measured = Measurements({"network.loss_pct": None})
    ctx = CheckContext(adapters={HubObservations: ListedHub(missing=set(range(10, 50)))})
    result = StreamResult(probes, probes[:10])
    hub_directions.add_directions(ctx, measured, result, "http://127.0.0.1:9", "s1")
    assert measured.details["direction"] == "by_direction"
    assert measured.values["network.downstream_loss_pct"] is None
    assert measured.details["upstream"]["loss_pct"] is None
    assert measured.details["downstream"]["loss_pct"] is None
    assert measured.details["upstream"]["received_by_hub"] == 10
    (message,) = measured.messages
    assert "packet loss was not measured" in message
    assert "% of the test packets were lost" not in message
