"""Submitting a report: the protocol's checks, disputed figures, the signed attestation.

Against the app in-process (httpx.ASGITransport), on SQLite and on a real PostgreSQL.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from deskready.hub import keyring
from deskready.hub.db import now
from deskready.hub.intake import DISPUTE_MARGIN, disputes
from deskready.hub.models import Invite, MeasureSession, Report
from deskready.report.integrity import seal
from deskready.trust.envelope import EnvelopeError, verify
from deskready.trust.keys import public_from_text
from tests.hub.api_helpers import Hub, make_hub, make_report
from tests.hub.conftest import HubEnv


@pytest.fixture
def hub(hub_db: HubEnv) -> Hub:
    return make_hub(hub_db)


async def _join(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    answer = await client.post("/api/v1/sessions", json={"invite": code})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def _submit(
    client: httpx.AsyncClient, report: dict[str, Any], session: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/sessions/{session}/report",
        content=json.dumps(report).encode(),
        headers={"content-type": "application/json"},
    )


def _keys(info: dict[str, Any]) -> dict[str, Any]:
    return {kid: public_from_text(text) for kid, text in info["public_keys"].items()}


def _problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = dict(answer.json())
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == status
    assert body["detail"]
    return body


def test_whole_flow_signs_what_the_hub_saw(hub: Hub) -> None:
    hub.observed.update(
        {
            "network.download_mbps": 47.5,
            "network.upload_mbps": 9.6,
            "network.upstream_loss_pct": 0.0,
            "source": {"family": "ipv4", "prefix": "203.0.113.0/24"},
        }
    )
    code = hub.invite()

    async def flow(client: httpx.AsyncClient) -> None:
        info = (await client.get("/api/v1/info")).json()
        joined = await _join(client, code)
        spec = await client.get(
            joined["spec"]["url"], headers={"Authorization": f"Session {joined['session']}"}
        )
        assert spec.status_code == 200
        assert spec.headers["content-type"] == "application/toml"
        report = make_report(joined)
        answer = await _submit(client, report, joined["session"])
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["disputed"] == []
        assert body["verify_url"] == f"https://hub.example/verify/{body['report_id']}"
        checked = verify(body["attestation"], _keys(info))
        assert checked.key_id == info["key_id"]
        statement = checked.statement
        assert statement["report_digest"] == "sha256:" + report["integrity"]["digest"]
        assert statement["nonce"] == joined["nonce"]
        assert statement["agent_id"] == "AG-7"
        assert statement["spec"] == {"name": "acme", "sha256": joined["spec"]["sha256"]}
        assert statement["observed"]["network.download_mbps"] == 47.5
        assert statement["verdict"] == report["verdict"] == "ready"
        page = await client.get(f"/verify/{body['report_id']}")
        assert page.status_code == 200
        assert "47.5" in page.text
        assert info["key_id"] in page.text
        assert "<script>" not in page.text  # the agent's name is data, never markup

        again = await _submit(client, report, joined["session"])  # the outbox sends it again
        assert again.status_code == 200
        assert again.json() == body

    hub.run(flow)
    with hub.env.sessions() as db:
        assert db.query(Report).count() == 1


def test_disputed_figures_are_judged_on_the_hubs_value(hub: Hub) -> None:
    hub.observed.update({"network.download_mbps": 12.0, "network.upload_mbps": 9.5})
    code = hub.invite()

    async def flow(client: httpx.AsyncClient) -> None:
        joined = await _join(client, code)
        report = make_report(joined, down=48.0, up=9.7)  # 48 claimed, 12 seen: a lie
        assert report["verdict"] == "ready"
        answer = await _submit(client, report, joined["session"])
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["disputed"] == ["network.download_mbps"]  # 9.7 vs 9.5 is within 10 %
        info = (await client.get("/api/v1/info")).json()
        statement = verify(body["attestation"], _keys(info)).statement
        assert statement["verdict"] == "not_ready"  # 12 < the spec's 20
        page = await client.get(f"/verify/{body['report_id']}")
        assert "disputed" in page.text

    hub.run(flow)


def test_dispute_margin_is_ten_percent() -> None:
    seen = {"network.download_mbps": 100.0, "network.upstream_loss_pct": 2.0}
    assert DISPUTE_MARGIN == 0.10
    assert disputes({"network.download_mbps": 110.0}, seen) == {}
    assert disputes({"network.download_mbps": 110.5}, seen) == {"network.download_mbps": 100.0}
    assert disputes({"network.loss_pct": 1.9}, seen) == {}
    assert disputes({"network.loss_pct": 0.5}, seen) == {"network.loss_pct": 2.0}
    assert disputes({"network.download_mbps": 500.0}, {}) == {}  # nothing observed


def test_tampered_resealed_replayed_and_misbound_reports_are_refused(hub: Hub) -> None:
    code = hub.invite(uses=3)
    other = hub.invite("AG-8")

    async def flow(client: httpx.AsyncClient) -> None:
        first = await _join(client, code)
        second = await _join(client, code)
        report = make_report(first)

        edited = json.loads(json.dumps(report))
        edited["results"][0]["measurements"]["network.download_mbps"] = 900.0
        assert "altered" in _problem(await _submit(client, edited, first["session"]), 400)["detail"]

        resealed = json.loads(json.dumps(report))
        resealed["hub"]["nonce"] = "0" * 64
        _problem(await _submit(client, seal(resealed), first["session"]), 403)

        # a report bound to the first session, sent to the second
        _problem(await _submit(client, report, second["session"]), 403)

        # a failed rule dropped and the verdict flipped, resealed
        failing = make_report(second, down=5.0)
        assert failing["verdict"] == "not_ready"
        dropped = json.loads(json.dumps(failing))
        dropped["rules"] = [r for r in dropped["rules"] if r["outcome"] != "fail"]
        dropped["verdict"] = "ready"
        _problem(await _submit(client, seal(dropped), second["session"]), 400)
        flipped = json.loads(json.dumps(failing))
        flipped["verdict"] = "ready"
        _problem(await _submit(client, seal(flipped), second["session"]), 400)

        assert (await _submit(client, report, first["session"])).status_code == 201
        # the same nonce again with another report: a replay
        replay = make_report(first, down=30.0)
        _problem(await _submit(client, replay, first["session"]), 409)

        # another agent's invite: the report names AG-7, the session is AG-8's
        foreign = await _join(client, other)
        _problem(
            await _submit(client, make_report(foreign, agent_id="AG-7"), foreign["session"]), 403
        )

        third = await _join(client, code)
        partial = make_report(third, only=["bandwidth"])
        assert partial["scope"]["complete"] is False
        _problem(await _submit(client, partial, third["session"]), 422)

        _problem(await _submit(client, report, "f" * 32), 404)
        notjson = await client.post(f"/api/v1/sessions/{first['session']}/report", content=b"[1, 2")
        _problem(notjson, 400)

    hub.run(flow)


def test_other_spec_is_refused(hub: Hub) -> None:
    code = hub.invite()

    async def flow(client: httpx.AsyncClient) -> None:
        joined = await _join(client, code)
        other = make_report(
            joined, spec=b'[employer]\nname = "X"\n[rules."network.upload_mbps"]\nmin = 1\n'
        )
        assert (
            "spec"
            in _problem(await _submit(client, other, joined["session"]), 403)["title"].lower()
        )

    hub.run(flow)


def test_expired_session_is_gone_but_a_stored_report_is_still_answered(hub: Hub) -> None:
    code = hub.invite(uses=2)

    async def flow(client: httpx.AsyncClient) -> tuple[str, str]:
        late = await _join(client, code)
        early = await _join(client, code)
        stored = make_report(early)
        assert (await _submit(client, stored, early["session"])).status_code == 201
        with hub.env.sessions() as db:
            db.execute(update(MeasureSession).values(expires_at=now() - timedelta(seconds=1)))
            db.commit()
        _problem(await _submit(client, make_report(late), late["session"]), 410)
        assert (await _submit(client, stored, early["session"])).status_code == 200
        return late["session"], early["session"]

    hub.run(flow)


def test_a_rotated_key_still_verifies_old_attestations(hub: Hub) -> None:
    code = hub.invite(uses=2)

    async def flow(client: httpx.AsyncClient) -> None:
        joined = await _join(client, code)
        old = (await _submit(client, make_report(joined), joined["session"])).json()
        with hub.env.sessions() as db:
            old_id, new_id = keyring.rotate(hub.env.config, db)
        info = (await client.get("/api/v1/info")).json()
        assert info["key_id"] == new_id
        assert set(info["public_keys"]) == {old_id, new_id}
        assert verify(old["attestation"], _keys(info)).key_id == old_id
        joined = await _join(client, code)
        new = (await _submit(client, make_report(joined), joined["session"])).json()
        assert verify(new["attestation"], _keys(info)).key_id == new_id
        with pytest.raises(EnvelopeError):
            verify(new["attestation"], {old_id: _keys(info)[old_id]})
        # an edited statement does not verify
        forged = dict(new["attestation"])
        statement = json.loads(base64.b64decode(forged["payload"]))
        statement["verdict"] = "ready"
        forged["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
        with pytest.raises(EnvelopeError):
            verify(forged, _keys(info))

    hub.run(flow)


def test_join_errors(hub: Hub) -> None:
    code = hub.invite(uses=1)
    expired = hub.invite("AG-9")
    with hub.env.sessions() as db:
        db.execute(
            update(Invite)
            .where(Invite.agent_id == "AG-9")
            .values(expires_at=now() - timedelta(seconds=1))
        )
        db.commit()

    async def flow(client: httpx.AsyncClient) -> None:
        await _join(client, code)
        _problem(await client.post("/api/v1/sessions", json={"invite": code}), 410)
        _problem(await client.post("/api/v1/sessions", json={"invite": expired}), 410)
        _problem(await client.post("/api/v1/sessions", json={"invite": "A" * 32}), 404)
        _problem(await client.post("/api/v1/sessions", json={"nope": 1}), 422)
        _problem(await client.get("/api/v1/specs/acme/" + "0" * 64), 401)
        _problem(
            await client.get(
                "/api/v1/specs/acme/" + "0" * 64, headers={"Authorization": "Session nope"}
            ),
            401,
        )

    hub.run(flow)


def test_the_agent_reads_back_what_the_hub_counted_in_its_own_session(hub: Hub) -> None:
    hub.observed.update(
        {
            "network.upstream_loss_pct": 2.5,
            "network.upstream_jitter_ms": 1.5,
            "tcp": {"rtt_ms": 3.0},  # working data stays on the hub
            "source": {"family": "ipv4", "prefix": "203.0.113.0/24"},
        }
    )
    mine, theirs = hub.invite(), hub.invite("AG-8")

    async def flow(client: httpx.AsyncClient) -> None:
        joined = await _join(client, mine)
        other = await _join(client, theirs)
        url = f"/api/v1/sessions/{joined['session']}/observed"
        answer = await client.get(url, headers={"Authorization": f"Session {joined['session']}"})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "observed": {"network.upstream_loss_pct": 2.5, "network.upstream_jitter_ms": 1.5}
        }
        _problem(await client.get(url), 401)  # no session header
        _problem(
            await client.get(url, headers={"Authorization": f"Session {other['session']}"}), 403
        )

    hub.run(flow)


def test_a_nonce_consumed_first_by_another_submission_stores_nothing(hub: Hub) -> None:
    """The race intake's one-statement consume-and-store (PostgreSQL) and its two
    statements (SQLite) must lose cleanly: no report row, the session left as it was."""
    from sqlalchemy import func, select

    from deskready.hub.intake import _consume_and_store

    code = hub.invite()
    joined = hub.run(lambda c: _join(c, code))
    session_id = joined["session"]
    with hub.env.sessions() as db:
        db.execute(
            update(MeasureSession)
            .where(MeasureSession.id == session_id)
            .values(used_by_digest="sha256:other")
        )
        db.commit()
    values = {
        "id": "1" * 32, "session_id": session_id, "agent_id": "AG-7", "spec_id": 1,
        "verdict": "ready", "disputed": False, "received_at": now(), "digest": "sha256:mine",
        "body": {"rules": []}, "observed": {}, "attestation": {},
    }  # fmt: skip
    with hub.env.sessions() as db:
        assert _consume_and_store(db, session_id, "sha256:mine", values) is False
        db.rollback()
        assert db.scalar(select(func.count()).select_from(Report)) == 0
        used = db.scalar(
            select(MeasureSession.used_by_digest).where(MeasureSession.id == session_id)
        )
        assert used == "sha256:other"
    with hub.env.sessions() as db:  # and the winner's path stores exactly one row
        db.execute(
            update(MeasureSession)
            .where(MeasureSession.id == session_id)
            .values(used_by_digest=None)
        )
        assert _consume_and_store(db, session_id, "sha256:mine", values) is True
        db.commit()
        stored = db.get(Report, "1" * 32)
        assert stored is not None
        assert stored.body == {"rules": []}
        assert stored.received_at is not None
