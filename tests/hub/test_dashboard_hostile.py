"""The dashboard against hostile input: query strings a person or a script could send
answer 2xx/3xx/4xx, never 5xx; text an admin or agent typed (``<script>``, ``{{``) is data
in every page; a supervisor is refused on every POST route."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from deskready.hub import admin
from deskready.hub.db import now, utc
from deskready.hub.models import AuditEntry, Invite, SpecFile
from tests.hub.api_helpers import Hub, make_hub
from tests.hub.conftest import ADMIN_EMAIL, HubEnv
from tests.hub.dashboard_helpers import SPEC_REVERIFY, send_report, sign_in, unlimited

SUPERVISOR = "lead@hub.example"
SUPERVISOR_PASSWORD = "a supervisor's long passphrase"
HOSTILE = "<script>alert(1)</script>{{ 7*7919 }}"  # 55433: no clock or id reads so


@pytest.fixture
def hub(hub_db: HubEnv) -> Iterator[Hub]:
    """The hub on SQLite, then on PostgreSQL (which refuses a NUL in a string parameter)."""
    made = unlimited(make_hub(hub_db))
    hub_db.upload_spec("acme", SPEC_REVERIFY)
    with hub_db.sessions() as db:
        admin.add_user(db, SUPERVISOR, SUPERVISOR_PASSWORD, role="supervisor", actor=ADMIN_EMAIL)
        db.commit()
    return made


HOSTILE_QUERIES = [
    "/admin/agents?after=" + "A" * 5000,
    "/admin/agents?after=bm90IGpzb24",
    "/admin/agents?after=WzEsMl0&sort=latest",
    "/admin/agents?after=WyJ4IiwieSJd&sort=latest",
    "/admin/agents?sort=__class__&verdict=%00&spec=%ff%fe&team=%c3%28",
    "/admin/agents?q=" + "%25_%5C" * 3000,
    "/admin/agents?q=%00&team=%00&spec=%00",
    "/admin/agents?page=99999999999999999999999&unknown=1&overdue=maybe",
    "/admin/agents.csv?sort=nope&after=zzz&q=%ff",
    "/admin/agents.json?verdict=%3Cscript%3E",
    "/admin/agent?id=%ff%fe",
    "/admin/agent?id=" + "x" * 5000,
    "/admin/agent?id=%00",
    "/admin/reports/%ff.json",
    "/admin/reports/" + "9" * 40 + ".pdf",
    "/admin/overview?days=99999999999999999999",
    "/admin/audit?limit=-1",
    "/admin/invites?since=2026-13-45",
    "/language/xx?next=//evil.example",
    "/verify/" + "%ff" * 20,
    "/verify/%00",
    "/admin/reports/%00.json",
    "/admin/reports/%00.pdf",
    "/admin/agents?after=WyJ4XHUwMDAwIiwieSJd&sort=verdict&q=%01%7f",
    "/admin/agents.csv?team=%00",
]


def test_hostile_query_strings_never_answer_5xx(hub: Hub) -> None:
    async def flow(client: httpx.AsyncClient) -> None:
        await send_report(hub, client, "AG-1", team="north")
        await sign_in(client)
        for path in HOSTILE_QUERIES:
            answer = await client.get(path)
            assert answer.status_code < 500, (path, answer.status_code, answer.text[:300])

    hub.run(flow)


def test_hostile_post_paths_never_answer_5xx(hub: Hub) -> None:
    async def flow(client: httpx.AsyncClient) -> None:
        csrf = await sign_in(client)
        for path in (
            "/admin/invites/" + "9" * 30 + "/revoke",
            "/admin/invites/-1/expire",
            "/admin/invites/x/expire",
        ):
            answer = await client.post(path, data={"csrf_token": csrf})
            assert answer.status_code < 500, (path, answer.status_code, answer.text[:300])
        huge = {"csrf_token": csrf, "agent_id": "AG-9", "spec": "acme", "uses": "9" * 30}
        answer = await client.post("/admin/invites", data=huge)
        assert answer.status_code == 422, answer.text[:300]

    hub.run(flow)


def test_typed_text_is_data_on_every_page(hub: Hub) -> None:
    async def flow(client: httpx.AsyncClient) -> None:
        await send_report(hub, client, "AG-<b>", team=HOSTILE)
        csrf = await sign_in(client)
        made = await client.post(
            "/admin/invites",
            data={"csrf_token": csrf, "agent_id": HOSTILE[:60], "spec": "acme", "team": HOSTILE},
        )
        assert made.status_code == 201, made.text[:300]
        spec = (
            b'[employer]\nname = "'
            + HOSTILE.encode()
            + b'"\n[rules."'
            + HOSTILE.encode()
            + b'"]\nmin = 1\n'
        )
        refused = await client.post(
            "/admin/specs",
            data={"csrf_token": csrf, "name": HOSTILE[:60]},
            files={"file": ("<script>.toml", spec, "text/plain")},
        )
        assert refused.status_code == 422
        pages = [refused, made]
        for path in ("/admin/overview", "/admin/agents", "/admin/agents?team=" + HOSTILE,
                     "/admin/agent?id=AG-%3Cb%3E", "/admin/invites", "/admin/specs",
                     "/admin/audit"):  # fmt: skip
            page = await client.get(path)
            assert page.status_code == 200, path
            pages.append(page)
        for page in pages:
            assert "<script>" not in page.text, page.url
            assert "<b>" not in page.text, page.url
            assert "55433" not in page.text, page.url  # never evaluated as a template
        assert any("&lt;script&gt;" in page.text for page in pages)

    hub.run(flow)


def test_a_supervisor_is_refused_on_every_post_route(hub: Hub) -> None:
    async def flow(client: httpx.AsyncClient) -> None:
        with hub.env.sessions() as db:
            code = admin.create_invite(
                db, agent_id="AG-5", spec_name="acme", expires=timedelta(days=1), uses=1, team="",
                actor=ADMIN_EMAIL,
            )  # fmt: skip
            db.commit()
            invite_id = code.invite.id
        csrf = await sign_in(client, SUPERVISOR, SUPERVISOR_PASSWORD)
        posts = {
            "/admin/invites": {"data": {"agent_id": "X", "spec": "acme"}},
            f"/admin/invites/{invite_id}/revoke": {"data": {}},
            f"/admin/invites/{invite_id}/expire": {"data": {}},
            "/admin/specs": {
                "data": {"name": "x"},
                "files": {"file": ("x.toml", SPEC_REVERIFY, "text/plain")},
            },
        }
        routes = {
            (route.path, method)
            for route in hub.app.routes
            for method in getattr(route, "methods", ()) or ()
            if method == "POST" and route.path.startswith("/admin")
        }
        assert {p.replace(str(invite_id), "{invite_id}") for p in posts} == {p for p, _m in routes}
        for path, parts in posts.items():
            answer = await client.post(path, data={"csrf_token": csrf, **parts["data"]},
                                       files=parts.get("files"))  # fmt: skip
            assert answer.status_code == 403, (path, answer.status_code)
        with hub.env.sessions() as db:
            invite = db.get(Invite, invite_id)
            assert invite is not None
            assert not invite.revoked
            assert utc(invite.expires_at) > now()
            assert "x" not in set(db.scalars(select(SpecFile.name)))
            assert "x" not in set(db.scalars(select(Invite.agent_id)))

    hub.run(flow)


def test_an_admin_revokes_an_invite_and_it_is_audited(hub: Hub) -> None:
    with hub.env.sessions() as db:
        made = admin.create_invite(
            db, agent_id="AG-6", spec_name="acme", expires=timedelta(days=1), uses=1,
            actor=ADMIN_EMAIL,
        )  # fmt: skip
        db.commit()
        invite_id = made.invite.id

    async def flow(client: httpx.AsyncClient) -> None:
        csrf = await sign_in(client)
        done = await client.post(f"/admin/invites/{invite_id}/revoke", data={"csrf_token": csrf})
        assert done.status_code == 303
        unknown = await client.post("/admin/invites/999999/revoke", data={"csrf_token": csrf})
        assert unknown.status_code == 404
        joined = await client.post("/api/v1/sessions", json={"invite": made.code})
        assert joined.status_code == 410

    hub.run(flow)
    with hub.env.sessions() as db:
        invite = db.get(Invite, invite_id)
        assert invite is not None
        assert invite.revoked
        trail = list(
            db.scalars(select(AuditEntry.target).where(AuditEntry.action == "invite.revoke"))
        )
        assert trail == [f"invite:{invite_id}"]
