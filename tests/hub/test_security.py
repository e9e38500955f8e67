"""The hub's defences: body caps (413), slow bodies (408, on a real socket against uvicorn),
rate limits (429 with Retry-After), admin sign-in (argon2, 401 without a session), CSRF
on every form (403), the audit log, and problem details on every error."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from deskready.hub import admin
from deskready.hub.config import HubConfig, load_config, save_config
from deskready.hub.db import make_engine, session_factory
from deskready.hub.models import AuditEntry, Invite
from deskready.hub.security import (
    BODY_GRACE_S,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CookieSigner,
    MemoryBuckets,
    Rate,
)
from tests.hub.api_helpers import Hub, make_hub, make_report, uvicorn_hub
from tests.hub.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, HubEnv


def _env(config: HubConfig) -> HubEnv:
    engine = make_engine(config.database_url)
    return HubEnv("sqlite", config, engine, session_factory(engine))


@pytest.fixture
def hub(hub_config: HubConfig) -> Iterator[Hub]:
    env = _env(hub_config)
    yield make_hub(env)
    env.engine.dispose()


def _is_problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = dict(answer.json())
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == status
    return body


def test_bodies_over_the_cap_are_refused(hub: Hub) -> None:
    async def flow(client: httpx.AsyncClient) -> None:
        big = b'{"invite": "' + b"A" * 5000 + b'"}'
        _is_problem(await client.post("/api/v1/sessions", content=big), 413)

        async def chunks() -> Any:  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b" " * 1024

        _is_problem(await client.post("/api/v1/sessions", content=chunks()), 413)
        report = b"{" + b" " * (3 * 1024 * 1024) + b"}"
        _is_problem(await client.post("/api/v1/sessions/x/report", content=report), 413)
        _is_problem(await client.post("/login", content=b"x" * 5000), 413)

    hub.run(flow)


def test_rate_limit_per_address_answers_429_with_retry_after(hub_config: HubConfig) -> None:
    config = replace(hub_config, limits=replace(hub_config.limits, rate_per_address_per_minute=5))
    env = _env(config)
    hub = make_hub(env, config)

    async def flow(client: httpx.AsyncClient) -> None:
        statuses = [(await client.get("/api/v1/info")).status_code for _ in range(5)]
        assert statuses == [200] * 5
        refused = await client.get("/api/v1/info")
        _is_problem(refused, 429)
        assert int(refused.headers["Retry-After"]) >= 1
        _is_problem(await client.post("/api/v1/sessions", json={"invite": "x"}), 429)

    hub.run(flow)
    env.engine.dispose()


def test_rate_limit_per_invite(hub_config: HubConfig) -> None:
    config = replace(hub_config, limits=replace(hub_config.limits, rate_per_invite_per_minute=3))
    env = _env(config)
    hub = make_hub(env, config)
    code = hub.invite(uses=10)

    async def flow(client: httpx.AsyncClient) -> None:
        codes = [
            (await client.post("/api/v1/sessions", json={"invite": code})).status_code
            for _ in range(3)
        ]
        assert codes == [201] * 3
        _is_problem(await client.post("/api/v1/sessions", json={"invite": code}), 429)

    hub.run(flow)
    env.engine.dispose()


def test_token_buckets_refill() -> None:
    clock = [0.0]
    buckets = MemoryBuckets(clock=lambda: clock[0])
    rate = Rate(per_minute=60, burst=2)
    assert [buckets.take("a", rate) for _ in range(2)] == [0.0, 0.0]
    assert buckets.take("a", rate) == pytest.approx(1.0)
    assert buckets.take("b", rate) == 0.0  # buckets are per key
    clock[0] = 1.0
    assert buckets.take("a", rate) == 0.0


def test_db_buckets_are_shared(hub_db: HubEnv) -> None:
    from deskready.hub.security import DbBuckets

    first, second = DbBuckets(hub_db.sessions), DbBuckets(hub_db.sessions)
    rate = Rate(per_minute=1, burst=2)
    assert first.take("addr:x", rate) == 0.0
    assert second.take("addr:x", rate) == 0.0
    assert first.take("addr:x", rate) > 0  # the second process took the last token


def test_db_buckets_refill_wait_and_concurrent_takes(hub_db: HubEnv) -> None:
    """The bucket on both databases (one statement on PostgreSQL): the wait when empty, the
    refill from the stored time, and no token taken twice by concurrent requests."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from deskready.hub.models import RateBucket
    from deskready.hub.security import DbBuckets

    buckets = DbBuckets(hub_db.sessions)
    rate = Rate(per_minute=60, burst=3)
    assert [buckets.take("k", rate) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = buckets.take("k", rate)
    assert 0.9 < wait <= 1.0  # one token a second, none left
    with hub_db.sessions() as db:  # 1.5 s ago: 1.5 tokens back, one taken
        db.execute(
            update(RateBucket)
            .where(RateBucket.key == "k")
            .values(tokens=0.0, updated_at=datetime.now(UTC) - timedelta(seconds=1.5))
        )
        db.commit()
    assert buckets.take("k", rate) == 0.0
    assert 0.4 < buckets.take("k", rate) <= 0.5
    with hub_db.sessions() as db:
        tokens = db.scalar(select(RateBucket.tokens).where(RateBucket.key == "k"))
        assert tokens == pytest.approx(0.5, abs=0.05)
    assert buckets.take("none", Rate(60, 0.5)) > 0
    if hub_db.kind != "postgresql":  # SQLite's read-then-write path is for one process
        return
    slow = Rate(per_minute=0.001, burst=10)
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda _i: buckets.take("many", slow), range(16)))
    assert sum(1 for w in waits if w == 0.0) == 10


def test_signed_cookie_refuses_edits_and_expiry() -> None:
    signer = CookieSigner(b"k" * 32)
    token = signer.dumps({"uid": 1, "exp": time.time() + 60})
    assert signer.loads(token) is not None
    body, mac = token.split(".")
    assert signer.loads(body + "." + mac[:-2] + "AA") is None
    assert CookieSigner(b"other").loads(token) is None
    assert signer.loads(signer.dumps({"uid": 1, "exp": time.time() - 1})) is None
    assert signer.loads("garbage") is None
    assert signer.loads(None) is None


def test_admin_login_csrf_revoke_and_audit(hub: Hub) -> None:
    code = hub.invite()

    async def flow(client: httpx.AsyncClient) -> None:
        assert (await client.get("/admin/invites")).status_code == 303
        form = await client.get("/login")
        token = form.cookies[LOGIN_CSRF_COOKIE]
        assert f'value="{token}"' in form.text
        # no CSRF token: refused before the password is even looked at
        client.cookies.clear()
        _is_problem(
            await client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            403,
        )
        client.cookies.set(LOGIN_CSRF_COOKIE, token)
        wrong = await client.post(
            "/login",
            data={"email": ADMIN_EMAIL, "password": "wrong password!", "csrf_token": token},
        )
        assert wrong.status_code == 401
        assert SESSION_COOKIE not in wrong.cookies
        token = wrong.cookies[LOGIN_CSRF_COOKIE]
        client.cookies.set(LOGIN_CSRF_COOKIE, token)
        ok = await client.post(
            "/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token}
        )
        assert ok.status_code == 303, ok.text
        set_cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in set_cookie
        assert "SameSite=lax" in set_cookie
        assert "Secure" in set_cookie
        page = await client.get("/admin/invites")
        assert page.status_code == 200
        assert "AG-7" in page.text
        assert "<b>" not in page.text  # nothing the admin or an agent typed becomes markup
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        with hub.env.sessions() as db:
            invite_id = db.scalar(select(Invite.id))
        _is_problem(await client.post(f"/admin/invites/{invite_id}/revoke"), 403)
        _is_problem(
            await client.post(f"/admin/invites/{invite_id}/revoke", data={"csrf_token": "x" * 22}),
            403,
        )
        done = await client.post(f"/admin/invites/{invite_id}/revoke", data={"csrf_token": csrf})
        assert done.status_code == 303
        _is_problem(await client.post("/api/v1/sessions", json={"invite": code}), 410)
        _is_problem(await client.post("/logout"), 403)
        assert (await client.post("/logout", data={"csrf_token": csrf})).status_code == 303

    hub.run(flow)
    with hub.env.sessions() as db:
        actions = [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-4:] == ["login.failed", "login", "invite.revoke", "logout"]


def test_problem_details_for_unknown_paths_methods_and_crashes(hub: Hub) -> None:
    @hub.app.get("/api/v1/crash")
    def crash() -> None:
        raise RuntimeError("secret internals")

    async def flow(client: httpx.AsyncClient) -> None:
        _is_problem(await client.get("/nowhere"), 404)
        _is_problem(await client.delete("/api/v1/info"), 405)
        _is_problem(
            await client.post(
                "/api/v1/sessions", content=b"{", headers={"content-type": "application/json"}
            ),
            400,
        )
        _is_problem(await client.get("/verify/nope"), 404)
        body = _is_problem(await client.get("/api/v1/crash"), 500)
        assert "secret" not in body["detail"]

    hub.run(flow)
    schema = hub.run(lambda client: client.get("/api/openapi.json"))
    assert schema.status_code == 200
    assert "/api/v1/sessions/{session}/report" in schema.json()["paths"]


# -- against a real uvicorn on 127.0.0.1 ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(hub_dir: Path) -> Iterator[tuple[str, HubEnv]]:
    """The hub of ``hub_dir`` served by uvicorn on 127.0.0.1 (public URL http://127.0.0.1)."""
    port = _free_port()
    config = load_config(hub_dir).with_overrides(public_url=f"http://127.0.0.1:{port}")
    save_config(config)
    env = _env(config)
    from tests.hub.api_helpers import SPEC

    env.upload_spec("acme", SPEC)
    try:
        with uvicorn_hub(hub_dir, port) as url:
            yield url, env
    finally:
        env.engine.dispose()


def test_a_one_byte_per_second_body_is_cut_off(served: tuple[str, HubEnv]) -> None:
    url, _env = served
    port = int(url.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(
            b"POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        )
        answer = b""
        conn.settimeout(1.5)
        for _ in range(40):  # at most 40 bytes at one a second: the hub must stop first
            try:
                conn.sendall(b" ")
            except OSError:
                break
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            if not chunk:
                break
            answer += chunk
            if b"\r\n\r\n" in answer:
                break
    elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"application/problem+json" in answer
    assert elapsed < BODY_GRACE_S + 5


def test_whole_flow_against_uvicorn(served: tuple[str, HubEnv]) -> None:
    url, env = served
    code = env.invite("AG-7", "acme")
    with httpx.Client(base_url=url, timeout=10) as client:
        joined = client.post("/api/v1/sessions", json={"invite": code}).json()
        spec = client.get(
            joined["spec"]["url"], headers={"Authorization": f"Session {joined['session']}"}
        )
        assert spec.status_code == 200
        report = make_report(joined)
        answer = client.post(f"/api/v1/sessions/{joined['session']}/report", json=report)
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["verify_url"].startswith(url + "/verify/")
        from deskready.trust.envelope import verify
        from deskready.trust.keys import public_from_text

        info = client.get("/api/v1/info").json()
        keys = {k: public_from_text(v) for k, v in info["public_keys"].items()}
        assert verify(body["attestation"], keys).statement["session"] == joined["session"]
        assert client.get(body["verify_url"]).status_code == 200
    assert admin is not None
