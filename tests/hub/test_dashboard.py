"""The fleet dashboard through the hub's real app: intake fills the fleet tables, every
page asks for a sign-in, filters and counts agree with the database, keyset pages cover
every agent once, exports are injection-safe, a supervisor only reads, forms need CSRF,
specs show their problems with lines, and pages come in the reader's language."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from deskready.hub import admin
from deskready.hub.config import HubConfig
from deskready.hub.db import make_engine, now, session_factory
from deskready.hub.fleet import queries
from deskready.hub.fleet.export import safe_cell
from deskready.hub.fleet.record import every_days, every_days_of, record_report
from deskready.hub.models import AuditEntry, FleetAgent, FleetDay, FleetFailure, Report
from deskready.hub.web import language_of
from tests.hub.api_helpers import SPEC, Hub, make_hub
from tests.hub.conftest import ADMIN_EMAIL, HubEnv
from tests.hub.dashboard_helpers import SPEC_REVERIFY, send_report, sign_in, unlimited

SUPERVISOR = "lead@hub.example"
SUPERVISOR_PASSWORD = "a supervisor's long passphrase"


@pytest.fixture
def hub(hub_config: HubConfig) -> Iterator[Hub]:
    engine = make_engine(hub_config.database_url)
    env = HubEnv("sqlite", hub_config, engine, session_factory(engine))
    made = unlimited(make_hub(env))
    env.upload_spec("acme", SPEC_REVERIFY)  # the newest "acme": re-verify every 7 days
    with env.sessions() as db:
        admin.add_user(db, SUPERVISOR, SUPERVISOR_PASSWORD, role="supervisor", actor=ADMIN_EMAIL)
        db.commit()
    yield made
    engine.dispose()


def _fleet(hub: Hub) -> dict[str, FleetAgent]:
    with hub.env.sessions() as db:
        return {a.agent_id: a for a in db.scalars(select(FleetAgent))}


def test_intake_keeps_the_latest_report_per_agent_and_its_failures(hub: Hub) -> None:
    old = now() - timedelta(days=10)

    async def flow(client: httpx.AsyncClient) -> None:
        await send_report(hub, client, "AG-1", team="north", received=old)
        await send_report(hub, client, "AG-1", team="north", up=2.0)  # upload below 5: fails
        await send_report(hub, client, "AG-2", team="south", received=old)

    hub.run(flow)
    fleet = _fleet(hub)
    assert fleet["AG-1"].verdict == "not_ready"
    assert fleet["AG-1"].reports == 2
    assert fleet["AG-2"].verdict == "ready"
    assert fleet["AG-2"].team == "south"
    with hub.env.sessions() as db:
        failures = db.execute(select(FleetFailure.agent_id, FleetFailure.metric)).all()
        assert failures == [("AG-1", "network.upload_mbps")]
        assert db.scalar(select(func.sum(FleetDay.reports))) == 3
        moment = now()
        per_day = queries.overview(db, moment).reports_per_day  # the overview's table
        assert per_day[old.date()] == 2
        assert sum(per_day.values()) == 3
        late = queries.agents_page(db, queries.Filters(overdue=True), moment)
        assert [a.agent_id for a in late.rows] == ["AG-2"]  # 10 days > every 7 days
        # an older report arriving late is counted but does not replace the newer one
        newest = db.get(Report, fleet["AG-1"].report_id)
        assert newest is not None
        stale = Report(
            id="0" * 32, agent_id="AG-1", verdict="ready", disputed=False,
            received_at=old - timedelta(days=1), body={"rules": []}, spec_id=newest.spec_id,
        )  # fmt: skip
        record_report(db, stale, team="north", spec=newest_spec(db, newest))
        db.commit()
        again = db.get(FleetAgent, "AG-1")
        assert again is not None
        assert again.report_id == newest.id
        assert again.reports == 3
        assert again.verdict == "not_ready"


def newest_spec(db, report: Report):  # type: ignore[no-untyped-def]
    from deskready.hub.models import SpecFile

    return db.get(SpecFile, report.spec_id)


def test_every_days_is_read_from_the_stored_spec() -> None:
    assert every_days_of(SPEC_REVERIFY) == 7
    assert every_days_of(b"[reverify]\nevery_days = 0\n") is None
    assert every_days_of(b"[reverify]\nevery_days = true\n") is None
    assert every_days_of(b"not toml [") is None


def test_keyset_pages_cover_every_agent_once_for_every_sort(hub: Hub) -> None:
    moment = now()
    with hub.env.sessions() as db:
        for i in range(23):
            db.add(
                FleetAgent(
                    agent_id=f"A{i:03d}", team="t" if i % 2 else "", spec_name="acme",
                    report_id=f"{i:032d}", verdict=queries.VERDICTS[i % 3], disputed=i % 5 == 0,
                    received_at=moment - timedelta(hours=i % 4), overdue_at=None, reports=1,
                )
            )  # fmt: skip
        db.commit()
        for sort in queries.SORTS:
            for verdict in ("", "not_ready"):
                filters = queries.Filters(sort=sort, verdict=verdict)
                seen: list[str] = []
                after = ""
                for _page in range(30):
                    page = queries.agents_page(db, filters, moment, after=after, size=4)
                    seen += [a.agent_id for a in page.rows]
                    if page.next_cursor is None:
                        break
                    after = page.next_cursor
                expected = db.scalars(
                    select(FleetAgent.agent_id).where(*filters.conditions(moment))
                ).all()
                assert sorted(seen) == sorted(expected), (sort, verdict)
                assert len(seen) == len(set(seen)) == page.total
                streamed = [a.agent_id for a in queries.iter_agents(db, filters, moment, chunk=5)]
                assert streamed == seen
        assert queries.decode_cursor("not a cursor!", "latest") is None


def test_pages_need_a_sign_in(hub: Hub) -> None:
    async def flow(client: httpx.AsyncClient) -> None:
        for path in ("/admin", "/admin/overview", "/admin/agents", "/admin/agent?id=x",
                     "/admin/invites", "/admin/specs", "/admin/audit"):  # fmt: skip
            answer = await client.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"] == "/login", path
        for path in ("/admin/agents.csv", "/admin/agents.json", "/admin/reports/x.json"):
            assert (await client.get(path)).status_code == 401, path

    hub.run(flow)


def test_overview_agents_filters_export_and_agent_page(hub: Hub) -> None:
    async def flow(client: httpx.AsyncClient) -> None:
        await send_report(hub, client, "AG-1", team="north", up=20.0)
        await send_report(hub, client, "AG-1", team="north", up=4.0)
        await send_report(hub, client, "=HYPERLINK(1)", team="-south", down=5.0)
        await send_report(hub, client, "AG-3", team="north")
        hub.observed.update({"network.download_mbps": 10.0})  # the hub saw less than claimed
        await send_report(hub, client, "AG-4", team="north", down=48.0)
        await sign_in(client)

        overview = await client.get("/admin/overview")
        assert overview.status_code == 200
        assert overview.headers["cache-control"] == "no-store"
        assert "<svg" in overview.text
        assert "at the end of each day" in overview.text
        assert "Upload" in overview.text  # the requirement failed most often

        page = await client.get("/admin/agents", params={"verdict": "not_ready"})
        with hub.env.sessions() as db:
            count = db.scalar(
                select(func.count())
                .select_from(FleetAgent)
                .where(FleetAgent.verdict == "not_ready")
            )
        assert count == 3  # AG-1 (upload), the formula one (download), AG-4 (disputed)
        assert f"{count} agents match." in page.text
        disputed = await client.get("/admin/agents", params={"disputed": "1"})
        assert "1 agent matches." in disputed.text
        assert "AG-4" in disputed.text
        teams = await client.get("/admin/agents", params={"team": "north", "q": "AG-"})
        assert "3 agents match." in teams.text

        exported = await client.get("/admin/agents.csv", params={"verdict": "not_ready"})
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert {r["agent_id"] for r in rows} == {"AG-1", "'=HYPERLINK(1)", "AG-4"}
        assert {r["team"] for r in rows} == {"north", "'-south"}
        as_json = json.loads((await client.get("/admin/agents.json")).text)
        assert len(as_json["agents"]) == 4
        assert {a["agent_id"] for a in as_json["agents"]} >= {"=HYPERLINK(1)"}  # JSON is data

        agent = await client.get("/admin/agent", params={"id": "AG-1"})
        assert agent.status_code == 200
        assert "→" in agent.text
        assert "Upload" in agent.text
        assert "The hub did not observe any network figure" in agent.text
        assert agent.text.count("<svg") >= 2
        four = await client.get("/admin/agent", params={"id": "AG-4"})
        assert "Observed by the hub" in four.text
        assert "Reported by the agent&#39;s computer" in four.text
        assert "disputed: judged on the hub&#39;s value" in four.text
        assert (await client.get("/admin/agent", params={"id": "nobody"})).status_code == 404

    hub.run(flow)


def test_signed_json_download_verifies_offline(hub: Hub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from deskready.hubclient.attest import check
    from deskready.trust.keys import key_id

    async def flow(client: httpx.AsyncClient) -> bytes:
        answer = await send_report(hub, client, "AG-9")
        await sign_in(client)
        got = await client.get(f"/admin/reports/{answer['report_id']}.json")
        assert got.status_code == 200
        assert "attachment" in got.headers["content-disposition"]
        return got.content

    data = json.loads(hub.run(flow))
    public = hub.app.state.hub.keys.signing_key().public_key()
    result = check(data, {key_id(public): public})
    assert result.ok, result.problems
    data["agent"]["id"] = "AG-10"  # an edit is caught
    assert not check(data, {key_id(public): public}).ok


def test_supervisor_reads_but_cannot_change(hub: Hub) -> None:
    async def flow(client: httpx.AsyncClient) -> None:
        csrf = await sign_in(client, SUPERVISOR, SUPERVISOR_PASSWORD)
        page = await client.get("/admin/invites")
        assert page.status_code == 200
        assert "supervisor, read only" in page.text
        assert 'action="/admin/invites"' not in page.text  # no form to make one
        made = await client.post(
            "/admin/invites", data={"csrf_token": csrf, "agent_id": "X", "spec": "acme"}
        )
        assert made.status_code == 403
        assert (await client.get("/admin/agents")).status_code == 200

    hub.run(flow)


def test_invites_and_specs_in_the_browser_forms(hub: Hub) -> None:
    async def flow(client: httpx.AsyncClient) -> None:
        csrf = await sign_in(client)
        form = {"agent_id": "AG-77", "team": "west", "spec": "acme", "expires": "2d", "uses": "1"}
        assert (await client.post("/admin/invites", data=form)).status_code == 403  # no CSRF
        made = await client.post("/admin/invites", data={**form, "csrf_token": csrf})
        assert made.status_code == 201
        code = made.text.split('id="invite-code">', 1)[1].split("<", 1)[0]
        joined = await client.post("/api/v1/sessions", json={"invite": code})
        assert joined.status_code == 201
        assert joined.json()["agent_id"] == "AG-77"
        bad = await client.post(
            "/admin/invites", data={**form, "expires": "forever", "csrf_token": csrf}
        )
        assert bad.status_code == 422
        assert "is not a duration" in bad.text

        second = await client.post("/admin/invites", data={**form, "csrf_token": csrf})
        code2 = second.text.split('id="invite-code">', 1)[1].split("<", 1)[0]
        with hub.env.sessions() as db:
            invite = admin.find_invite(db, code2)
            assert invite is not None
            invite_id = invite.id
        expired = await client.post(f"/admin/invites/{invite_id}/expire", data={"csrf_token": csrf})
        assert expired.status_code == 303
        gone = await client.post("/api/v1/sessions", json={"invite": code2})
        assert gone.status_code == 410

        broken = b'[employer]\nname = "x"\n[rules."network.download_mbps"]\nmin = "fast"\n[rules."no.such_metric"]\nmin = 1\n'
        files = {"file": ("broken.toml", broken, "text/plain")}
        refused = await client.post(
            "/admin/specs", data={"csrf_token": csrf, "name": "broken"}, files=files
        )
        assert refused.status_code == 422
        problems = refused.text.split('id="spec-problems">', 1)[1].split("</ul>", 1)[0]
        assert problems.count("<li>") >= 2
        assert "broken.toml:4:" in problems
        assert "broken.toml:5:" in problems
        good = {"file": ("good.toml", SPEC_REVERIFY, "text/plain")}
        stored = await client.post(
            "/admin/specs", data={"csrf_token": csrf, "name": "good"}, files=good
        )
        assert stored.status_code == 201
        assert "7 days" in stored.text
        audit = await client.get("/admin/audit")
        assert "invite.expire" in audit.text
        assert "spec.upload" in audit.text

    hub.run(flow)
    with hub.env.sessions() as db:
        actions = set(db.scalars(select(AuditEntry.action)))
    assert {"invite.create", "invite.expire", "spec.upload", "login"} <= actions


def test_pages_in_the_readers_language(hub: Hub) -> None:
    assert language_of(None, "fr-FR, de;q=0.8, ja;q=0.9") == "ja"
    assert language_of("nl", "de") == "nl"
    assert language_of(None, "xx, *;q=0.1") == "en"

    async def flow(client: httpx.AsyncClient) -> None:
        german = await client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"})
        assert '<html lang="de">' in german.text
        chosen = await client.get("/language/ms", params={"next": "//evil.example/"})
        assert chosen.status_code == 303
        assert chosen.headers["location"] == "/admin"
        malay = await client.get("/login", headers={"Accept-Language": "de"})
        assert '<html lang="ms">' in malay.text  # the choice wins over the browser's
        api = await client.get("/api/v1/nothing", headers={"Accept-Language": "de"})
        assert api.status_code == 404

    hub.run(flow)


def test_csv_cells_that_spreadsheets_would_run_are_quoted() -> None:
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    assert safe_cell("AG-7") == "AG-7"


def test_the_pdf_download_is_the_agents_report_and_verifies(
    hub: Hub, tmp_path, deskready_bin: str
) -> None:  # type: ignore[no-untyped-def]
    """Rendered by ``deskready report pdf`` in a subprocess (Qt stays out of the hub)."""
    import os
    import subprocess

    pytest.importorskip("PySide6", reason="the PDF renderer needs Qt")
    from deskready.trust.keys import public_to_text

    async def flow(client: httpx.AsyncClient) -> tuple[bytes, bytes]:
        answer = await send_report(hub, client, "AG-PDF")
        await sign_in(client)
        first = await client.get(f"/admin/reports/{answer['report_id']}.pdf")
        assert first.status_code == 200, first.text
        again = await client.get(f"/admin/reports/{answer['report_id']}.pdf")  # cached
        return first.content, again.content

    data, cached = hub.run(flow)
    assert data.startswith(b"%PDF")
    assert cached == data
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    key = public_to_text(hub.app.state.hub.keys.signing_key().public_key())
    done = subprocess.run(
        [deskready_bin, "report", "verify", str(path), "--hub-key", key],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_migration_0003_folds_in_the_reports_a_hub_already_holds(hub_db: HubEnv) -> None:
    """Down to 0002 (no fleet tables) and up again: the backfill rebuilds what intake kept
    (on SQLite and PostgreSQL)."""
    from alembic import command

    from deskready.hub.db import _alembic_config

    hub = unlimited(make_hub(hub_db))
    hub_db.upload_spec("acme", SPEC_REVERIFY)
    old = now() - timedelta(days=9)

    async def flow(client: httpx.AsyncClient) -> None:
        await send_report(hub, client, "AG-1", team="north", received=old)
        await send_report(hub, client, "AG-1", team="north", up=2.0)
        await send_report(hub, client, "AG-2", team="south", received=old, down=5.0)

    hub.run(flow)

    def snapshot() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
        with hub.env.sessions() as db:
            agents = [
                (a.agent_id, a.team, a.spec_name, a.report_id, a.verdict, a.reports,
                 a.overdue_at is not None)
                for a in db.scalars(select(FleetAgent).order_by(FleetAgent.agent_id))
            ]  # fmt: skip
            failures = sorted(db.execute(select(FleetFailure.agent_id, FleetFailure.metric)).all())
            days = int(db.scalar(select(func.sum(FleetDay.reports))) or 0)
        return agents, [tuple(f) for f in failures], days

    kept = snapshot()
    assert len(kept[0]) == 2
    with hub.env.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0002")
    with hub.env.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    assert snapshot() == kept


def test_a_streamed_answer_outlasting_the_read_timeout_is_not_cut_off() -> None:
    """The read timeout bounds the request body, not the wait for a disconnect that a
    streamed answer listens for (a 100 000-agent export was cut off with a 408 at 10 s)."""
    import asyncio

    from starlette.responses import StreamingResponse

    from deskready.hub.security import BodyLimitMiddleware

    async def slow_rows() -> AsyncIterator[bytes]:
        for row in (b"a,b\r\n", b"1,2\r\n", b"3,4\r\n"):
            await asyncio.sleep(0.15)  # 0.45 s in all, the read timeout is 0.2 s
            yield row

    sent: list[dict[str, Any]] = []
    calls = 0

    async def receive() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(5)  # the client stays: no disconnect while the rows stream
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def main() -> None:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            await receive()  # the (empty) body, as a route reads it
            await StreamingResponse(slow_rows(), media_type="text/csv")(scope, receive, send)

        guarded = BodyLimitMiddleware(app, limit_for=lambda path: 1024, idle_timeout_s=0.2)
        scope = {"type": "http", "path": "/admin/agents.csv", "headers": [],
                 "asgi": {"spec_version": "2.3"}}  # fmt: skip
        await asyncio.wait_for(guarded(scope, receive, send), timeout=5)

    asyncio.run(main())
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent) == b"a,b\r\n1,2\r\n3,4\r\n"
    assert sent[-1].get("more_body", False) is False


def test_filter_menus_list_each_team_and_spec_once(hub_db: HubEnv) -> None:
    """The loose index scan gives what DISTINCT gives, on SQLite and PostgreSQL."""
    moment = now()
    with hub_db.sessions() as db:
        for i in range(30):
            db.add(
                FleetAgent(
                    agent_id=f"A{i:02d}", team=["", "b", "a", "c"][i % 4], spec_name=f"s{i % 3}",
                    report_id="x", verdict="ready", disputed=False, received_at=moment,
                    overdue_at=None, reports=1,
                )
            )  # fmt: skip
        db.commit()
        assert queries.distinct_values(db, FleetAgent.team) == ["", "a", "b", "c"]
        assert queries.distinct_values(db, FleetAgent.spec_name) == ["s0", "s1", "s2"]
        assert queries.distinct_values(db, FleetAgent.team, limit=2) == ["", "a"]
        with pytest.raises(ValueError, match="no menu"):
            queries.distinct_values(db, FleetAgent.verdict)


def _fleet_report(agent: str, received: Any, *, fails: tuple[str, ...] = ()) -> Report:
    import secrets

    rules = [{"metric": m, "label": m.upper(), "outcome": "fail"} for m in fails]
    rules.append({"metric": "network.ok", "outcome": "pass"})
    return Report(
        id=secrets.token_hex(16), agent_id=agent, verdict="not_ready" if fails else "ready",
        disputed=False, received_at=received, body={"rules": rules}, spec_id=1,
    )  # fmt: skip


def _fleet_state(db: Any, agent: str) -> tuple[Any, list[tuple[str, str]]]:
    row = db.get(FleetAgent, agent)
    failures = db.execute(
        select(FleetFailure.metric, FleetFailure.label)
        .where(FleetFailure.agent_id == agent)
        .order_by(FleetFailure.metric)
    ).all()
    return row, [tuple(f) for f in failures]


def test_record_report_moves_forward_only_on_both_databases(hub_db: HubEnv) -> None:
    """The fleet write (one statement on PostgreSQL): newer reports replace the row and its
    failures, an older one arriving late is only counted, every report is counted per day."""
    from deskready.hub.models import SpecFile

    spec = SpecFile(id=1, name="acme", sha256="f" * 64, content=SPEC_REVERIFY)
    start = now() - timedelta(days=3)
    first = _fleet_report("AG-9", start, fails=("a.x", "b.y"))
    second = _fleet_report("AG-9", start + timedelta(days=1), fails=("b.y", "c.z"))
    late = _fleet_report("AG-9", start - timedelta(days=1), fails=("d.w",))
    third = _fleet_report("AG-9", start + timedelta(days=2))
    with hub_db.sessions() as db:
        record_report(db, first, team="t1", spec=spec)
        db.commit()
        row, failures = _fleet_state(db, "AG-9")
        assert (row.report_id, row.reports, row.team) == (first.id, 1, "t1")
        assert failures == [("a.x", "A.X"), ("b.y", "B.Y")]
        record_report(db, second, team="t2", spec=spec)
        db.commit()
        db.expire_all()
        row, failures = _fleet_state(db, "AG-9")
        assert (row.report_id, row.reports, row.team, row.verdict) == (
            second.id, 2, "t2", "not_ready",
        )  # fmt: skip
        assert failures == [("b.y", "B.Y"), ("c.z", "C.Z")]
        assert row.overdue_at is not None
        record_report(db, late, team="t3", spec=spec)
        db.commit()
        db.expire_all()
        row, failures = _fleet_state(db, "AG-9")
        assert (row.report_id, row.reports, row.team) == (second.id, 3, "t2")
        assert failures == [("b.y", "B.Y"), ("c.z", "C.Z")]
        record_report(db, third, team="t2", spec=spec)
        db.commit()
        db.expire_all()
        row, failures = _fleet_state(db, "AG-9")
        assert (row.report_id, row.reports, row.verdict) == (third.id, 4, "ready")
        assert failures == []
        assert db.scalar(select(func.sum(FleetDay.reports))) == 4
        days = db.execute(select(FleetDay.verdict, func.sum(FleetDay.reports)).group_by(
            FleetDay.verdict).order_by(FleetDay.verdict)).all()  # fmt: skip
        assert [tuple(d) for d in days] == [("not_ready", 3), ("ready", 1)]


def test_record_report_concurrent_reports_of_one_agent_on_postgresql(hub_db: HubEnv) -> None:
    """Two transactions recording reports of one agent at once: the newer report and its
    failures win whichever commits last, and both are counted."""
    if hub_db.kind != "postgresql":
        pytest.skip("SQLite serialises writers")
    import threading
    import time

    from deskready.hub.models import SpecFile

    spec = SpecFile(id=1, name="acme", sha256="e" * 64, content=SPEC_REVERIFY)
    start = now() - timedelta(days=3)
    with hub_db.sessions() as db:
        record_report(db, _fleet_report("AG-8", start, fails=("a.x",)), team="", spec=spec)
        db.commit()
    for newer_first in (False, True):
        start += timedelta(days=1)
        older = _fleet_report("AG-8", start, fails=("b.y",))
        newer = _fleet_report("AG-8", start + timedelta(hours=1), fails=("c.z",))
        first, second = (newer, older) if newer_first else (older, newer)
        holder = hub_db.sessions()
        record_report(holder, first, team="", spec=spec)  # holds the row lock
        done = threading.Event()

        def other(report: Report = second, done: threading.Event = done) -> None:
            with hub_db.sessions() as db:
                record_report(db, report, team="", spec=spec)  # waits for the lock
                db.commit()
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.5)  # the other statement has its snapshot and waits
        assert not done.is_set()
        holder.commit()
        holder.close()
        thread.join(timeout=30)
        assert done.is_set()
        with hub_db.sessions() as db:
            row, failures = _fleet_state(db, "AG-8")
            assert row.report_id == newer.id
            assert failures == [("c.z", "C.Z")]
            assert row.reports == 1 + 2 * (1 + newer_first)


def test_a_days_count_is_spread_over_shards_and_the_overview_sums_them(
    hub_db: HubEnv,
) -> None:
    from deskready.hub.fleet.record import day_shard
    from deskready.hub.models import FLEET_DAY_SHARDS, SpecFile

    spec = SpecFile(id=1, name="acme", sha256="d" * 64, content=SPEC_REVERIFY)
    moment = now()
    reports = [
        _fleet_report(f"AG-{i:02d}", moment - timedelta(minutes=i), fails=("a.x",) * (i % 3 == 0))
        for i in range(40)
    ]
    with hub_db.sessions() as db:
        for report in reports:
            record_report(db, report, team="", spec=spec)
        db.commit()
        rows = db.execute(select(FleetDay.shard, FleetDay.reports)).all()
        assert len({shard for shard, _n in rows}) > FLEET_DAY_SHARDS // 2
        assert {shard for shard, _n in rows} <= set(range(FLEET_DAY_SHARDS))
        assert sum(n for _s, n in rows) == 40
        assert {day_shard(r.id) for r in reports} == {shard for shard, _n in rows}
        figures = queries.overview(db, moment).reports_per_day
        today = moment.date()
        # each day's shards summed into one figure (40 minutes may reach into yesterday)
        assert figures[today] == sum(r.received_at.date() == today for r in reports)
        assert sum(figures.values()) == 40


def test_reports_in_flight_on_postgresql_do_not_wait_for_each_others_day_count(
    hub_db: HubEnv,
) -> None:
    """Two agents' reports of one day and verdict in two open transactions: the second is
    recorded while the first still holds its rows (it used to wait for the first's commit
    on the day's one row)."""
    if hub_db.kind != "postgresql":
        pytest.skip("SQLite serialises writers")
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from deskready.hub.fleet.record import day_shard
    from deskready.hub.models import SpecFile

    spec = SpecFile(id=1, name="acme", sha256="c" * 64, content=SPEC_REVERIFY)
    first = _fleet_report("AG-1", now())
    candidates = [_fleet_report("AG-2", now()) for _ in range(200)]
    other = next(r for r in candidates if day_shard(r.id) != day_shard(first.id))
    same = next(r for r in candidates if day_shard(r.id) == day_shard(first.id))
    holder = hub_db.sessions()
    try:
        record_report(holder, first, team="", spec=spec)  # its rows stay locked
        with hub_db.sessions() as db:
            db.execute(text("SET LOCAL lock_timeout = '2s'"))  # a wait fails, not hangs
            record_report(db, other, team="", spec=spec)
            db.commit()
        # the control: a report counted in the first one's shard row does wait for it
        with hub_db.sessions() as db:
            db.execute(text("SET LOCAL lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                record_report(db, same, team="", spec=spec)
    finally:
        holder.rollback()
        holder.close()
    with hub_db.sessions() as db:
        assert db.scalar(select(func.sum(FleetDay.reports))) == 1


def test_counts_on_the_pages_agree_in_number(hub: Hub) -> None:
    """ "1 day", never "1 days": counts go through ngettext (languages have other plurals)."""
    hub.env.upload_spec("daily", SPEC + b"\n[reverify]\nevery_days = 1\n")

    async def flow(client: httpx.AsyncClient) -> None:
        await sign_in(client)
        page = await client.get("/admin/specs")
        assert ">1 day<" in page.text
        assert "1 days" not in page.text
        assert ">7 days<" in page.text

    hub.run(flow)


def test_pdf_renders_are_few_at_once_and_a_stored_pdf_is_read_bounded(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from deskready.hub.fleet import pdf

    monkeypatch.setattr(pdf, "RENDER_WAIT_S", 0.01)
    for _turn in range(pdf.MAX_RENDERS):
        assert pdf._RENDERS.acquire(timeout=1)
    try:
        with pytest.raises(pdf.PdfUnavailable, match="busy"):
            pdf.report_pdf(tmp_path, "r1", {})
    finally:
        for _turn in range(pdf.MAX_RENDERS):
            pdf._RENDERS.release()
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "r2.pdf").write_bytes(b"%PDF" + b"x" * pdf.MAX_PDF_BYTES)
    with pytest.raises(pdf.PdfUnavailable, match="could not be read"):
        pdf.report_pdf(tmp_path, "r2", {})  # refused, not served cut short
    (tmp_path / "pdf" / "r3.pdf").write_bytes(b"%PDF-1.7 small")
    assert pdf.report_pdf(tmp_path, "r3", {}) == b"%PDF-1.7 small"


def test_trend_charts_draw_any_number_an_agent_claims() -> None:
    """NaN, Infinity, 1e308 and a 400-digit int in a report (JSON allows them) draw a
    chart, not a 500: they are left out or drawn at the chart's top."""
    from deskready.hub.fleet import charts, history

    moment = now()
    for claim in (float("inf"), float("nan"), 1e308, -1e308, 10**400):
        value = history._number(claim)
        assert value is None or abs(value) == 1e308
        points = [history.Point(moment, value, 3.0), history.Point(moment, 2.0, None)]
        for limit in (None, 1e308, 10.0):
            series = history.Series(history.TRENDS[0], points, limit, "min")
            svg = charts.trend_chart(series, "t")
            assert "nan" not in svg
            assert "inf" not in svg
            assert svg.count("<circle") == (2 if value is None else 3)


def test_spec_lists_are_bounded_and_names_come_without_bytes(hub: Hub) -> None:
    hub.env.upload_spec("zeta", SPEC)
    hub.env.upload_spec("zeta", SPEC_REVERIFY)
    with hub.env.sessions() as db:
        names = queries.spec_names(db)
        assert names == sorted(set(names))
        assert {"acme", "zeta"} <= set(names)
        assert queries.spec_names(db, limit=1) == names[:1]
        versions = queries.spec_versions(db)
        assert [v.name for v in versions] == sorted(v.name for v in versions)
        assert len(queries.spec_versions(db, limit=2)) == 2
        zeta = [v for v in versions if v.name == "zeta"]
        assert every_days(zeta[0]) == 7  # the newest version first
        assert every_days(zeta[1]) is None
