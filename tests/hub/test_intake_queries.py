"""What a submission asks of the database (issue 15's throughput work): the session and its
invite in one query, no spec bytes and no spec parse after the first report of a spec, and
the checks still all made (a wrong nonce is still refused)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from tests.hub.alerts_helpers import sqlite_env, submit
from tests.hub.api_helpers import make_hub, make_report
from tests.hub.conftest import HubEnv

__all__ = ["sqlite_env"]  # a fixture, used by name


@contextmanager
def statements(env: HubEnv) -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(env.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(env.engine, "before_cursor_execute", note)


def test_a_submission_reads_its_session_once_and_no_spec(hub_db: HubEnv) -> None:
    hub = make_hub(hub_db)
    submit(hub)  # the spec is parsed and its row kept once
    parses = []
    cache = hub.app.state.hub.intake.specs
    original = cache.get

    def counted(row: Any) -> Any:
        parses.append(row.sha256)
        return original(row)

    cache.get = counted
    code = hub.invite()
    joined = hub.run(lambda c: c.post("/api/v1/sessions", json={"invite": code})).json()
    body = make_report(joined)
    with statements(hub_db) as seen:
        answer = hub.run(
            lambda c: c.post(f"/api/v1/sessions/{joined['session']}/report", json=body)
        )
    assert answer.status_code == 201, answer.text
    reads_session = [s for s in seen if s.startswith("SELECT") and "FROM sessions" in s]
    assert len(reads_session) == 1
    assert "JOIN invites" in reads_session[0]
    assert not [s for s in seen if "specs" in s.split("WHERE")[0]]  # no spec row, no bytes
    assert len(parses) == 1  # the parsed spec came from the cache (no TOML read again)


def test_the_checks_are_all_still_made(sqlite_env: HubEnv) -> None:
    hub = make_hub(sqlite_env)
    code = hub.invite(uses=2)

    async def flow(client: httpx.AsyncClient) -> None:
        first = (await client.post("/api/v1/sessions", json={"invite": code})).json()
        second = (await client.post("/api/v1/sessions", json={"invite": code})).json()
        crossed = make_report({**first, "nonce": second["nonce"]})
        wrong = await client.post(f"/api/v1/sessions/{first['session']}/report", json=crossed)
        assert (wrong.status_code, wrong.json()["title"]) == (403, "Wrong session")
        other = make_report(first, agent_id="AG-8")
        wrong = await client.post(f"/api/v1/sessions/{first['session']}/report", json=other)
        assert (wrong.status_code, wrong.json()["title"]) == (403, "Wrong agent")
        good = make_report(first)
        made = await client.post(f"/api/v1/sessions/{first['session']}/report", json=good)
        assert made.status_code == 201
        again = await client.post(f"/api/v1/sessions/{first['session']}/report", json=good)
        assert again.status_code == 200  # idempotent
        assert again.json()["report_id"] == made.json()["report_id"]
        unknown = await client.post("/api/v1/sessions/nope/report", json=good)
        assert unknown.status_code == 404

    hub.run(flow)
