"""The dashboard in a real browser: Debian's chromium, driven by Playwright, against a hub
served by real uvicorn on loopback, with reports sent through the hub's own API.

One browser and one hub for the module. The journey an employer takes: sign in, filter to
the agents who are not ready (the count the page shows is the database's), open one,
download its signed report and verify the signature with ``deskready report verify``,
export the list as CSV and read it back, make an invite, upload a broken spec and read its
problems; the verification page and the agent's join page too. On every page: an axe-core scan with no serious or critical violation, and a
screenshot (into docs/images/ when ``DESKREADY_SCREENSHOTS=1``, else a temporary folder).
"""

from __future__ import annotations

import csv
import os
import re
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("sqlalchemy", reason="the hub extra is not installed")

from sqlalchemy import func, select

from deskready.hub import admin
from deskready.hub.config import load_config
from deskready.hub.db import make_engine, session_factory
from deskready.hub.models import FleetAgent, FleetSnapshot
from deskready.report.integrity import seal
from deskready.trust.keys import public_to_text
from tests.hub.api_helpers import make_report, uvicorn_hub
from tests.hub.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ROOT
from tests.hub.dashboard_helpers import SPEC_REVERIFY

pytestmark = pytest.mark.timeout(180)

#: (agent, team, [upload Mbit/s of each report, oldest first], download)
AGENTS = [
    ("AG-1001", "north", [20.0, 9.0, 4.0], 48.0),
    ("AG-1002", "north", [9.7], 48.0),
    ("AG-1003", "south", [9.7, 9.7], 5.0),
    ("AG-1004", "south", [12.0], 60.0),
    ("AG-1005", "west", [3.0], 30.0),
]
SERIOUS = ("serious", "critical")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """A hub process and a way into its database."""

    def __init__(self, folder: Path, url: str) -> None:
        self.folder = folder
        self.url = url
        self.config = load_config(folder)
        self.engine = make_engine(self.config.database_url)
        self.sessions = session_factory(self.engine)

    def count(self, **where: Any) -> int:
        with self.sessions() as db:
            statement = select(func.count()).select_from(FleetAgent)
            for key, value in where.items():
                statement = statement.where(getattr(FleetAgent, key) == value)
            return int(db.scalar(statement) or 0)

    def agents(self, **where: Any) -> set[str]:
        with self.sessions() as db:
            statement = select(FleetAgent.agent_id)
            for key, value in where.items():
                statement = statement.where(getattr(FleetAgent, key) == value)
            return set(db.scalars(statement))


def _send(
    served: Served, client: httpx.Client, agent: str, team: str, up: float, down: float
) -> None:
    with served.sessions() as db:
        made = admin.create_invite(
            db, agent_id=agent, spec_name="acme", team=team, actor=ADMIN_EMAIL
        )
        db.commit()
    joined = client.post("/api/v1/sessions", json={"invite": made.code})
    assert joined.status_code == 201, joined.text
    report = make_report(joined.json(), spec=SPEC_REVERIFY, up=up, down=down)
    report = seal({**report, "hub": {**report["hub"], "url": served.url}})  # this hub's address
    sent = client.post(f"/api/v1/sessions/{joined.json()['session']}/report", json=report)
    assert sent.status_code == 201, sent.text


def _keep_past_snapshots(served: Served) -> None:
    """Four weeks of daily fleet counts, as a hub that had been running would have kept
    them (the overview draws readiness over time from these; a gap of two days the hub was
    down)."""
    today = datetime.now(UTC)
    with served.sessions() as db:
        for back in range(29, 0, -1):  # the overview's 30 days, today its own
            if back in (9, 10):
                continue
            agents = min(5, 1 + (29 - back) // 5)
            not_ready = 1 if back < 6 else 0
            overdue = 1 if 3 <= back <= 12 else 0
            db.add(
                FleetSnapshot(
                    day=(today - timedelta(days=back)).date(), ready=agents - not_ready,
                    not_ready=not_ready, incomplete=0, overdue=overdue,
                    taken_at=today - timedelta(days=back),
                )
            )  # fmt: skip
        db.commit()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("browser-hub") / "hub"
    port = _free_port()
    admin.init_hub(
        folder, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD,
        public_url=f"http://127.0.0.1:{port}", name="ACME Calls hub",
    )  # fmt: skip
    config = folder / "config.toml"
    text = re.sub(r"(rate_\w+_per_minute) = \d+", r"\1 = 100000", config.read_text("utf-8"))
    config.write_text(text, encoding="utf-8")
    with uvicorn_hub(folder, port) as url:
        hub = Served(folder, url)
        with hub.sessions() as db:
            admin.upload_spec(db, "acme", SPEC_REVERIFY, actor=ADMIN_EMAIL)
            db.commit()
        with httpx.Client(base_url=url, timeout=30) as client:
            for agent, team, uploads, down in AGENTS:
                for up in uploads:
                    _send(hub, client, agent, team, up, down)
        _keep_past_snapshots(hub)
        try:
            yield hub
        finally:
            hub.engine.dispose()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("DESKREADY_SCREENSHOTS") == "1":
        return ROOT / "docs" / "images"
    return tmp_path_factory.mktemp("screenshots")


def _scan(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.evaluate(axe_source)
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    return [v for v in result if v["impact"] in SERIOUS]


def _check(page: Any, axe_source: str, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"hub-{name}.png"), full_page=True)
    assert _scan(page, axe_source) == [], name
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui"), (
        "the style sheet did not load under the page's CSP"
    )


def test_an_employer_in_the_browser(
    served: Served, browser: Any, axe_source: str, shots: Path, tmp_path: Path, deskready_bin: str
) -> None:
    context = browser.new_context(
        base_url=served.url, viewport={"width": 1280, "height": 900}, accept_downloads=True,
        locale="en-GB",
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/admin/overview")
        assert page.url.endswith("/login")
        _check(page, axe_source, shots, "login")
        page.get_by_label("Email").fill(ADMIN_EMAIL)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/admin/overview")
        ready = served.count(verdict="ready")
        assert page.locator(".cards .ready .count").inner_text() == str(ready)
        _check(page, axe_source, shots, "overview")
        # readiness over time: a bar for each day the hub kept, none for the two it was down
        assert page.locator("svg.chart rect").count() >= 28
        assert page.get_by_text("no count kept for this day").count() == 2

        # keyboard: the first Tab reaches the skip link, Enter moves to the content
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to the content"

        page.get_by_role("link", name="Agents", exact=True).click()
        page.locator("select[name=verdict]").select_option("not_ready")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**verdict=not_ready**")
        not_ready = served.count(verdict="not_ready")
        assert not_ready == 3
        assert page.locator("#total").inner_text().startswith(f"{not_ready} agents match.")
        assert page.locator("tbody tr").count() == not_ready
        _check(page, axe_source, shots, "agents")

        with page.expect_download() as exported:
            page.get_by_role("link", name="Export as CSV").click()
        csv_path = tmp_path / "agents.csv"
        exported.value.save_as(str(csv_path))
        with csv_path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert {r["agent_id"] for r in rows} == served.agents(verdict="not_ready")
        assert {r["verdict"] for r in rows} == {"not_ready"}

        page.get_by_role("link", name="AG-1001").click()
        page.wait_for_url("**/admin/agent?id=AG-1001")
        assert page.locator("h1").inner_text() == "Agent AG-1001"
        assert (
            page.get_by_text("Upload: 20 Mbit/s → 9 Mbit/s").count()
            + page.get_by_text(re.compile(r"Upload: .*20.* → .*9")).count()
            >= 1
        )
        _check(page, axe_source, shots, "agent")
        with page.expect_download() as signed:
            page.locator("#signed-json").click()
        report_path = tmp_path / "signed.json"
        signed.value.save_as(str(report_path))
        key = public_to_text(_hub_public_key(served))
        verified = subprocess.run(
            [deskready_bin, "report", "verify", str(report_path), "--hub-key", key],
            capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "HOME": str(tmp_path)},
        )  # fmt: skip
        assert verified.returncode == 0, verified.stdout + verified.stderr
        tampered = report_path.read_text("utf-8").replace('"AG-1001"', '"AG-1002"', 1)
        report_path.write_text(tampered, encoding="utf-8")
        refused = subprocess.run(
            [deskready_bin, "report", "verify", str(report_path), "--hub-key", key],
            capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "HOME": str(tmp_path)},
        )  # fmt: skip
        assert refused.returncode != 0

        page.get_by_role("link", name="Verification page").click()
        page.wait_for_url("**/verify/**")
        assert page.locator(".verdict").inner_text().endswith("not ready")
        _check(page, axe_source, shots, "verify")
        page.goto("/admin/agent?id=AG-1001")

        page.get_by_role("link", name="Invites", exact=True).click()
        page.get_by_label("Agent id").fill("AG-2000")
        page.get_by_label("Team").fill("east")
        page.get_by_role("button", name="Make the invite").click()
        code = page.locator("#invite-code").inner_text()
        assert len(code) == 32
        _check(page, axe_source, shots, "invites")
        page.goto(f"/join/{code}")  # the page an agent opens from the invite's link
        assert page.locator("code").first.inner_text() == code
        _check(page, axe_source, shots, "join")
        page.goto("/admin/invites")

        page.get_by_role("link", name="Specs", exact=True).click()
        page.get_by_label("Name").fill("broken")
        page.get_by_label("Spec file (TOML)").set_input_files(
            files=[{"name": "broken.toml", "mimeType": "text/plain",
                    "buffer": b'[employer]\nname = "x"\n[rules."network.download_mbps"]\nmin = "fast"\n'}]
        )  # fmt: skip
        page.get_by_role("button", name="Upload").click()
        assert "broken.toml:4:" in page.locator("#spec-problems").inner_text()
        _check(page, axe_source, shots, "specs")

        page.get_by_role("link", name="Audit log").click()
        assert page.get_by_text("invite.create").count() >= 1
        _check(page, axe_source, shots, "audit")

        page.get_by_role("link", name="Deutsch").click()
        page.wait_for_url("**/admin/audit")
        assert page.locator("html").get_attribute("lang") == "de"
    finally:
        context.close()


def _hub_public_key(served: Served) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(served.config.key_path.read_bytes(), password=None)
    return key.public_key()
