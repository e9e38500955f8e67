"""The hub's STUN responder for voice-sized probes, and the answered list it serves.

* A Binding request carrying PADDING (RFC 5780 §7.6) gets a success response of exactly
  the request's size (with or without FINGERPRINT), so the way back is voice-sized too.
* The recorder marks a probe whose answer could not be sent; ``answered_probes`` leaves it
  out (the client may count only answers that were sent as lost downstream).
* ``GET /api/v1/sessions/<id>/observed?stun=true`` serves that list to the session only.
"""

from __future__ import annotations

import socket
import struct
import time
from typing import Any

import pytest

pytest.importorskip("h11", reason="the hub extra is not installed")

import httpx

from deskready.checks.api import CheckContext, Measurements
from deskready.checks.network.call_quality_check import CallQualityCheck
from deskready.checks.network.stun import (
    VOICE_PAYLOAD_BYTES,
    binding_request,
    parse_response,
    sequenced_transaction_id,
)
from deskready.hub import measure
from deskready.hub.measure import stunserver
from deskready.hub.measure.summary import answered_probes, upstream
from deskready.hub.models import Observation
from tests.hub.api_helpers import Hub, make_hub
from tests.hub.conftest import HubEnv
from tests.hub.test_measure import MeasureDB, hub, mdb, stun_request  # noqa: F401 (fixtures)

PADDING = 0x0026


def _attributes(message: bytes) -> dict[int, bytes]:
    found, pos = {}, 20
    while pos + 4 <= len(message):
        kind, length = struct.unpack_from("!HH", message, pos)
        found[kind] = message[pos + 4 : pos + 4 + length]
        pos += 4 + length + (-length % 4)
    return found


@pytest.mark.parametrize("fingerprint", [False, True])
@pytest.mark.parametrize("peer", [("192.0.2.9", 5004), ("2001:db8::5", 5004)])
def test_a_padded_request_gets_an_answer_of_its_own_size(
    fingerprint: bool, peer: tuple[str, int]
) -> None:
    pad = 172 - 20 - 8 - 4 - (8 if fingerprint else 0)  # header, USERNAME "sess", PADDING
    request = stun_request(
        "sess", 9, struct.pack("!HH", PADDING, pad) + b"\0" * pad, fingerprint=fingerprint
    )
    assert len(request) == VOICE_PAYLOAD_BYTES
    reply, parsed = stunserver.answer(request, peer)
    assert parsed is not None
    assert parsed.padding
    assert reply is not None
    assert len(reply) == len(request)
    response = parse_response(reply)
    assert response is not None
    assert response.success
    assert response.mapped == peer
    attrs = _attributes(reply)
    assert PADDING in attrs
    assert (stunserver.ATTR_FINGERPRINT in attrs) is fingerprint


def test_the_clients_padded_request_is_answered_at_voice_size() -> None:
    request = binding_request(sequenced_transaction_id(3), "abcdefgh", VOICE_PAYLOAD_BYTES)
    assert len(request) == VOICE_PAYLOAD_BYTES
    reply, _ = stunserver.answer(request, ("198.51.100.1", 40000))
    assert reply is not None
    assert len(reply) == VOICE_PAYLOAD_BYTES


def test_unpadded_requests_keep_the_short_answer() -> None:
    reply, parsed = stunserver.answer(stun_request("sess", 1), ("192.0.2.9", 9))
    assert parsed is not None
    assert not parsed.padding
    assert reply is not None
    assert len(reply) == 20 + 12  # header + XOR-MAPPED-ADDRESS (IPv4)


def test_padding_smaller_than_the_answer_adds_nothing() -> None:
    request = stun_request(None, 1, struct.pack("!HH", PADDING, 0))  # 24 bytes
    reply, _ = stunserver.answer(request, ("2001:db8::5", 9))
    assert reply is not None
    assert len(reply) == 20 + 24  # never padded beyond what the address needs


def test_the_responder_answers_voice_size_and_records_what_it_answered(
    hub: measure.MeasureHandle,  # noqa: F811
    mdb: MeasureDB,  # noqa: F811
) -> None:
    sid = mdb.new_session("voice1")
    sizes = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        for seq in range(20):
            if seq in (4, 11):
                continue  # "lost" on the way up
            tid = sequenced_transaction_id(seq)
            s.sendto(binding_request(tid, sid, VOICE_PAYLOAD_BYTES), ("127.0.0.1", hub.stun_port))
            sizes.append(len(s.recv(2048)))
            time.sleep(0.002)
    assert sizes == [VOICE_PAYLOAD_BYTES] * 18
    time.sleep(0.1)
    hub.flush()
    with mdb.sessions() as db:
        listed = answered_probes(db, sid)
    assert listed["sequences"] == [s for s in range(20) if s not in (4, 11)]
    assert listed["arrivals_ms"][0] == 0.0
    assert listed["arrivals_ms"] == sorted(listed["arrivals_ms"])
    assert listed["arrivals_ms"][-1] == pytest.approx(19 * 2.0, abs=40.0)  # ≥ 2 ms apart
    assert listed["first_arrival"] > 1e9  # epoch seconds, the hub's clock
    # each answer left after its request arrived, and soon after (the responder's delay)
    delays = [
        out - at for at, out in zip(listed["arrivals_ms"], listed["answered_ms"], strict=True)
    ]
    assert all(0.0 <= d < 50.0 for d in delays), delays


def test_a_probe_whose_answer_failed_is_received_but_not_answered(mdb: MeasureDB) -> None:  # noqa: F811
    sid = mdb.new_session("voice2")
    with mdb.sessions() as db:
        probes = [[0, 100.0], [1, 100.02, 0], [2, 100.04, 100.0405], [2, 100.05]]
        db.add(Observation(session_id=sid, kind="stun", data={"probes": probes}))
        db.commit()
        listed = answered_probes(db, sid)
        seen = mdb.observed(sid)
    assert listed["sequences"] == [0, 2]  # 1 arrived, its answer never left; 2 once
    assert listed["arrivals_ms"] == [0.0, 40.0]
    assert listed["answered_ms"] == [0.0, 40.5]  # an older [seq, t] row: answered at t
    assert seen["network.upstream_loss_pct"] == 0.0  # received is received (upstream)
    assert upstream([(0, 1.0), (1, 1.02)])["received"] == 2


def test_the_agent_reads_the_answered_list_of_its_own_session(hub_db: HubEnv) -> None:
    app_hub: Hub = make_hub(hub_db)
    code = app_hub.invite()

    async def flow(client: httpx.AsyncClient) -> dict[str, Any]:
        joined = (await client.post("/api/v1/sessions", json={"invite": code})).json()
        sid = joined["session"]
        with hub_db.sessions() as db:
            data = {"probes": [[1, 50.0, 50.001], [0, 49.98], [3, 50.04, 0]]}
            db.add(Observation(session_id=sid, kind="stun", data=data))
            db.commit()
        url = f"/api/v1/sessions/{sid}/observed"
        auth = {"Authorization": f"Session {sid}"}
        plain = await client.get(url, headers=auth)
        assert plain.status_code == 200, plain.text
        assert "stun" not in plain.json()  # only when asked: it is tens of kilobytes
        asked = await client.get(f"{url}?stun=true", headers=auth)
        assert asked.status_code == 200, asked.text
        assert (await client.get(f"{url}?stun=true")).status_code == 401
        return dict(asked.json())

    body = app_hub.run(flow)
    assert body["stun"]["sequences"] == [0, 1]
    assert body["stun"]["arrivals_ms"] == [0.0, pytest.approx(20.0)]
    assert body["stun"]["answered_ms"] == [0.0, pytest.approx(21.0)]
    assert body["stun"]["first_arrival"] == pytest.approx(49.98)


# ---- the agent's call-quality check against the hub's responder, in-process ---------------
def _call_quality(port: int) -> Measurements:
    ctx = CheckContext(
        settings={"stun_servers": [f"127.0.0.1:{port}"], "duration_s": 1}, time_budget_s=20
    )
    return CallQualityCheck().run(ctx)


def test_the_check_gets_voice_sized_answers_from_the_hub() -> None:
    responder = stunserver.StunResponder("127.0.0.1", 0, None)
    responder.start()
    try:
        m = _call_quality(responder.port)
    finally:
        responder.stop()
    assert m.details["upstream_packet_bytes"] == m.details["downstream_packet_bytes"] == 172
    assert m.details["voice_sized_downstream"] is True
    assert not any("-byte packets" in t for t in m.messages)


def test_a_server_refusing_padding_gets_short_requests_and_the_report_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an RFC 8489 server that does not know PADDING answers 420 (comprehension-required)
    monkeypatch.setattr(
        stunserver, "KNOWN_REQUIRED", stunserver.KNOWN_REQUIRED - {stunserver.ATTR_PADDING}
    )
    monkeypatch.setattr(stunserver, "ATTR_PADDING", 0x7FFF)  # 0x0026 is now unknown to it
    responder = stunserver.StunResponder("127.0.0.1", 0, None)
    responder.start()
    try:
        m = _call_quality(responder.port)
    finally:
        responder.stop()
    assert m.values["network.loss_pct"] == 0.0  # the short requests were all answered
    assert m.details["upstream_packet_bytes"] == 20
    assert m.details["voice_sized_upstream"] is False
    assert any("refused voice-sized test packets" in t for t in m.messages)
