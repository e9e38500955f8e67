"""The bandwidth check against servers that are not the agent's fault, the URL forms the
spec may use, and the interface binding — real servers on loopback, fakes only for the
OS calls that cannot happen here (another OS's socket options)."""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from deskready.checks.api import CheckContext, CheckFailed
from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.bandwidth_check import BandwidthCheck
from deskready.checks.network.bound_net import RecordingNet, interface_of
from deskready.checks.network.http_transport import Deadline, LatencyProbe, measure_download
from deskready.checks.network.librespeed_backend import BARE, PHP, layouts, resolve_librespeed
from deskready.checks.network.server_url import problem
from deskready.checks.network.transfer_errors import TransferError
from deskready.registry import discover_checks
from deskready.spec import SpecError, load_spec_text
from tests.checks.network.faulty_servers import FaultyHttpServer


def run(server: str, seconds: float = 6, **settings: Any) -> Any:
    ctx = CheckContext(
        settings={"backend": "librespeed", "server": server, "max_seconds": seconds, **settings},
        time_budget_s=20,
    )
    return BandwidthCheck().run(ctx)


def test_a_stream_the_server_queues_is_named_as_the_servers_problem() -> None:
    with FaultyHttpServer("queue-one") as server:
        started = time.monotonic()
        with pytest.raises(CheckFailed) as failed:
            run(f"{server.base}/backend/", seconds=12)
    message = str(failed.value)
    assert "did not serve one of the 4 connections" in message
    assert "Your connection works" in message
    assert "dropped" not in message
    assert time.monotonic() - started < 9  # the 4 s watch, plus the idle probes


def test_a_server_that_accepts_and_never_answers_is_not_the_agents_line() -> None:
    with FaultyHttpServer("silent") as server, pytest.raises(CheckFailed) as failed:
        run(f"{server.base}/backend/empty.php", seconds=5)
    message = str(failed.value)
    assert "did not" in message
    assert "Your connection may have dropped" not in message


def test_latency_probes_never_time_a_handshake_the_server_forces() -> None:
    with FaultyHttpServer("close-each") as server:
        target = resolve_librespeed(
            f"{server.base}/backend/", NetAdapter(), Deadline(CheckContext(), 10)
        )[0]
        probe = LatencyProbe(target, NetAdapter(), interval_s=0.05)
        probe.start(2.0)
        time.sleep(1.0)
        probe.stop()
    assert len(probe.samples) >= 5
    # the server closed after every answer: every probe needed a connection, opened and
    # timed apart from the request
    assert len(probe.handshakes) >= len(probe.samples)


def test_streams_reconnecting_after_every_answer_keep_counting() -> None:
    """A server closing after each answer: each stream's kernel counter starts again on
    every new connection, and the stream's count carries on from where it was."""
    with FaultyHttpServer("close-each") as server:
        ctx = CheckContext(time_budget_s=20)
        target = resolve_librespeed(f"{server.base}/go/", NetAdapter(), Deadline(ctx, 10))[0]
        target = dataclasses.replace(target, download_url=target.download_url.replace(
            "ckSize=100", "ckSize=4"))  # fmt: skip
        phase = measure_download(ctx, target, NetAdapter(), 2.5, lambda _f, _m: None)
    assert phase.bytes > 4 * 4 * 2**20  # several 4 MiB answers per stream
    assert phase.mbps > 50


@pytest.mark.parametrize(
    ("path", "backend_path", "names", "hinted"),
    [
        ("/", "/backend/", PHP, True),  # LibreSpeed's page: its backend is below it
        ("/backend", "/backend/", PHP, False),
        ("/go/", "/go/", BARE, False),  # speedtest-go / speedtest-rust names
        ("/go/empty", "/go/", BARE, False),
        ("/backend/garbage.php", "/backend/", PHP, False),
    ],
)
def test_librespeed_url_forms(path: str, backend_path: str, names: Any, hinted: bool) -> None:
    with FaultyHttpServer("none") as server:
        target, hint = resolve_librespeed(
            server.base + path, NetAdapter(), Deadline(CheckContext(), 10)
        )
    assert target.info["backend_url"] == server.base + backend_path
    assert target.upload_url == f"{server.base}{backend_path}{names[1]}"
    assert target.download_url.startswith(f"{server.base}{backend_path}{names[0]}?ckSize=")
    assert (hint is not None) == hinted
    if hint:
        assert f"{server.base}/backend/" in hint


def test_scheme_relative_url_tries_https_then_http() -> None:
    with FaultyHttpServer("none") as server:
        relative = server.base.removeprefix("http:") + "/backend/"
        target, _hint = resolve_librespeed(relative, NetAdapter(), Deadline(CheckContext(), 10))
        assert target.upload_url == f"{server.base}/backend/empty.php"
        m = run(relative, seconds=5)
    assert m.values["network.download_mbps"] > 10


def test_no_backend_anywhere_says_which_address_the_spec_needs() -> None:
    with FaultyHttpServer("none") as server, pytest.raises(TransferError) as failed:
        resolve_librespeed(f"{server.base}/nothing/", NetAdapter(), Deadline(CheckContext(), 10))
    message = str(failed.value)
    assert "No LibreSpeed backend answered" in message
    assert "/nothing/backend/empty.php" in message
    assert "backend folder" in message


def test_layouts_are_pure_and_ordered() -> None:
    assert [(x.base, x.names) for x in layouts("https://h/speed/")] == [
        ("https://h/speed/", PHP), ("https://h/speed/", BARE),
        ("https://h/speed/backend/", PHP), ("https://h/speed/backend/", BARE),
    ]  # fmt: skip
    assert [x.names for x in layouts("https://h/backend/")] == [PHP, BARE]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("auto", True), ("4242", True), ("https://speed.example.com/backend/", True),
        ("http://10.0.0.5:8080/", True), ("//speed.example.com/backend", True),
        ("ftp://speed.example.com/", False), ("speed.example.com", False),
        ("https://", False), ("https://h:99999/", False), ("https://h/a b", False),
        ("https://h:0/", False),
    ],
)  # fmt: skip
def test_server_address_forms(value: str, ok: bool) -> None:
    assert (problem(value) is None) == ok, problem(value)


def test_a_bad_server_address_is_refused_when_the_spec_loads_with_its_line() -> None:
    text = (
        '[employer]\nname = "t"\n[rules."network.download_mbps"]\nmin = 10\n'
        '[checks.bandwidth]\nbackend = "librespeed"\nserver = "ftp://speed.example.com/"\n'
    )
    with pytest.raises(SpecError) as failed:
        load_spec_text(text, discover_checks(), file_name="spec.toml")
    problems = failed.value.problems
    assert [p.line for p in problems] == [7], problems
    assert "https://" in problems[0].message
    fixed = text.replace("ftp://speed.example.com/", "//speed.example.com/backend/")
    load_spec_text(fixed, discover_checks(), file_name="spec.toml")  # accepted


class Addr(SimpleNamespace):
    pass


TABLE: Mapping[str, Sequence[Any]] = {
    "lo": [Addr(family=socket.AF_INET, address="127.0.0.1")],
    "eth0": [Addr(family=socket.AF_INET, address="192.0.2.7")],
}


def test_the_interface_setting_binds_every_socket_and_is_reported() -> None:
    bound: list[str] = []

    def binder(sock: socket.socket, name: str) -> str:
        bound.append(name)
        return f"IP_BOUND_IF {name} (index 4)"  # what the macOS path says

    with FaultyHttpServer("none") as server:
        net = RecordingNet("lo", binder=binder, addresses=lambda: TABLE)
        host, port = server.base.removeprefix("http://").split(":")
        for _ in range(2):
            net.connect(host, int(port), 2.0).close()
    assert bound == ["lo", "lo"]
    assert net.carried_by() == {
        "name": "lo", "source_addresses": ["127.0.0.1"], "bound": "IP_BOUND_IF lo (index 4)",
    }  # fmt: skip


def test_without_the_setting_the_report_names_the_interface_the_os_chose() -> None:
    with FaultyHttpServer("none") as server:
        m = run(f"{server.base}/backend/", seconds=5)
    assert m.values["network.bandwidth_interface"] == "lo"
    assert m.details["interface"]["bound"] is None
    assert interface_of("192.0.2.7", TABLE) == "eth0"
    assert interface_of("198.51.100.1", TABLE) is None


def test_an_interface_that_does_not_exist_is_named() -> None:
    with FaultyHttpServer("none") as server, pytest.raises(CheckFailed) as failed:
        run(f"{server.base}/backend/", seconds=5, interface="nosuch0")
    assert "nosuch0" in str(failed.value)
    assert "does not exist" in str(failed.value)
