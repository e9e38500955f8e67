"""The bandwidth check against real lab servers on loopback: every backend and every failure.

Rates on loopback are meaningless (gigabits); accuracy is tested on shaped links in
test_netns_accuracy.py. Here: the protocol works end to end, details are complete, every
failure becomes a clear CheckFailed within the time bound, and with a Mini or LibreSpeed URL
nothing but that server is contacted.
"""

from __future__ import annotations

import errno
import socket
import sys
import time
from collections.abc import Callable

import pytest

from deskready.checks.api import CheckContext, CheckFailed, Measurements, validate_check_class
from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.bandwidth_check import BandwidthCheck
from deskready.checks.network.speedtest_backend import (
    SpeedtestDirectory,
    distance_km,
    parse_servers,
)
from tests.checks.network.conftest import RecordingNet, directory_for

_CONNECTS: list[object] = []
_AUDITING = False


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _AUDITING and event == "socket.connect":
        _CONNECTS.append(args[1])


sys.addaudithook(_audit)  # cannot be removed; only records while _AUDITING is set


def run_check(
    settings: dict[str, object],
    net: NetAdapter | None = None,
    directory: SpeedtestDirectory | None = None,
    budget: float = 45.0,
    progress: list[tuple[float | None, str, dict[str, float]]] | None = None,
) -> Measurements:
    adapters: dict[type, object] = {}
    if net is not None:
        adapters[NetAdapter] = net
    # Never the real speedtest.net: unless a test gives a lab directory, point at a closed
    # loopback port so that a bug would fail here instead of going to the internet.
    adapters[SpeedtestDirectory] = directory or directory_for("http://127.0.0.1:9")
    sink = None
    if progress is not None:

        def sink(f: float | None, m: str, live: object) -> None:
            progress.append((f, m, dict(live)))  # type: ignore[call-overload]

    ctx = CheckContext(settings=settings, adapters=adapters, time_budget_s=budget, progress=sink)
    return BandwidthCheck().run(ctx)


def assert_complete(m: Measurements) -> None:
    for metric in BandwidthCheck.metrics:
        assert metric.accepts(m.values[metric.id])
    assert m.values["network.download_mbps"] > 50  # loopback: far above any shaped rate
    assert m.values["network.upload_mbps"] > 50
    d = m.details
    assert d["download"]["bytes"] > 0
    assert d["upload"]["bytes"] > 0
    assert d["bytes_moved"] == d["download"]["bytes"] + d["upload"]["bytes"]
    assert d["download_series"]
    assert all(len(p) == 2 and p[1] >= 0 for p in d["download_series"])
    assert d["upload_series"]
    assert d["duration_s"] <= 15.0
    assert m.values["network.loaded_rtt_ms"] is not None


def test_check_class_is_valid() -> None:
    assert validate_check_class(BandwidthCheck) == []
    assert BandwidthCheck.exclusive
    assert {s.name for s in BandwidthCheck.settings} == {
        "backend",
        "server",
        "max_seconds",
        "interface",
    }


def test_speedtest_mini_contacts_only_the_mini_server(http_server: str) -> None:
    global _AUDITING
    net = RecordingNet()
    progress: list[tuple[float | None, str, dict[str, float]]] = []
    _CONNECTS.clear()
    _AUDITING = True
    try:
        m = run_check({"server": f"{http_server}/mini/", "max_seconds": 4}, net, progress=progress)
    finally:
        _AUDITING = False
    assert_complete(m)
    assert m.details["server"]["mini"] is True
    assert {h for h, _p in net.hosts} == {"127.0.0.1"}
    # every socket connect in the process during the check went to the Mini server
    port = int(http_server.rsplit(":", 1)[1])
    assert _CONNECTS
    assert all(addr == ("127.0.0.1", port) for addr in _CONNECTS), _CONNECTS
    live = [p for p in progress if "mbps" in p[2]]
    assert live
    assert all(p[2]["mbps"] >= 0 for p in live)
    fractions = [p[0] for p in progress if p[0] is not None]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0


def test_librespeed_contacts_only_its_server(http_server: str) -> None:
    net = RecordingNet()
    m = run_check({"backend": "librespeed", "server": f"{http_server}/backend/",
                   "max_seconds": 4}, net)  # fmt: skip
    assert_complete(m)
    assert m.details["backend"] == "librespeed"
    assert {h for h, _p in net.hosts} == {"127.0.0.1"}


def test_speedtest_auto_picks_the_answering_server_from_the_directory(http_server: str) -> None:
    net = RecordingNet()
    m = run_check({"server": "auto", "max_seconds": 4}, net, directory_for(http_server))
    assert_complete(m)
    server = m.details["server"]
    # the dead server (id 13) is nearer but refuses; id 7 is on the config's ignore list
    assert server["id"] == "4242"
    assert server["sponsor"] == "Lab ISP"
    assert server["distance_km"] == pytest.approx(distance_km((52.37, 4.89), (52.3, 4.9)), abs=0.1)
    assert ("127.0.0.1", 9) in net.hosts


def test_speedtest_server_id(http_server: str) -> None:
    m = run_check({"server": "4242", "max_seconds": 4}, None, directory_for(http_server))
    assert m.details["server"]["id"] == "4242"
    assert m.values["network.download_mbps"] > 0


def test_ipv6_loopback_librespeed(http_server: str) -> None:
    from tests.checks.network.conftest import spawn
    from tests.checks.network.netlab import stop

    proc, port = spawn("http", "--bind", "::1")
    try:
        m = run_check({"backend": "librespeed", "server": f"http://[::1]:{port}/backend/",
                       "max_seconds": 4})  # fmt: skip
    finally:
        stop(proc)
    assert m.values["network.upload_mbps"] > 0


def test_parse_servers_reads_speedtest_xml() -> None:
    xml = (b'<settings><servers><server url="http://a:8080/speedtest/upload.php" lat="1" '
           b'lon="2" name="A" country="X" sponsor="S" id="1" host="a:8080"/></servers>'
           b"</settings>")  # fmt: skip
    assert parse_servers(xml)[0]["id"] == "1"
    with pytest.raises(ValueError, match="malformed"):
        parse_servers(b"<nope")


class Refusing(NetAdapter):
    def __init__(self, exc: OSError) -> None:
        self.exc = exc

    def connect(self, host: str, port: int, timeout: float) -> socket.socket:
        raise self.exc


def failure(settings: dict[str, object], **kw: object) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(CheckFailed) as info:
        run_check(settings, **kw)  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert "Traceback" not in message
    assert "Errno" not in message
    return message, elapsed


OFFLINE = OSError(errno.ENETUNREACH, "Network is unreachable")
DNS = socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.mark.parametrize(
    ("exc", "words"),
    [(OFFLINE, "not connected to the internet"), (DNS, "could not be looked up")],
)
@pytest.mark.parametrize("server", ["auto", "https://speed.example.com/mini/"])
def test_offline_and_dns_failures(exc: OSError, words: str, server: str) -> None:
    message, elapsed = failure({"server": server}, net=Refusing(exc))
    assert words in message
    assert elapsed < 2


def test_dns_failure_for_librespeed_names_the_host() -> None:
    message, _t = failure({"backend": "librespeed", "server": "https://speed.example.com/"},
                          net=Refusing(DNS))  # fmt: skip
    assert "speed.example.com" in message


def test_real_offline_connection_refused_on_loopback() -> None:
    message, elapsed = failure({"server": "http://127.0.0.1:9/mini/"})
    assert "refused the connection" in message
    assert elapsed < 2


@pytest.mark.parametrize("server", ["/mini/", "auto"])
def test_http_403(faulty_server: Callable[[str], str], server: str) -> None:
    base = faulty_server("403")
    if server == "auto":
        message, _t = failure({"server": "auto"}, directory=directory_for(base))
    else:
        message, _t = failure({"server": base + server})
    assert "HTTP 403" in message
    assert "refused the test" in message


def test_empty_server_list(faulty_server: Callable[[str], str]) -> None:
    message, _t = failure({"server": "auto"}, directory=directory_for(faulty_server("empty-list")))
    assert "no speed test servers" in message


def test_unknown_server_id(http_server: str) -> None:
    message, _t = failure({"server": "999"}, directory=directory_for(http_server))
    assert "999" in message


def test_stalled_server_fails_within_the_stall_bound(faulty_server: Callable[[str], str]) -> None:
    base = faulty_server("stall")
    message, elapsed = failure({"backend": "librespeed", "server": f"{base}/backend/",
                                "max_seconds": 20})  # fmt: skip
    assert "stopped" in message
    assert elapsed < 10


def test_connection_reset_mid_transfer(faulty_server: Callable[[str], str]) -> None:
    base = faulty_server("reset")
    message, elapsed = failure({"server": f"{base}/mini/", "max_seconds": 10})
    assert "cut off" in message
    assert elapsed < 5


def test_not_a_mini_server(http_server: str) -> None:
    message, _t = failure({"server": f"{http_server}/backend/"})
    assert "not a Speedtest Mini" in message


@pytest.mark.parametrize(
    "settings",
    [{"backend": "librespeed", "server": "auto"}, {"server": "my-server"},
     {"backend": "fast.com"}],
)  # fmt: skip
def test_bad_settings_are_explained(settings: dict[str, object]) -> None:
    message, elapsed = failure(settings)
    assert message
    assert elapsed < 1


def test_short_budget_is_respected(http_server: str) -> None:
    started = time.monotonic()
    m = run_check({"backend": "librespeed", "server": f"{http_server}/backend/"}, budget=6)
    assert time.monotonic() - started < 8
    assert m.values["network.download_mbps"] > 0
