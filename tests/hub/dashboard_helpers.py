"""Helpers for the dashboard tests: sign in through the real form, send real reports.

Reports go through the hub's own API (join with an invite, then submit a report sealed by
the agent's code, :func:`tests.hub.api_helpers.make_report`), so the fleet tables are
filled by intake exactly as in production.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx

from deskready.hub.security import LOGIN_CSRF_COOKIE, Rate
from tests.hub.api_helpers import SPEC, Hub, make_report
from tests.hub.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

#: SPEC with re-verification every 7 days
SPEC_REVERIFY = SPEC + b"\n[reverify]\nevery_days = 7\n"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def unlimited(hub: Hub) -> Hub:
    """Lift the per-address rate limit: a test sends many requests from one address."""
    state = hub.app.state.hub
    state.address_rate = Rate(1_000_000, 1_000_000)
    state.invite_rate = Rate(1_000_000, 1_000_000)
    state.login_rate = Rate(1_000_000, 1_000_000)
    return hub


async def sign_in(
    client: httpx.AsyncClient, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD
) -> str:
    """Sign in with the login form; returns the session's CSRF token."""
    form = await client.get("/login")
    token = form.cookies[LOGIN_CSRF_COOKIE]
    done = await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert done.status_code == 303, done.text
    page = await client.get("/admin/overview")
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found
    return found.group(1)


async def send_report(
    hub: Hub,
    client: httpx.AsyncClient,
    agent: str,
    *,
    team: str = "",
    spec: str = "acme",
    received: datetime | None = None,
    spec_bytes: bytes = SPEC_REVERIFY,
    **figures: Any,
) -> dict[str, Any]:
    """Join with a new invite for ``agent`` and submit a report; the hub's answer."""
    code = hub.env.invite(agent, spec, team=team)
    joined = await client.post("/api/v1/sessions", json={"invite": code})
    assert joined.status_code == 201, joined.text
    report = make_report(joined.json(), spec=spec_bytes, **figures)
    intake = hub.app.state.hub.intake
    if received is not None:
        intake.clock = lambda: received
    try:
        answer = await client.post(
            f"/api/v1/sessions/{joined.json()['session']}/report", json=report
        )
    finally:
        if received is not None:
            from deskready.hub.db import now

            intake.clock = now
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
