"""Helpers for the alert tests: a real webhook receiver on 127.0.0.1, a submitted report,
and a dispatcher driven until the outbox is idle (bounded in rounds and time)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from deskready.hub.alerts.outbox import PENDING, Dispatcher
from deskready.hub.config import HubConfig, load_config
from deskready.hub.db import make_engine, session_factory
from deskready.hub.models import AlertDelivery
from tests.hub.api_helpers import Hub, make_report
from tests.hub.conftest import HubEnv

#: the largest body the test receiver reads
MAX_BODY = 1024 * 1024


def verify_signature(secret: str, headers: Any, body: bytes, tolerance_s: int = 300) -> bool:
    """The receiver's check exactly as docs/hub-alerts.md shows it (written here again, not
    imported, so the test holds the hub to its documentation)."""
    stamp = headers.get("X-Deskready-Timestamp", "")
    given = headers.get("X-Deskready-Signature", "")
    if not (stamp.isascii() and stamp.isdigit()) or abs(time.time() - int(stamp)) > tolerance_s:
        return False
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), given)


@dataclass
class Received:
    """One request the receiver got, and whether its signature verified."""

    headers: dict[str, str]
    body: bytes
    signed: bool
    answered: int


@dataclass
class Receiver:
    """A webhook receiver: answers the statuses in ``script`` in turn (then 200)."""

    secret: str
    script: list[int] = field(default_factory=list)
    got: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            return self.script.pop(0) if self.script else 200


@contextlib.contextmanager
def receiver(secret: str, script: list[int] | None = None) -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that checks every request's signature."""
    state = Receiver(secret, list(script or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length", "0")), MAX_BODY)
            body = self.rfile.read(length)
            status = state.answer()
            signed = verify_signature(state.secret, self.headers, body)
            with state.lock:
                state.got.append(Received(dict(self.headers), body, signed, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def fast(config: HubConfig, **alerts: Any) -> HubConfig:
    """``config`` with millisecond backoff (tests) and any other [alerts] values."""
    settings = {"backoff_base_s": 0.01, "timeout_s": 5.0, **alerts}
    return replace(config, alerts=replace(config.alerts, **settings))


def submit(
    hub: Hub, agent_id: str = "AG-7", *, code: str | None = None, **figures: Any
) -> dict[str, Any]:
    """Join with ``code`` (default: a new invite for ``agent_id`` to the spec ``acme``) and
    submit a report made with ``figures`` (and ``spec=``, the bytes the invite names)."""
    code = code or hub.invite(agent_id)

    async def flow(client: httpx.AsyncClient) -> dict[str, Any]:
        joined = (await client.post("/api/v1/sessions", json={"invite": code})).json()
        report = make_report(joined, **figures)
        answer = await client.post(f"/api/v1/sessions/{joined['session']}/report", json=report)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    return dict(hub.run(flow))


def pending(dispatcher: Dispatcher) -> int:
    """Deliveries not yet delivered or given up."""
    with dispatcher.sessions() as db:
        rows = db.scalars(select(AlertDelivery.id).where(AlertDelivery.status == PENDING))
        return len(list(rows))


def drain(*dispatchers: Dispatcher, seconds: float = 20.0) -> None:
    """Tick until every delivery is delivered or failed (at most ``seconds``, 2000 rounds)."""
    deadline = time.monotonic() + seconds
    for _round in range(2000):
        for dispatcher in dispatchers:
            dispatcher.tick()
        if dispatchers[0].fan_out() == 0 and pending(dispatchers[0]) == 0:
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.005)
    raise AssertionError(f"the outbox did not drain in {seconds} s")


@pytest.fixture
def sqlite_env(hub_dir: Path) -> Iterator[HubEnv]:
    """The SQLite hub alone, for what does not depend on the database."""
    config = load_config(hub_dir)
    engine = make_engine(config.database_url)
    try:
        yield HubEnv("sqlite", config, engine, session_factory(engine))
    finally:
        engine.dispose()
