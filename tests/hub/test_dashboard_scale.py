"""Two hub processes on one PostgreSQL: a report accepted by one is on the other's
dashboard at once (the fleet tables live in the database, nothing in a process), and
reports sent to both at the same time leave one row per agent with every report counted."""

from __future__ import annotations

import re
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from deskready.hub import admin
from deskready.hub.db import make_engine, session_factory
from deskready.hub.models import FleetAgent
from deskready.hub.security import LOGIN_CSRF_COOKIE
from deskready.report.integrity import seal
from tests.hub.api_helpers import make_report, uvicorn_hub
from tests.hub.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.hub.dashboard_helpers import SPEC_REVERIFY

pytestmark = pytest.mark.timeout(240)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _sign_in(client: httpx.Client) -> None:
    form = client.get("/login")
    done = client.post(
        "/login",
        data={
            "email": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
            "csrf_token": form.cookies[LOGIN_CSRF_COOKIE],
        },
    )
    assert done.status_code == 303, done.text


def _send(client: httpx.Client, code: str, url: str, up: float) -> None:
    joined = client.post("/api/v1/sessions", json={"invite": code})
    assert joined.status_code == 201, joined.text
    report = make_report(joined.json(), spec=SPEC_REVERIFY, up=up)
    report = seal({**report, "hub": {**report["hub"], "url": url}})
    sent = client.post(f"/api/v1/sessions/{joined.json()['session']}/report", json=report)
    assert sent.status_code == 201, sent.text


def test_two_hub_processes_share_one_fleet(pg_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "hub"
    first, second = _port(), _port()
    admin.init_hub(
        folder, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD, database_url=pg_url,
        public_url=f"http://127.0.0.1:{first}", name="Shared hub",
    )  # fmt: skip
    config = folder / "config.toml"
    text = re.sub(r"(rate_\w+_per_minute) = \d+", r"\1 = 100000", config.read_text("utf-8"))
    config.write_text(text, encoding="utf-8")
    engine = make_engine(pg_url)
    sessions = session_factory(engine)
    agents = [f"AG-{i}" for i in range(8)]
    codes: dict[str, list[str]] = {}
    with sessions() as db:
        admin.upload_spec(db, "acme", SPEC_REVERIFY, actor=ADMIN_EMAIL)
        for agent in agents:
            codes[agent] = [
                admin.create_invite(
                    db, agent_id=agent, spec_name="acme", team="north", actor=ADMIN_EMAIL
                ).code
                for _ in range(2)
            ]
        db.commit()
    try:
        with uvicorn_hub(folder, first) as a_url, uvicorn_hub(folder, second) as b_url:
            a = httpx.Client(base_url=a_url, timeout=30)
            b = httpx.Client(base_url=b_url, timeout=30)
            with a, b:
                _send(a, codes["AG-0"][0], a_url, up=2.0)  # not ready, accepted by A
                _sign_in(b)
                seen = b.get("/admin/agents", params={"verdict": "not_ready"})
                assert "1 agent matches." in seen.text
                assert "AG-0" in seen.text
                page = b.get("/admin/agent", params={"id": "AG-0"})
                assert page.status_code == 200
                assert "not ready" in page.text

                # both processes take reports at once: agents 1..7 twice, alternating
                jobs = [
                    (client, code, url, up)
                    for agent in agents[1:]
                    for (client, url), code, up in zip(
                        ((a, a_url), (b, b_url)), codes[agent], (9.7, 3.0), strict=True
                    )
                ]
                with ThreadPoolExecutor(4) as pool:
                    for done in [pool.submit(_send, *job) for job in jobs]:
                        done.result(timeout=120)
                _sign_in(a)
                for client in (a, b):
                    listed = client.get("/admin/agents")
                    assert f"{len(agents)} agents match." in listed.text
        with sessions() as db:
            rows = {row.agent_id: row for row in db.query(FleetAgent)}
        assert set(rows) == set(agents)
        assert {a: rows[a].reports for a in agents[1:]} == dict.fromkeys(agents[1:], 2)
    finally:
        engine.dispose()
