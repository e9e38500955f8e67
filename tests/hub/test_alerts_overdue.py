"""The overdue sweep with a clock the test controls: an agent whose latest report is older
than the spec's ``[reverify] every_days`` gives one ``agent.overdue`` event per overdue
period, delivered like every other alert."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta

from sqlalchemy import select, update

from deskready.hub.alerts import events, loop
from deskready.hub.alerts.outbox import Dispatcher
from deskready.hub.alerts.overdue import sweep
from deskready.hub.alerts.webhook import set_webhook
from deskready.hub.db import now as utc_now
from deskready.hub.db import utc
from deskready.hub.models import AlertEvent, FleetAgent, FleetSnapshot, Report
from tests.hub.alerts_helpers import Receiver, drain, fast, receiver, sqlite_env, submit
from tests.hub.api_helpers import SPEC, make_hub
from tests.hub.conftest import HubEnv

WEEKLY = SPEC + b"\n[reverify]\nevery_days = 7\n"
SECRET = "overdue-test-secret-0123456789"
__all__ = ["sqlite_env"]  # a fixture, used by name


def _overdue(env: HubEnv) -> list[AlertEvent]:
    with env.sessions() as db:
        found = db.scalars(
            select(AlertEvent).where(AlertEvent.kind == events.OVERDUE).order_by(AlertEvent.id)
        )
        return list(found)


def _sweep(env: HubEnv, days: float) -> int:
    with env.sessions() as db:
        return sweep(db, moment=utc_now() + timedelta(days=days), public_url=env.config.public_url)


def test_one_overdue_event_per_agent_per_period(hub_db: HubEnv) -> None:
    hub = make_hub(hub_db)
    hub_db.upload_spec("acme", WEEKLY)  # the version new invites get
    first = submit(hub, spec=WEEKLY)
    submit(hub, agent_id="AG-9", spec=WEEKLY)
    hub_db.upload_spec("plain", SPEC)  # asks for no re-verification
    submit(hub, agent_id="AG-NEVER", code=hub_db.invite("AG-NEVER", "plain"))

    assert _sweep(hub_db, 6.9) == 0  # not yet due
    assert _sweep(hub_db, 7.1) == 2
    assert _sweep(hub_db, 7.2) == 0  # the same period: no second event
    assert _sweep(hub_db, 30) == 0
    found = _overdue(hub_db)
    assert sorted(e.agent_id for e in found) == ["AG-7", "AG-9"]
    mine = next(e for e in found if e.agent_id == "AG-7")
    assert mine.payload["report"]["id"] == first["report_id"]
    with hub_db.sessions() as db:
        report = db.get(Report, first["report_id"])
        assert report is not None
        received = utc(report.received_at)
    due = (received + timedelta(days=7)).isoformat(timespec="seconds")
    assert mine.payload["overdue"]["due_at"] == due
    assert mine.payload["overdue"]["spec"] == "acme"

    second = submit(hub, spec=WEEKLY)  # a new report ends AG-7's overdue period
    assert _sweep(hub_db, 6.9) == 0
    assert _sweep(hub_db, 7.1) == 1  # … and, a week on, a new period starts
    latest = [e for e in _overdue(hub_db) if e.agent_id == "AG-7"]
    assert [e.payload["report"]["id"] for e in latest] == [first["report_id"], second["report_id"]]


def test_overdue_events_are_delivered(sqlite_env: HubEnv) -> None:
    hub = make_hub(sqlite_env)
    sqlite_env.upload_spec("acme", WEEKLY)
    submit(hub, spec=WEEKLY)
    with receiver(SECRET) as hook:
        with sqlite_env.sessions() as db:
            set_webhook(db, hook.url, actor="admin@hub.example", secret=SECRET)
            db.commit()
        assert _sweep(sqlite_env, 8) == 1
        drain(Dispatcher(fast(sqlite_env.config), sqlite_env.sessions))
        assert len(hook.got) == 1
        assert hook.got[0].signed
        payload = json.loads(hook.got[0].body)
    assert payload["type"] == events.OVERDUE
    assert payload["agent"]["id"] == "AG-7"
    assert set(payload["overdue"]) == {"due_at", "spec"}


def test_the_serve_loop_sweeps_and_sends(sqlite_env: HubEnv) -> None:
    """What ``hub serve`` runs: the sweep finds an agent whose due time has passed and the
    same loop delivers the event, without anyone calling either step."""
    hub = make_hub(sqlite_env)
    sqlite_env.upload_spec("acme", WEEKLY)
    submit(hub, spec=WEEKLY)
    with sqlite_env.sessions() as db:  # a week and a minute later, as far as the hub knows
        db.execute(update(FleetAgent).values(overdue_at=utc_now() - timedelta(minutes=1)))
        db.commit()
    config = fast(sqlite_env.config, sweep_every_s=0.05, poll_every_s=0.02)

    async def serve_until_delivered(hook: Receiver) -> None:
        task = asyncio.ensure_future(loop.run(config, sqlite_env.sessions))
        try:
            for _round in range(500):  # at most 10 s
                if hook.got or task.done():
                    break
                await asyncio.sleep(0.02)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    with receiver(SECRET) as hook:
        with sqlite_env.sessions() as db:
            set_webhook(db, hook.url, actor="admin@hub.example", secret=SECRET)
            db.commit()
        asyncio.run(serve_until_delivered(hook))
        assert len(hook.got) == 1
        assert hook.got[0].signed
        assert json.loads(hook.got[0].body)["type"] == events.OVERDUE
    with sqlite_env.sessions() as db:  # the same rounds kept the day's fleet count
        kept = db.scalars(select(FleetSnapshot).order_by(FleetSnapshot.day.desc())).first()
    assert kept is not None  # (the newest: a run across midnight UTC keeps two days)
    assert kept.day == utc(kept.taken_at).date()
    assert (kept.ready, kept.overdue) == (1, 1)
