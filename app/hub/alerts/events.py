"""Alert events: recorded once, in the transaction of what caused them.

An event's ``key`` is unique (``<kind>:<report id>``), so recording is an
``INSERT … ON CONFLICT DO NOTHING``: an intake retried after a lost answer, or the overdue
sweep running in two hub processes at once, records one event, not two. For the overdue
event the report id is that of the agent's latest report, so each overdue *period* (ended
by a new report) gives one event however often the sweep runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from deskready.hub.db import utc
from deskready.hub.models import AlertEvent, Report

NOT_READY = "agent.not_ready"
DISPUTED = "report.disputed"
OVERDUE = "agent.overdue"
#: every kind of event, in the order docs/hub-alerts.md lists them
KINDS = (NOT_READY, DISPUTED, OVERDUE)
NOT_READY_VERDICT = "not_ready"


def _insert(db: Session) -> Any:
    """The dialect's INSERT with ON CONFLICT (SQLite ≥ 3.24 and PostgreSQL have it)."""
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


def record(
    db: Session, *, kind: str, key: str, agent_id: str, payload: dict[str, Any], at: datetime
) -> None:
    """Record an event unless one with ``key`` exists (in the caller's transaction)."""
    statement = _insert(db)(AlertEvent).values(
        key=key[:200],
        kind=kind,
        agent_id=agent_id,
        payload=payload,
        created_at=at,
        fanned_out=False,
    )
    db.execute(statement.on_conflict_do_nothing(index_elements=[AlertEvent.key]))


def report_part(report: Report, verify_url: str, disputed: list[str]) -> dict[str, Any]:
    """What a payload says of a report (ids, verdict, times: no figures, no agent name)."""
    return {
        "id": report.id,
        "verdict": report.verdict,
        "disputed": list(disputed),
        "received_at": utc(report.received_at).isoformat(timespec="seconds"),
        "verify_url": verify_url,
    }


def previous_verdict(db: Session, agent_id: str, before: datetime) -> str | None:
    """The verdict of the agent's latest report received before ``before`` (None: none)."""
    return db.scalar(
        select(Report.verdict)
        .where(Report.agent_id == agent_id, Report.received_at < before)
        .order_by(Report.received_at.desc())
        .limit(1)
    )


def on_report(
    db: Session,
    report: Report,
    *,
    team: str,
    disputed: list[str],
    verify_url: str,
    previous: str | None,
) -> None:
    """The events an accepted report causes: ``agent.not_ready`` when it is not ready and
    the agent's previous report was not (or there was none); ``report.disputed`` when the
    hub disputed a figure."""
    at = utc(report.received_at)
    payload = {
        "agent": {"id": report.agent_id, "team": team},
        "report": report_part(report, verify_url, disputed),
    }
    if report.verdict == NOT_READY_VERDICT and previous != NOT_READY_VERDICT:
        payload_nr = {**payload, "previous_verdict": previous}
        record(
            db,
            kind=NOT_READY,
            key=f"{NOT_READY}:{report.id}",
            agent_id=report.agent_id,
            payload=payload_nr,
            at=at,
        )
    if disputed:
        record(
            db,
            kind=DISPUTED,
            key=f"{DISPUTED}:{report.id}",
            agent_id=report.agent_id,
            payload=payload,
            at=at,
        )
