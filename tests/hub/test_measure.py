"""The hub's measurement servers on loopback: the real bandwidth check against them, every
LibreSpeed endpoint, the STUN responder (codec, recording, a third-party client), and
hostile input — each case bounded in time, the server still answering afterwards.

Accuracy on shaped links is in test_measure_netns.py. Traffic goes to 127.0.0.1 and ::1 only.
"""

from __future__ import annotations

import binascii
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import time
import types
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("h11", reason="the hub extra is not installed")

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from deskready.checks.api import CheckContext
from deskready.checks.network.bandwidth_check import BandwidthCheck
from deskready.checks.network.stun import MAGIC_COOKIE, parse_response
from deskready.hub import measure
from deskready.hub.config import sqlite_url
from deskready.hub.db import make_engine
from deskready.hub.measure import httpserver, record, stunserver
from deskready.hub.measure.summary import upstream
from deskready.hub.models import Base, Invite, MeasureSession, Observation, SpecFile

STUN_BINARY = "/usr/bin/stun"


@dataclass
class MeasureDB:
    """A hub database (SQLite file, every table) and a way to open sessions in it."""

    url: str
    sessions: sessionmaker[Session]
    _invite_id: int

    def new_session(self, sid: str, expires_in: float = 3600.0) -> str:
        with self.sessions() as db:
            db.add(
                MeasureSession(
                    id=sid,
                    invite_id=self._invite_id,
                    nonce=os.urandom(32).hex(),
                    expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
                )
            )
            db.commit()
        return sid

    def observed(self, sid: str, **kwargs: object) -> dict[str, object]:
        with self.sessions() as db:
            return measure.summarise(db, sid, **kwargs)  # type: ignore[arg-type]

    def rows(self, sid: str, kind: str) -> list[dict[str, object]]:
        with self.sessions() as db:
            q = select(Observation.data).where(
                Observation.session_id == sid, Observation.kind == kind
            )
            return [r[0] for r in db.execute(q)]


def make_db(folder: Path) -> MeasureDB:
    """A fresh database in ``folder`` with one spec and one invite to hang sessions on."""
    url = sqlite_url(folder / "hub.db")
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as db:
        spec = SpecFile(name="strict", sha256="0" * 64, content=b"")
        db.add(spec)
        db.flush()
        invite = Invite(
            code_hash=os.urandom(32).hex(),
            agent_id="AG-7",
            spec_id=spec.id,
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
        db.add(invite)
        db.commit()
        return MeasureDB(url, factory, invite.id)


def hub_config(host: str = "127.0.0.1", cap: int = 4 << 30) -> types.SimpleNamespace:
    return types.SimpleNamespace(host=host, measure_port=0, stun_port=0, session_byte_cap=cap)


@pytest.fixture
def mdb(tmp_path: Path) -> MeasureDB:
    return make_db(tmp_path)


@pytest.fixture
def hub(mdb: MeasureDB) -> Iterator[measure.MeasureHandle]:
    handle = measure.start(hub_config(cap=1 << 40), mdb.sessions)  # loopback moves GBs
    yield handle
    handle.stop()


def stun_request(
    username: str | None, seq: int, attrs: bytes = b"", *, fingerprint: bool = False
) -> bytes:
    """An RFC 8489 Binding request: sequence in the transaction id, optional USERNAME."""
    tid = struct.pack("!I", seq) + os.urandom(8)
    body = attrs
    if username is not None:
        raw = username.encode()
        body += struct.pack("!HH", 0x0006, len(raw)) + raw + b"\0" * (-len(raw) % 4)
    if not fingerprint:
        return struct.pack("!HHI12s", 0x0001, len(body), MAGIC_COOKIE, tid) + body
    head = struct.pack("!HHI12s", 0x0001, len(body) + 8, MAGIC_COOKIE, tid) + body
    crc = (binascii.crc32(head) ^ 0x5354554E) & 0xFFFFFFFF
    return head + struct.pack("!HHI", 0x8028, 4, crc)


def http_raw(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send ``data``, read until the server closes or ``timeout`` (bounded to 1 MiB)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        got = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(got) < 1 << 20:
            try:
                chunk = s.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            got += chunk
        return got


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0


def get(port: int, path: str) -> bytes:
    return http_raw(port, f"GET {path} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n".encode())


# -- the real client ------------------------------------------------------------------------


def test_bandwidth_check_against_the_hub_agrees_with_what_the_hub_recorded(
    hub: measure.MeasureHandle, mdb: MeasureDB
) -> None:
    sid = mdb.new_session("loop1")
    server = f"http://127.0.0.1:{hub.measure_port}/m/{sid}/"
    ctx = CheckContext(
        settings={"backend": "librespeed", "server": server, "max_seconds": 6},
        time_budget_s=20,
    )
    m = BandwidthCheck().run(ctx)
    time.sleep(0.3)
    hub.flush()
    seen = mdb.observed(sid)
    client_down = m.values["network.download_mbps"]
    client_up = m.values["network.upload_mbps"]
    print(f"client {client_down:.0f}/{client_up:.0f} Mbit/s, hub {seen}")
    assert isinstance(client_down, float)
    assert isinstance(client_up, float)
    hub_down, hub_up = seen["network.download_mbps"], seen["network.upload_mbps"]
    assert isinstance(hub_down, float)
    assert isinstance(hub_up, float)
    # loopback: two processes' worth of threads on two cores; generous: within a factor 2
    assert 0.5 * client_down < hub_down < 2.0 * client_down
    assert 0.5 * client_up < hub_up < 2.0 * client_up
    assert seen["details"]["download"]["streams"] >= 4  # type: ignore[index]
    tcp = seen["tcp"]
    assert isinstance(tcp, dict)
    assert tcp["min_rtt_ms"] >= 0
    assert tcp["retrans"] >= 0
    assert seen["source"] == {"family": "ipv4", "prefix": "127.0.0.0/24"}
    assert mdb.rows(sid, "ping")  # the latency probe's connection
    with mdb.sessions() as db:  # the bytes moved count against the session's cap
        moved = db.get(MeasureSession, sid).bytes_moved  # type: ignore[union-attr]
    assert moved >= m.details["bytes_moved"] * 0.9


# -- the endpoints --------------------------------------------------------------------------


def test_endpoints_answer_as_librespeed_does_on_one_keep_alive_connection(
    hub: measure.MeasureHandle, mdb: MeasureDB
) -> None:
    import http.client

    sid = mdb.new_session("ep1")
    conn = http.client.HTTPConnection("127.0.0.1", hub.measure_port, timeout=5)
    conn.request("GET", f"/m/{sid}/getIP.php?isp=true")
    resp = conn.getresponse()
    assert resp.status == 200
    assert json.loads(resp.read())["processedString"] == "127.0.0.1"
    conn.request("GET", f"/m/{sid}/empty.php?r=0.5")
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"")
    conn.request("GET", f"/m/{sid}/garbage.php?ckSize=2")
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 200
    assert len(body) == 2 * 1024 * 1024
    assert len(zlib.compress(body, 9)) > 0.99 * len(body)  # incompressible
    conn.request("POST", f"/m/{sid}/empty.php", body=os.urandom(300_000))
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"")
    conn.request("OPTIONS", f"/m/{sid}/empty.php")
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 204
    assert resp.getheader("Access-Control-Allow-Origin") == "*"
    conn.close()
    hub.stop()  # writes the connection's records
    assert mdb.rows(sid, "upload")[0]["bytes"] == 300_000
    down = mdb.rows(sid, "download")[0]
    assert down["bytes"] == 2 * 1024 * 1024  # every byte acknowledged
    assert down["tcp_info"] is True
    assert mdb.rows(sid, "ping")[0]["count"] == 1


def test_a_responsiveness_load_is_recorded_apart_from_the_speed_test(
    hub: measure.MeasureHandle, mdb: MeasureDB
) -> None:
    """Load transfers (``dr_use=load``) must never become the figure the hub signs."""
    import http.client

    from deskready.checks.network.responsiveness_load import LOAD_QUERY

    assert LOAD_QUERY == httpserver.LOAD_MARK  # the client and the hub agree on the mark
    sid = mdb.new_session("load1")
    conn = http.client.HTTPConnection("127.0.0.1", hub.measure_port, timeout=5)
    conn.request("GET", f"/m/{sid}/garbage.php?ckSize=4&{LOAD_QUERY}&x=1")
    resp = conn.getresponse()
    assert (resp.status, len(resp.read())) == (200, 4 * 1024 * 1024)
    conn.request("POST", f"/m/{sid}/empty.php?{LOAD_QUERY}", body=os.urandom(200_000))
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"")
    conn.close()
    hub.stop()
    assert mdb.rows(sid, "load_down")[0]["bytes"] == 4 * 1024 * 1024
    assert mdb.rows(sid, "load_up")[0]["bytes"] == 200_000
    assert mdb.rows(sid, "download") == mdb.rows(sid, "upload") == []
    seen = mdb.observed(sid)
    assert seen["network.download_mbps"] is None
    assert seen["network.upload_mbps"] is None


def test_session_states_and_bad_requests_get_their_documented_status(
    hub: measure.MeasureHandle, mdb: MeasureDB
) -> None:
    live = mdb.new_session("st1")
    old = mdb.new_session("st2", expires_in=-1)
    port = hub.measure_port
    cases = {
        "/m/nosuch/empty.php": 404,
        f"/m/{old}/empty.php": 410,
        f"/m/{live}/garbage.php?ckSize=0": 400,
        f"/m/{live}/garbage.php?ckSize=101": 400,
        f"/m/{live}/garbage.php?ckSize=99999999999999999999": 400,
        f"/m/{live}/garbage.php?ckSize=abc": 400,
        f"/m/{live}/secret.php": 404,
        "/m/../../etc/passwd": 404,
        "/": 404,
    }
    for path, status in cases.items():
        reply = get(port, path)
        assert status_of(reply) == status, (path, reply[:200])
        if status != 204:
            assert b"application/problem+json" in reply
    put = http_raw(port, f"PUT /m/{live}/empty.php HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    assert status_of(put) == 405


def test_a_session_over_its_byte_cap_gets_429(mdb: MeasureDB) -> None:
    handle = measure.start(hub_config(cap=3 * 1024 * 1024), mdb.sessions)
    try:
        sid = mdb.new_session("cap1")
        port = handle.measure_port
        first = get(port, f"/m/{sid}/garbage.php?ckSize=2")
        assert status_of(first) == 200
        second = get(port, f"/m/{sid}/garbage.php?ckSize=2")  # cut to what is left
        assert status_of(second) == 200
        assert b"Content-Length: 1048576\r\n" in second, second[:300]
        assert status_of(get(port, f"/m/{sid}/garbage.php?ckSize=1")) == 429
        post = (
            f"POST /m/{sid}/empty.php HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n"
        ).encode()
        assert status_of(http_raw(port, post)) == 429
    finally:
        handle.stop()


def test_bytes_flushed_while_a_session_is_read_still_count_against_its_cap(
    mdb: MeasureDB,
) -> None:
    """The race behind a once-flaky cap test: the session's row is read, a flush commits
    the process's moved bytes and drops them from its own count, and only then is the
    read stored. Stored as read, the bytes counted nowhere until the cache expired."""
    sid = mdb.new_session("race1")
    cap = 10_000
    recorder: record.Recorder

    class FlushMidRead:
        """A session whose first query has run when the flush commits."""

        def __init__(self) -> None:
            self.db = mdb.sessions()

        def __enter__(self) -> FlushMidRead:
            return self

        def __exit__(self, *exc: object) -> None:
            self.db.close()

        def execute(self, statement: object) -> object:
            result = self.db.execute(statement)  # type: ignore[call-overload]
            rows = result.all()
            if not flushed:
                flushed.append(True)
                recorder._factory = mdb.sessions  # the flush writes through the real one
                recorder.flush()
            return types.SimpleNamespace(first=lambda: rows[0] if rows else None)

    flushed: list[bool] = []
    recorder = record.Recorder(lambda: FlushMidRead(), cap)  # type: ignore[arg-type, return-value]
    recorder.moved(sid, 1000)
    assert recorder.bytes_left(sid) == cap - 1000
    assert flushed  # the flush did run in the middle of that read
    with mdb.sessions() as db:
        assert db.get(MeasureSession, sid).bytes_moved == 1000  # type: ignore[union-attr]
    assert recorder.bytes_left(sid) == cap - 1000  # and the cached read agrees


def test_bytes_flushed_between_the_row_and_the_own_count_still_count(mdb: MeasureDB) -> None:
    """The next race of the same test, found under CPU load: the row comes from the cache
    (or the database), then a flush moves the process's bytes into the table and drops
    them from its own count, and only then is that count read: neither held them."""
    sid = mdb.new_session("race2")
    cap = 10_000
    recorder = record.Recorder(mdb.sessions, cap)
    recorder.moved(sid, 1000)
    assert recorder.bytes_left(sid) == cap - 1000  # the row is cached now
    real_lookup = recorder._lookup
    flushed: list[bool] = []

    def lookup_then_flush(session_id: str) -> record._Cached:
        found = real_lookup(session_id)
        if not flushed:
            flushed.append(True)
            recorder.flush()  # between the row and the own count
        return found

    recorder._lookup = lookup_then_flush  # type: ignore[method-assign]
    assert recorder.bytes_left(sid) == cap - 1000
    assert flushed
    with mdb.sessions() as db:
        assert db.get(MeasureSession, sid).bytes_moved == 1000  # type: ignore[union-attr]


# -- hostile HTTP ---------------------------------------------------------------------------


def test_hostile_http_gets_an_answer_in_bounded_time_and_the_server_goes_on(
    hub: measure.MeasureHandle, mdb: MeasureDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(httpserver, "HEAD_S", 1.0)
    monkeypatch.setattr(httpserver, "GRACE_S", 1.0)
    monkeypatch.setattr(httpserver, "IDLE_S", 1.0)
    sid = mdb.new_session("hostile1")
    port = hub.measure_port

    started = time.monotonic()
    assert status_of(http_raw(port, b"GET /m/x/empty.php HTTP/1.1\r\n\r\n")) == 400  # no Host
    big = b"GET / HTTP/1.1\r\nHost: h\r\nX: " + b"a" * 40_000 + b"\r\n\r\n"
    assert status_of(http_raw(port, big)) == 431
    assert status_of(http_raw(port, b"\x16\x03\x01\x00\xa5garbage\r\n\r\n")) == 400  # TLS
    cl = f"POST /m/{sid}/empty.php HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n"
    assert status_of(http_raw(port, cl.encode())) == 400
    too_big = f"POST /m/{sid}/empty.php HTTP/1.1\r\nHost: h\r\nContent-Length: {1 << 40}\r\n\r\n"
    assert status_of(http_raw(port, too_big.encode())) == 413
    assert time.monotonic() - started < 5

    def trickle(first: bytes, then: bytes, seconds: float) -> tuple[bytes, float]:
        """Send ``first``, then one byte of ``then`` a second; what came back, and when."""
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(first)
            got = b""
            for byte in then[: int(seconds)]:
                with contextlib.suppress(OSError):
                    s.send(bytes([byte]))
                with contextlib.suppress(TimeoutError, OSError):
                    got += s.recv(4096)
                if got:
                    break
                time.sleep(0.8)
            return got, time.monotonic() - t0

    head = f"GET /m/{sid}/empty.php HTTP/1.1\r\nHost: h\r\n\r\n".encode()
    reply, took = trickle(head[:3], head[3:], 6)  # slow head: 408 after HEAD_S
    assert status_of(reply) == 408, reply
    assert took < 4
    post = f"POST /m/{sid}/empty.php HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n"
    reply, took = trickle(post.encode(), b"x" * 100, 6)  # 1 byte/s body: below the floor
    assert status_of(reply) == 408, reply
    assert took < 5

    # an idle keep-alive connection is closed after IDLE_S
    with socket.create_connection(("127.0.0.1", port), timeout=4) as s:
        t0 = time.monotonic()
        assert s.recv(10) == b""
        assert time.monotonic() - t0 < 3

    # a download nobody reads is cut off once acknowledgements stop (the floor)
    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(f"GET /m/{sid}/garbage.php?ckSize=100 HTTP/1.1\r\nHost: h\r\n\r\n".encode())
        time.sleep(3.0)
        t0, total, closed = time.monotonic(), 0, False
        while time.monotonic() - t0 < 5 and not closed:
            try:
                chunk = s.recv(1 << 20)
            except TimeoutError:
                continue
            except ConnectionResetError:
                closed = True
                break
            closed = not chunk
            total += len(chunk)
        assert closed
        assert total < 50 * 1024 * 1024

    assert status_of(get(port, f"/m/{sid}/empty.php")) == 200  # still serving


# -- STUN -----------------------------------------------------------------------------------


def _attr_types(reply: bytes) -> list[int]:
    out, pos = [], 20
    while pos + 4 <= len(reply):
        kind, length = struct.unpack_from("!HH", reply, pos)
        out.append(kind)
        pos += 4 + length + (-length % 4)
    return out


def test_stun_codec_answers_per_rfc_8489() -> None:
    peer = ("192.0.2.7", 40000)
    reply, req = stunserver.answer(stun_request("abc", 7), peer)
    assert req is not None
    assert req.username == "abc"
    assert req.sequence == 7
    parsed = parse_response(reply or b"")
    assert parsed is not None
    assert parsed.success
    assert parsed.mapped == peer
    # IPv6 and IPv4-mapped peers
    reply6, _ = stunserver.answer(stun_request(None, 1), ("2001:db8::5", 3478))
    assert parse_response(reply6 or b"").mapped == ("2001:db8::5", 3478)  # type: ignore[union-attr]
    reply4, _ = stunserver.answer(stun_request(None, 1), ("::ffff:192.0.2.9", 9))
    assert parse_response(reply4 or b"").mapped == ("192.0.2.9", 9)  # type: ignore[union-attr]
    # unknown comprehension-required attribute → 420 with UNKNOWN-ATTRIBUTES
    odd = struct.pack("!HH", 0x0777, 4) + b"abcd"
    reply, _ = stunserver.answer(stun_request("abc", 1, odd), peer)
    assert reply is not None
    assert struct.unpack_from("!H", reply)[0] == 0x0111
    assert 0x000A in _attr_types(reply)
    assert 0x0777.to_bytes(2, "big") in reply
    # unknown comprehension-optional attribute: ignored
    optional = struct.pack("!HH", 0xC001, 2) + b"ab\0\0"
    reply, _ = stunserver.answer(stun_request("abc", 1, optional), peer)
    assert parse_response(reply or b"").success  # type: ignore[union-attr]
    # FINGERPRINT: checked, and echoed
    reply, _ = stunserver.answer(stun_request("abc", 1, fingerprint=True), peer)
    assert reply is not None
    assert _attr_types(reply)[-1] == 0x8028
    crc = (binascii.crc32(reply[:-8]) ^ 0x5354554E) & 0xFFFFFFFF
    assert struct.unpack("!I", reply[-4:])[0] == crc
    # an unknown method → 400 of that method's error class
    other = bytearray(stun_request(None, 1))
    other[0:2] = struct.pack("!H", 0x0003)  # TURN Allocate
    reply, _ = stunserver.answer(bytes(other), peer)
    assert reply is not None
    assert struct.unpack_from("!H", reply)[0] == 0x0113
    # RFC 3489 client: MAPPED-ADDRESS, cookie field echoed
    classic = struct.pack("!HHI12s", 0x0001, 0, 0xDEADBEEF, os.urandom(12))
    reply, _ = stunserver.answer(classic, peer)
    assert reply is not None
    assert reply[4:8] == classic[4:8]
    assert 0x0001 in _attr_types(reply)


@pytest.mark.parametrize(
    "datagram",
    [
        b"",
        b"\x00\x01",
        stun_request(None, 1)[:19],
        b"\xc0" + stun_request(None, 1)[1:],  # top bits set
        stun_request(None, 1) + b"\0\0\0\0",  # length does not cover the datagram
        struct.pack("!HHI12s", 0x0001, 8, MAGIC_COOKIE, b"x" * 12) + b"\x00\x06\x00\x40abcd",
        struct.pack("!HHI12s", 0x0001, 2, MAGIC_COOKIE, b"x" * 12) + b"ab",  # length % 4
        struct.pack("!HHI12s", 0x0101, 0, MAGIC_COOKIE, b"x" * 12),  # a response
        struct.pack("!HHI12s", 0x0011, 0, MAGIC_COOKIE, b"x" * 12),  # an indication
        stun_request("abc", 1, fingerprint=True)[:-1] + b"\x00",  # wrong fingerprint
        os.urandom(1400),
    ],
)
def test_malformed_stun_is_dropped(datagram: bytes) -> None:
    assert stunserver.answer(datagram, ("127.0.0.1", 1)) == (None, None)


def test_stun_responder_records_live_sessions_only_and_survives_garbage(
    hub: measure.MeasureHandle, mdb: MeasureDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record, "MAX_PROBES_PER_SESSION", 60)
    sid = mdb.new_session("stun1")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        for _ in range(300):
            s.sendto(
                os.urandom(int.from_bytes(os.urandom(1), "big") + 1), ("127.0.0.1", hub.stun_port)
            )
        time.sleep(0.3)  # the flood may have filled the socket buffer: let it drain
        answered = 0
        for seq in range(80):
            if seq % 10 == 5:
                continue  # "lost" on the way up
            s.sendto(stun_request(sid, seq), ("127.0.0.1", hub.stun_port))
            s.sendto(stun_request("not-a-session", seq), ("127.0.0.1", hub.stun_port))
            for _ in range(2):
                parsed = parse_response(s.recv(2048))
                answered += bool(parsed and parsed.success)
            time.sleep(0.002)
    assert answered == 2 * 72
    time.sleep(0.2)
    hub.flush()
    probes = [p for row in mdb.rows(sid, "stun") for p in row["probes"]]  # type: ignore[attr-defined]
    assert len(probes) == 60  # bounded per session
    assert mdb.rows("not-a-session", "stun") == []
    seen = mdb.observed(sid, stun_interval_ms=2.0)
    # the first 60 recorded are seqs 0..66 less the 7 never sent (5, 15, … 65)
    assert seen["network.upstream_loss_pct"] == pytest.approx(100 * 7 / 67, abs=0.01)


def test_stun_over_ipv6_loopback(mdb: MeasureDB) -> None:
    try:
        handle = measure.start(hub_config(host="::1"), mdb.sessions)
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.settimeout(2.0)
            s.sendto(stun_request(None, 1), ("::1", handle.stun_port))
            parsed = parse_response(s.recv(2048))
            assert parsed is not None
            assert parsed.mapped == ("::1", s.getsockname()[1])
    finally:
        handle.stop()


def test_debian_stun_client_gets_a_mapped_address(hub: measure.MeasureHandle) -> None:
    if not (os.path.exists(STUN_BINARY) or shutil.which("stun")):
        pytest.skip("Debian's stun-client is not installed (scripts/test.sh installs it)")
    binary = STUN_BINARY if os.path.exists(STUN_BINARY) else str(shutil.which("stun"))
    out = subprocess.run(
        [binary, f"127.0.0.1:{hub.stun_port}", "1", "-v"],
        capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    print(out.stdout[-600:])
    assert "mappedAddr=127.0.0.1:" in out.stdout + out.stderr


# -- the figures ----------------------------------------------------------------------------


def test_upstream_loss_and_rfc3550_jitter() -> None:
    even = [(i, 100 + i * 0.02) for i in range(50)]
    assert upstream(even)["jitter_ms"] == pytest.approx(0.0, abs=1e-9)
    assert upstream(even)["loss_pct"] == 0.0
    assert upstream(even, sent=100)["loss_pct"] == pytest.approx(50.0)
    assert upstream([*even, (3, 100.5)])["received"] == 50  # a duplicate counts once
    # every other probe 2 ms late: |D| = 2 ms on every step; J → 2 ms (RFC 3550 A.8)
    wobble = [(i, 100 + i * 0.02 + (0.002 if i % 2 else 0.0)) for i in range(400)]
    j = 0.0
    for (_s, a), (_t, b) in itertools.pairwise(wobble):
        j += (abs((b - a) - 0.02) - j) / 16
    assert upstream(wobble)["jitter_ms"] == pytest.approx(j * 1000, rel=1e-6)
    assert upstream(wobble)["jitter_ms"] == pytest.approx(2.0, abs=0.01)


def test_summary_of_a_session_with_nothing_observed(mdb: MeasureDB) -> None:
    sid = mdb.new_session("quiet")
    seen = mdb.observed(sid)
    assert seen["network.download_mbps"] is None
    assert seen["network.upstream_loss_pct"] is None
    assert seen["source"] is None
    assert mdb.observed(sid, stun_sent=50)["network.upstream_loss_pct"] == 100.0
