"""Helpers for the hub API tests: a hub app in-process, a real sealed report for a session.

The report is built the way the agent's deskready builds it (:class:`deskready.session.Session`
with fake network checks that report fixed figures), so it is sealed by the real code and
its rules follow the spec the hub stores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
from fastapi import FastAPI

from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric, MetricType
from deskready.hub.api import create_app
from deskready.hub.config import HubConfig
from deskready.hub.db import session_factory
from deskready.session import Session
from deskready.spec.loader import load_spec_bytes
from tests.core.fakes import registry_of
from tests.hub.conftest import ROOT, HubEnv

#: a spec on the figures the hub can check; its employer name holds markup on purpose
SPEC = b"""
[employer]
name = "ACME <b>Calls</b>"
spec_version = "1"

[rules."network.download_mbps"]
min = 20

[rules."network.upload_mbps"]
min = 5

[rules."network.loss_pct"]
max = 1
"""


class FakeBandwidth(Check):
    id = "bandwidth"
    title = "Bandwidth"
    category = Category.NETWORK
    metrics = (
        Metric("network.download_mbps", MetricType.NUMBER, "Download", "Mbps"),
        Metric("network.upload_mbps", MetricType.NUMBER, "Upload", "Mbps"),
    )
    figures: ClassVar[dict[str, float]] = {}

    def run(self, ctx: CheckContext) -> Measurements:
        return Measurements(
            {
                "network.download_mbps": self.figures.get("down", 48.0),
                "network.upload_mbps": self.figures.get("up", 9.7),
            }
        )


class FakeCallQuality(Check):
    id = "call_quality"
    title = "Call quality"
    category = Category.NETWORK
    metrics = (Metric("network.loss_pct", MetricType.NUMBER, "Loss", "%"),)
    figures: ClassVar[dict[str, float]] = {}

    def run(self, ctx: CheckContext) -> Measurements:
        return Measurements({"network.loss_pct": self.figures.get("loss", 0.0)})


REGISTRY = registry_of(FakeBandwidth, FakeCallQuality)


def make_report(
    joined: Mapping[str, Any],
    *,
    agent_id: str | None = None,
    down: float = 48.0,
    up: float = 9.7,
    loss: float = 0.0,
    only: list[str] | None = None,
    spec: bytes = SPEC,
) -> dict[str, Any]:
    """A sealed report bound to the session ``joined`` (the response of POST /sessions)."""
    loaded = load_spec_bytes(spec, REGISTRY, file_name="acme")
    session = Session.planned(
        loaded,
        REGISTRY,
        only=only,
        agent={"name": "Aiko <script>alert(1)</script>", "id": agent_id or joined["agent_id"]},
    )
    session.hub = {
        "url": "https://hub.example",
        "session": joined["session"],
        "nonce": joined["nonce"],
        "stun_sent": 50,
    }
    FakeBandwidth.figures = {"down": down, "up": up}
    FakeCallQuality.figures = {"loss": loss}
    return session.report(session.run())


@dataclass
class Hub:
    """A hub app on an initialised hub, and what the test may change on it."""

    env: HubEnv
    app: FastAPI
    observed: dict[str, Any]

    def invite(self, agent_id: str = "AG-7", **options: Any) -> str:
        return self.env.invite(agent_id, "acme", **options)

    def run(self, body: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
        """Run ``body`` with a client on the app in-process (``httpx.ASGITransport``)."""

        async def main() -> Any:
            transport = httpx.ASGITransport(
                app=self.app, client=("203.0.113.9", 5000), raise_app_exceptions=False
            )
            async with httpx.AsyncClient(
                transport=transport, base_url="https://hub.example", timeout=30
            ) as client:
                return await body(client)

        return asyncio.run(main())


def make_hub(env: HubEnv, config: HubConfig | None = None, **options: Any) -> Hub:
    """An app on ``env`` with the spec ``acme`` uploaded; the hub 'observes' ``observed``."""
    env.upload_spec("acme", SPEC)
    observed: dict[str, Any] = {}
    app = create_app(config or env.config, sessions=session_factory(env.engine), **options)
    app.state.hub.intake.summarise = lambda _db, _session: dict(observed)
    return Hub(env, app, observed)


def app_from_env() -> FastAPI:
    """The app of the hub in ``$DESKREADY_TEST_HUB_DIR`` (for ``uvicorn --factory``)."""
    import os
    from pathlib import Path

    from deskready.hub.config import load_config
    from deskready.hub.db import is_sqlite

    config = load_config(Path(os.environ["DESKREADY_TEST_HUB_DIR"]))
    if os.environ.get("DESKREADY_BENCH_POOL") == "sqlalchemy-default":
        return _app_with_default_pool(config)
    # the rate limits where `deskready hub serve` keeps them: in the database on PostgreSQL
    return create_app(config, buckets="memory" if is_sqlite(config.database_url) else "db")


def _app_with_default_pool(config: Any) -> FastAPI:
    """The hub as it was before it kept its pool (bench/hub_intake.py --baseline-pool):
    SQLAlchemy's default QueuePool (5 kept, up to 10 more opened and closed again) and
    AnyIO's 40 request threads, so both run in one bench beside each other."""
    import contextlib

    from deskready.hub.db import make_engine, session_factory

    engine = make_engine(config.database_url, pool_size=5, max_overflow=10)
    app = create_app(config, sessions=session_factory(engine), buckets="db")

    @contextlib.asynccontextmanager
    async def no_thread_cap(_app: FastAPI) -> Any:
        yield

    app.router.lifespan_context = no_thread_cap
    return app


#: how long a uvicorn process may take to answer /api/v1/info
SERVE_START_S = 60


@contextlib.contextmanager
def uvicorn_hub(folder: Path, port: int, *, workers: int = 1) -> Iterator[str]:
    """The hub in ``folder`` served by real uvicorn processes on 127.0.0.1; yields its URL.

    Shared by the tests that need a real socket (slow clients) and bench/hub_intake.py.

    Raises:
        RuntimeError: uvicorn exited or did not answer within :data:`SERVE_START_S`.
    """
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "--factory", "tests.hub.api_helpers:app_from_env",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--log-level", "warning", "--no-access-log",
        ],
        cwd=ROOT,
        env={**os.environ, "DESKREADY_TEST_HUB_DIR": str(folder)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + SERVE_START_S
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/v1/info", timeout=1).status_code == 200:
                    break
            if server.poll() is not None:
                raise RuntimeError("uvicorn exited")
            time.sleep(0.1)
        else:
            raise RuntimeError("the hub did not start")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
