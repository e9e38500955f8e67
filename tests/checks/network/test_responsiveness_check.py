"""The responsiveness check on loopback: a real run against the hub's measurement server,
and the clear, bounded failures (refused, an HTTP error, a server that never answers,
a download that stalls under load). Accuracy on a known queue is in
test_responsiveness_netns.py.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from deskready.checks.api import CheckContext, CheckFailed
from deskready.checks.network import responsiveness_math as rm
from deskready.checks.network.responsiveness_check import ResponsivenessCheck


def run(server: str, seconds: float = 5.0) -> tuple[dict[str, Any], dict[str, Any]]:
    settings = {"backend": "librespeed", "server": server, "max_seconds": seconds}
    m = ResponsivenessCheck().run(CheckContext(settings=settings, time_budget_s=30.0))
    return m.values, m.details


def test_a_real_run_against_the_hub_measurement_server(tmp_path: Path) -> None:
    pytest.importorskip("h11", reason="the hub extra is not installed")
    from deskready.hub import measure
    from tests.hub.test_measure import hub_config, make_db

    mdb = make_db(tmp_path)
    sid = mdb.new_session("rpm-loopback")
    handle = measure.start(hub_config(cap=1 << 40), mdb.sessions)
    try:
        started = time.monotonic()
        values, details = run(f"http://127.0.0.1:{handle.measure_port}/m/{sid}/")
        took = time.monotonic() - started
    finally:
        handle.stop()
    rpm = values["network.rpm"]
    assert isinstance(rpm, int)
    assert rpm > 0
    added = values["network.loaded_latency_increase_ms"]
    assert isinstance(added, float)
    assert added >= 0.0
    assert values["network.bufferbloat_grade"] == rm.grade(details["added_ms"])
    probes = details["probes"]
    assert isinstance(probes, dict)
    assert probes["foreign"] > 0
    assert probes["self"] > 0
    connections = details["connections"]
    assert isinstance(connections, dict)
    assert 1 <= connections["download"] <= 8
    assert 1 <= connections["upload"] <= 8
    assert details["method"] == "draft-ietf-ippm-responsiveness-08"
    assert details["confidence"] in {"low", "medium", "high"}
    # max_seconds is the whole test's wall clock, plus the bounded joins (1 s) and, on this
    # shared machine, scheduling
    assert took < 5.0 + 2.0


def test_refused_connection_is_a_clear_error_at_once() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    started = time.monotonic()
    with pytest.raises(CheckFailed, match="refused the connection"):
        run(f"http://127.0.0.1:{port}/backend/")
    assert time.monotonic() - started < 2.0


class _Handler(BaseHTTPRequestHandler):
    """LibreSpeed's files, with one fault chosen by the server's ``fault`` attribute."""

    server: _FaultyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        fault = self.server.fault
        if fault == "silent":
            self.server.release.wait(10.0)
            return
        if fault == "404":
            self._reply(404, b"no such session")
            return
        if self.path.startswith("/garbage.php"):
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            self.wfile.write(b"x" * 20_000)
            self.wfile.flush()
            self.server.release.wait(10.0)  # "stall": the rest never comes
            return
        self._reply(200)

    def do_POST(self) -> None:
        left = int(self.headers.get("Content-Length", "0"))
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                return
            left -= len(chunk)
        self._reply(200)


class _FaultyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fault: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fault = fault
        self.release = threading.Event()


@pytest.fixture
def faulty() -> Iterator[Callable[[str], _FaultyServer]]:
    servers: list[_FaultyServer] = []

    def make(fault: str) -> _FaultyServer:
        server = _FaultyServer(fault)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("fault", "message", "bound_s"),
    [
        ("404", r"answered with an error \(HTTP 404\)", 2.0),
        ("silent", "did not finish answering within 4 seconds", 6.0),
        ("stall", "stopped sending data for 4 seconds", 7.0),
    ],
)
def test_server_faults_are_named_and_bounded(
    faulty: Callable[[str], _FaultyServer], fault: str, message: str, bound_s: float
) -> None:
    server = faulty(fault)
    started = time.monotonic()
    with pytest.raises(CheckFailed, match=message):
        run(f"http://127.0.0.1:{server.server_address[1]}/empty.php", seconds=12.0)
    assert time.monotonic() - started < bound_s


SPEC = b"""
[employer]
name = "Acme"

[rules."network.bufferbloat_grade"]
one_of = ["A+", "A", "B"]

[rules."network.loaded_latency_increase_ms"]
max = 60
severity = "recommended"

[checks.responsiveness]
max_seconds = 10
"""


def test_a_spec_requires_a_grade_and_joining_points_the_check_at_the_hub() -> None:
    from deskready.hubclient.join import Endpoints, Joined, hub_settings
    from deskready.registry import discover_checks
    from deskready.spec.loader import load_spec_bytes

    spec = load_spec_bytes(SPEC, discover_checks(), file_name="acme.toml")
    rule = next(r for r in spec.rules if r.metric == "network.bufferbloat_grade")
    assert all(c.meets("B") for c in rule.conditions)
    assert not all(c.meets("C") for c in rule.conditions)
    endpoints = Endpoints("http://hub.example:8081/m/s1/", "hub.example:3478", "s1")
    joined = Joined(
        "https://hub.example", "hub.example", "acme", "s1", "n", "AG-1", "k", "", endpoints, spec
    )
    pointed = hub_settings(spec, joined, {"responsiveness"})
    assert pointed.check_settings["responsiveness"] == {
        "max_seconds": 10,
        "backend": "librespeed",
        "server": "http://hub.example:8081/m/s1/",
    }


def test_a_bad_server_address_is_refused_when_the_spec_loads_with_its_line() -> None:
    """The bandwidth check's server forms, judged at spec load, not minutes later."""
    from deskready.registry import discover_checks
    from deskready.spec import SpecError, load_spec_text

    text = (
        '[employer]\nname = "t"\n[rules."network.rpm"]\nmin = 300\n'
        '[checks.responsiveness]\nbackend = "librespeed"\nserver = "speed.example.com"\n'
    )
    with pytest.raises(SpecError) as failed:
        load_spec_text(text, discover_checks(), file_name="spec.toml")
    problems = failed.value.problems
    assert [p.line for p in problems] == [7], problems
    assert "https://" in problems[0].message
    fixed = text.replace('"speed.example.com"', '"//speed.example.com/backend/"')
    load_spec_text(fixed, discover_checks(), file_name="spec.toml")  # accepted


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made here with cryptography."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "deskready test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.parametrize("version", ["TLSv1_3", "TLSv1_2"])
def test_a_foreign_probe_over_tls_times_the_handshake_per_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    import ssl

    from deskready.checks.network.adapters import NetAdapter
    from deskready.checks.network.responsiveness_probes import foreign_probe, resolve

    cert, key = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client's default context trusts it
    server = _FaultyServer("none")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.maximum_version = getattr(ssl.TLSVersion, version)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}/empty.php"
        endpoint = resolve("test", url, url, url, 2.0)
        sample = foreign_probe(endpoint, NetAdapter(), 4.0)
    finally:
        server.shutdown()
        server.server_close()
    assert sample.tls_ms is not None
    assert 0.0 < sample.tls_ms < 1000.0
    assert sample.tcp_ms > 0.0
    assert sample.http_ms > 0.0
    means = rm.ProbeMeans(sample.tcp_ms, sample.tls_ms, sample.http_ms, None)
    expected = 60000 / ((sample.tcp_ms + sample.tls_ms + sample.http_ms) / 3)
    assert rm.responsiveness(means) == pytest.approx(expected)


class _SteadyDirection:
    """A direction moving a steady 8 Mbit/s, read once per interval."""

    def __init__(self, name: str, on_read: Callable[[int], None] = lambda _n: None) -> None:
        self.name = name
        self.started = time.monotonic()
        self.reads = 0
        self.on_read = on_read

    @property
    def last_moved(self) -> float:
        return time.monotonic()

    def moved(self) -> int:
        self.reads += 1
        self.on_read(self.reads)
        return int(1e6 * (time.monotonic() - self.started))


class _StarvingLoad:
    """The load's interface, without sockets: download connection one starves (a timeout
    while the others go on) at the 9th interval, after both directions saturated."""

    def __init__(self, *_args: Any, **_kw: Any) -> None:
        self.down = _SteadyDirection("download", self._starve_at_9)
        self.up = _SteadyDirection("upload")
        self.errors: list[tuple[str, BaseException]] = []
        self.starved = {"download": 0, "upload": 0}
        self.opened = {"download": 0, "upload": 0}
        self.running = {"download": 0, "upload": 0}
        self.self_samples: list[tuple[float, float]] = []
        self.at_starving: dict[str, int] = {}

    def _starve_at_9(self, reads: int) -> None:
        if reads == 9:
            self.at_starving = dict(self.running)
            self.running["download"] -= 1
            self.starved["download"] += 1

    def connections(self, direction: _SteadyDirection) -> int:
        return self.running[direction.name]

    def add(self, direction: _SteadyDirection) -> None:
        self.opened[direction.name] += 1
        self.running[direction.name] += 1

    def want_self_probe(self, _rng: Any) -> bool:
        self.self_samples.append((time.monotonic(), 10.0))
        return True

    def self_window(self, start: float, end: float) -> list[float]:
        return [ms for done, ms in self.self_samples if start <= done < end]

    def stop(self, _join_s: float) -> None:
        pass


def test_a_connection_starved_after_saturation_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from deskready.checks.network import responsiveness_run as run_mod
    from deskready.checks.network.responsiveness_probes import ForeignSample

    loads: list[_StarvingLoad] = []

    def make_load(*args: Any, **kw: Any) -> _StarvingLoad:
        loads.append(_StarvingLoad(*args, **kw))
        return loads[-1]

    monkeypatch.setattr(run_mod, "Load", make_load)
    monkeypatch.setattr(
        run_mod, "foreign_probe", lambda *_a, **_k: ForeignSample(time.monotonic(), 5.0, None, 5.0)
    )
    loaded = run_mod.measure_loaded(None, None, 8.0, lambda: None, lambda _f, _r: None)  # type: ignore[arg-type]
    (load,) = loads
    assert loaded.saturated
    assert load.starved["download"] == 1
    assert load.at_starving, "the download never starved: the test did not reach interval 9"
    # the load that saturated the path is restored: one opened in place of the starved one
    assert load.running == load.at_starving
    assert load.opened["download"] == load.at_starving["download"] + 1
    assert load.opened["upload"] == load.at_starving["upload"]
