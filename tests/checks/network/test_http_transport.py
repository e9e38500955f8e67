"""The transport's own bounds against misbehaving servers on loopback: wall clock per
request, bodies too long or cut short, upload claims and stalls, the whole-test deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from deskready.checks.api import CheckContext
from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.http_transport import (
    STALL_S,
    Connection,
    Deadline,
    LatencyProbe,
    Target,
    http_get,
    measure_upload,
    wall_clock,
)
from deskready.checks.network.librespeed_backend import librespeed_target
from deskready.checks.network.transfer_errors import (
    BodyCutShort,
    BodyTooLong,
    HttpStatusError,
    RequestTimeout,
    TransferError,
)
from tests.checks.network.faulty_servers import FaultyHttpServer


@pytest.fixture
def trickle_latency() -> Iterator[str]:
    with FaultyHttpServer("trickle-latency") as server:
        yield server.base


def test_a_trickled_answer_ends_at_the_wall_clock_bound(trickle_latency: str) -> None:
    # every read returns a byte well within any socket timeout; only the wall clock stops it
    started = time.monotonic()
    with pytest.raises(RequestTimeout) as info:
        http_get(f"{trickle_latency}/mini/speedtest/latency.txt", NetAdapter(), 1.5)
    elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 2.5
    assert info.value.seconds == 1.5


def test_idle_latency_requests_end_by_the_deadline(trickle_latency: str) -> None:
    ctx = CheckContext(time_budget_s=30)
    deadline = Deadline(ctx, 1.0)
    target = librespeed_target(f"{trickle_latency}/backend/")
    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        LatencyProbe(target, NetAdapter()).idle(5, 10.0, deadline)
    assert time.monotonic() - started < 1.8


def test_an_endless_small_answer_is_too_long() -> None:
    with FaultyHttpServer("endless") as server, pytest.raises(BodyTooLong):
        http_get(f"{server.base}/mini/", NetAdapter(), 5.0, limit=100_000)


def test_a_body_cut_short_is_reported_with_its_sizes() -> None:
    with FaultyHttpServer("short-length") as server, pytest.raises(BodyCutShort) as info:
        http_get(f"{server.base}/mini/speedtest/random1000x1000.jpg", NetAdapter(), 5.0)
    assert info.value.got == 512 << 10
    assert info.value.announced == 2_000_000


def test_healthy_answers_pass(http_server: str) -> None:
    assert b"upload_extension" in http_get(f"{http_server}/mini/", NetAdapter(), 5.0)
    with pytest.raises(HttpStatusError) as info:
        http_get(f"{http_server}/nothing-here", NetAdapter(), 5.0)
    assert info.value.status == 404


def test_wall_clock_leaves_a_quick_block_alone(http_server: str) -> None:
    conn = Connection(http_server, NetAdapter(), 5.0)
    try:
        with wall_clock(conn, 5.0):
            conn.request("GET", "/mini/speedtest/latency.txt")
            assert conn.getresponse().read() == b"test=test"
    finally:
        conn.close()


def test_abort_during_connect_leaves_no_usable_socket() -> None:
    class SlowConnect(NetAdapter):
        def connect(self, host: str, port: int, timeout: float):  # type: ignore[no-untyped-def]
            time.sleep(0.3)
            return super().connect(host, port, timeout)

    with FaultyHttpServer("trickle") as server:
        conn = Connection(server.base, SlowConnect(), 5.0)
        threading.Timer(0.1, conn.abort).start()
        with pytest.raises(TimeoutError):
            conn.connect()
        assert conn.sock is None


@pytest.mark.parametrize(
    ("reply", "claimed", "confirmed"),
    [
        (b"size=1000", 1000, 1000),
        (b"size=99999", 99999, 1000),  # an over-claim is capped at what was sent
        (b"size=10", 10, 10),
        (b"size=x", None, 0),
        (b"hello", None, 0),
    ],
)
def test_speedtest_upload_claims(reply: bytes, claimed: int | None, confirmed: int) -> None:
    target = Target("t", "http://h/d", "http://h/u", "http://h/l", "speedtest")
    assert target.claimed_bytes(reply, 1000) == claimed
    assert target.confirmed_bytes(reply, 1000) == confirmed


def test_librespeed_confirms_what_it_answered_after() -> None:
    target = librespeed_target("http://h/backend/")
    assert target.claimed_bytes(b"", 1234) == 1234


def test_deadline_is_inside_the_budget() -> None:
    ctx = CheckContext(time_budget_s=2.0)
    deadline = Deadline(ctx, 30.0)
    assert deadline.seconds <= 2.0
    assert deadline.bounded(10.0) <= 2.0
    assert Deadline(ctx, 0.5).bounded(10.0) <= 0.5
    assert Deadline(ctx, 0.0).bounded(10.0) == 0.05  # never a zero socket timeout


def test_an_upload_the_server_stops_reading_is_a_stall_not_a_rate() -> None:
    ctx = CheckContext(time_budget_s=20)
    with FaultyHttpServer("upload-stall") as server:
        target = librespeed_target(f"{server.base}/backend/")
        started = time.monotonic()
        with pytest.raises(TransferError) as info:
            measure_upload(ctx, target, NetAdapter(), 8.0, lambda _f, _m: None)
    assert time.monotonic() - started < STALL_S + 2
    assert "stopped taking uploaded data for 4 seconds" in str(info.value)
