"""The overdue sweep: one ``agent.overdue`` event per agent per overdue period.

An agent is overdue when their latest accepted report is older than its spec's
``[reverify] every_days``. Intake keeps when that falls due in ``fleet_agents.overdue_at``
(:func:`deskready.hub.fleet.record.record_report`), so the sweep is one indexed query for
rows due by now that have no event yet. The event's key names the latest report, so the
same period never gives a second event, and a new report (a new ``report_id``) starts a
new period. Each sweep records at most :data:`BATCH` events; the next one takes the rest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, literal, select
from sqlalchemy.orm import Session

from deskready.hub.alerts import events
from deskready.hub.db import utc
from deskready.hub.intake import verify_url
from deskready.hub.models import AlertEvent, FleetAgent

#: events one sweep records at most
BATCH = 1000


def sweep(db: Session, *, moment: datetime, public_url: str) -> int:
    """Record the ``agent.overdue`` events due by ``moment``; how many (committed)."""
    key = literal(f"{events.OVERDUE}:") + FleetAgent.agent_id + literal(":") + FleetAgent.report_id
    due = db.scalars(
        select(FleetAgent)
        .where(
            FleetAgent.overdue_at.is_not(None),
            FleetAgent.overdue_at <= moment,
            ~exists(select(AlertEvent.id).where(AlertEvent.key == key)),
        )
        .order_by(FleetAgent.overdue_at, FleetAgent.agent_id)
        .limit(BATCH)
    ).all()
    for agent in due:
        assert agent.overdue_at is not None
        events.record(
            db,
            kind=events.OVERDUE,
            key=f"{events.OVERDUE}:{agent.agent_id}:{agent.report_id}",
            agent_id=agent.agent_id,
            payload={
                "agent": {"id": agent.agent_id, "team": agent.team},
                "report": {
                    "id": agent.report_id,
                    "verdict": agent.verdict,
                    "received_at": utc(agent.received_at).isoformat(timespec="seconds"),
                    "verify_url": verify_url(public_url, agent.report_id),
                },
                "overdue": {
                    "due_at": utc(agent.overdue_at).isoformat(timespec="seconds"),
                    "spec": agent.spec_name,
                },
            },
            at=moment,
        )
    db.commit()
    return len(due)
