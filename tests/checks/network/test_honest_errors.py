"""A broken server is reported as a broken server, never as the agent's line (issue 14).

The real ``bandwidth`` and ``call_quality`` checks, through their classes and a
CheckContext, against the misbehaving servers of ``faulty_servers.py`` on loopback. Each
case asserts the sentence the agent reads, that no fake measurement was recorded (no
0.0 Mbps, no loss that is the server's), and that it ends within a few seconds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from deskready.checks.api import CheckContext, CheckFailed, Measurements
from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.bandwidth_check import BandwidthCheck
from deskready.checks.network.call_quality_check import CallQualityCheck
from deskready.checks.network.http_transport import Deadline, measure_upload
from deskready.checks.network.rate_estimator import GRACE_S
from deskready.checks.network.speedtest_backend import SpeedtestDirectory, mini_target
from tests.checks.network.conftest import directory_for
from tests.checks.network.faulty_servers import FaultyHttpServer, FaultyStunServer

BANDWIDTH = BandwidthCheck()
CALL = CallQualityCheck()


def bandwidth(settings: dict[str, object], budget: float = 20.0) -> Measurements:
    # Never the real speedtest.net: a closed loopback port stands in for its directory.
    adapters = {SpeedtestDirectory: directory_for("http://127.0.0.1:9")}
    ctx = CheckContext(settings=settings, adapters=adapters, time_budget_s=budget)
    return BANDWIDTH.run(ctx)


def bandwidth_fails(settings: dict[str, object], within: float) -> str:
    started = time.monotonic()
    with pytest.raises(CheckFailed) as info:
        bandwidth(settings)
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert elapsed < within, f"took {elapsed:.1f} s: {message}"
    # never the advice for a slow home line, never a raw exception text
    assert "Stop downloads" not in message
    assert "Errno" not in message
    assert "Traceback" not in message
    return message


@pytest.fixture
def faulty() -> Iterator[list[FaultyHttpServer]]:
    """Servers a test started; stopped (their held connections released) afterwards."""
    started: list[FaultyHttpServer] = []
    yield started
    for server in started:
        server.__exit__(None, None, None)


def serve(faulty: list[FaultyHttpServer], fault: str) -> str:
    return start(faulty, fault).base


def start(faulty: list[FaultyHttpServer], fault: str) -> FaultyHttpServer:
    server = FaultyHttpServer(fault).__enter__()
    faulty.append(server)
    return server


@pytest.mark.parametrize("backend", ["speedtest", "librespeed"])
def test_trickling_download_is_a_server_error_not_zero_mbps(
    faulty: list[FaultyHttpServer], backend: str
) -> None:
    base = serve(faulty, "trickle")
    path = "/mini/" if backend == "speedtest" else "/backend/"
    message = bandwidth_fails(
        {"backend": backend, "server": base + path, "max_seconds": 12}, within=GRACE_S + 3
    )
    assert "moved data at less than 16 kbit/s" in message
    assert "127.0.0.1" in message
    assert "the speed was not measured" in message


def test_stall_mid_body_is_named(faulty: list[FaultyHttpServer]) -> None:
    base = serve(faulty, "stall-body")
    message = bandwidth_fails({"server": base + "/mini/", "max_seconds": 12}, within=GRACE_S + 3)
    assert "stopped sending data for 4 seconds" in message


def test_endless_answer_is_a_server_error(faulty: list[FaultyHttpServer]) -> None:
    base = serve(faulty, "endless")
    for backend, path in (("speedtest", "/mini/"), ("librespeed", "/backend/")):
        message = bandwidth_fails(
            {"backend": backend, "server": base + path, "max_seconds": 8}, within=4
        )
        assert "far longer answer than the test asked for" in message, backend


def test_body_shorter_than_its_content_length(faulty: list[FaultyHttpServer]) -> None:
    base = serve(faulty, "short-length")
    message = bandwidth_fails({"server": base + "/mini/", "max_seconds": 8}, within=4)
    assert "ended an answer early" in message
    assert re.search(r"sent 524\D?288\b", message), message


def test_body_longer_than_its_content_length(faulty: list[FaultyHttpServer]) -> None:
    base = serve(faulty, "long-body")
    message = bandwidth_fails({"server": base + "/mini/", "max_seconds": 8}, within=4)
    assert "sent an answer that makes no sense" in message


def test_max_seconds_bounds_a_trickled_request(faulty: list[FaultyHttpServer]) -> None:
    # 9 bytes at 1 byte/s: every read succeeds, so only a wall-clock bound ends it
    base = serve(faulty, "trickle-latency")
    started = time.monotonic()
    message = bandwidth_fails({"server": base + "/mini/", "max_seconds": 4}, within=5)
    assert time.monotonic() - started >= 3.5  # it was the 4 s bound, not something else
    assert "did not finish answering within" in message


def test_server_confirming_too_little_upload_is_not_a_slow_upload(
    faulty: list[FaultyHttpServer],
) -> None:
    base = serve(faulty, "upload-lie-low")
    message = bandwidth_fails({"server": base + "/mini/", "max_seconds": 6}, within=8)
    assert "Its answers cannot be trusted" in message
    assert "Pause cloud backups" not in message


def test_server_claiming_too_much_upload_cannot_inflate_the_rate(
    faulty: list[FaultyHttpServer],
) -> None:
    server = start(faulty, "upload-lie-high")
    m = bandwidth({"server": server.base + "/mini/", "max_seconds": 6})
    # On Linux the upload is counted by the kernel (acknowledged bytes): claims never count.
    assert m.details["upload"]["counted"] in {"acked", "confirmed"}
    assert m.values["network.upload_mbps"] > 0
    # Where the claims are what counts (no TCP_INFO), the server claims ten times what it
    # received; counted bytes never exceed what it really received (requests cut off
    # when the phase ended are not counted at all).
    ctx = CheckContext(time_budget_s=20)
    target = mini_target(server.base + "/mini/", NetAdapter(), ctx, Deadline(ctx, 10))
    phase = measure_upload(ctx, target, NetAdapter(), 3.0, lambda _f, _m: None, use_acked=False)
    assert phase.counted == "confirmed"
    time.sleep(0.5)  # the handlers finish counting the bodies cut off at the end
    assert 0 < phase.bytes <= server.uploaded


# ---- STUN ------------------------------------------------------------------------------


def call_quality(server: str, duration: float = 1.0, budget: float = 12.0) -> Measurements:
    ctx = CheckContext(
        settings={"stun_servers": [server], "duration_s": duration}, time_budget_s=budget
    )
    result = CALL.run(ctx)
    for metric_id, value in result.values.items():
        assert CallQualityCheck.metric(metric_id).accepts(value)
    return result


def server_faults(m: Measurements) -> list[str]:
    """The messages blaming the STUN server (others say how the stream was measured)."""
    return [text for text in m.messages if "That is not a loss" in text]


def test_rate_limited_stun_server_is_named_and_its_loss_not_recorded() -> None:
    started = time.monotonic()
    with FaultyStunServer(rate_per_s=10) as stun:
        m = call_quality(stun.address)
    assert time.monotonic() - started < 5
    assert m.values["network.loss_pct"] is None
    assert m.values["network.mos"] is None
    assert m.values["network.mos_grade"] is None
    assert m.values["network.rtt_ms"] is not None  # the answers that came were real
    assert m.details["second_look"]["finding"] == "rate_limited"
    (message,) = server_faults(m)
    assert stun.address in message
    assert "limits how fast it answers" in message
    assert re.search(r"about (8|9|10|11) of the 50 ", message), message


def test_stun_server_that_fades_mid_stream_is_named() -> None:
    started = time.monotonic()
    with FaultyStunServer(answer_first=20) as stun:
        m = call_quality(stun.address)
    assert time.monotonic() - started < 5
    assert m.values["network.loss_pct"] is None
    assert m.values["network.mos"] is None
    assert m.details["second_look"]["finding"] == "stopped"
    (message,) = server_faults(m)
    assert stun.address in message
    assert "stopped answering during the test (it answered 19 of 50" in message


def test_stun_server_silent_after_the_first_answer_is_an_error_not_100_percent_loss() -> None:
    started = time.monotonic()
    with FaultyStunServer(answer_first=1) as stun, pytest.raises(CheckFailed) as info:
        call_quality(stun.address)
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert stun.address in message
    assert "stopped answering during the test (it answered 0 of 50" in message


def test_loss_that_does_not_depend_on_our_rate_stays_measured() -> None:
    # A lossy path drops 60 % whatever we send: the second look finds as much loss.
    with FaultyStunServer(answer_share=0.4, seed=3) as stun:
        m = call_quality(stun.address, duration=2.0)
    assert m.details["second_look"]["finding"] == "path_loss"
    assert m.values["network.loss_pct"] == pytest.approx(60, abs=12)
    assert m.values["network.mos_grade"] == "degraded"
    assert server_faults(m) == []
    assert m.details["direction"] == "round_trip_only"
