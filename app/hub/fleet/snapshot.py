"""The fleet's daily snapshot: how many agents were ready, not ready, incomplete and
overdue on each day, for the overview's readiness over time.

Why snapshots and not a query over the reports: "overdue on 3 November" depends on the
clock of that day, and an agent's verdict that day is their latest report *then*; both are
gone once newer reports arrive. So the hub's background task counts the fleet as it
stands (two GROUP BYs over indexes of ``fleet_agents``) every ``[alerts] sweep_every_s``
and keeps the last count of each UTC day. Today's bar is drawn from the live counts, so
it always matches the cards above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from deskready.hub.db import utc
from deskready.hub.models import FleetAgent, FleetSnapshot

#: the verdicts a snapshot counts, in the order the chart stacks them
VERDICTS = ("ready", "incomplete", "not_ready")


@dataclass(frozen=True)
class Standing:
    """The fleet on one day: agents by their latest verdict, and agents overdue."""

    verdicts: dict[str, int]
    overdue: int

    @property
    def agents(self) -> int:
        """Every agent counted (an overdue agent is also counted by verdict)."""
        return sum(self.verdicts.values())


def standing_now(db: Session, moment: datetime) -> Standing:
    """The fleet as it stands at ``moment``."""
    verdicts = {
        str(verdict): int(count)
        for verdict, count in db.execute(
            select(FleetAgent.verdict, func.count()).group_by(FleetAgent.verdict)
        )
    }
    overdue = db.scalar(
        select(func.count()).select_from(FleetAgent).where(FleetAgent.overdue_at <= moment)
    )
    return Standing({v: verdicts.get(v, 0) for v in VERDICTS}, int(overdue or 0))


def take(db: Session, moment: datetime) -> Standing:
    """Count the fleet at ``moment`` and keep it as that UTC day's snapshot (committed)."""
    moment = utc(moment)
    found = standing_now(db, moment)
    values = {
        "day": moment.date(),
        **{v: found.verdicts[v] for v in VERDICTS},
        "overdue": found.overdue,
        "taken_at": moment,
    }
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(FleetSnapshot).values(**values)
    # two hub processes take snapshots too: the later count of the day stays
    db.execute(
        statement.on_conflict_do_update(
            index_elements=[FleetSnapshot.day],
            set_={k: statement.excluded[k] for k in values if k != "day"},
            where=FleetSnapshot.taken_at <= statement.excluded.taken_at,
        )
    )
    db.commit()
    return found


def standings(
    db: Session, moment: datetime, days: int, today: Standing
) -> list[tuple[date, Standing | None]]:
    """The last ``days`` days, oldest first: each day's snapshot (None where the hub took
    none), today's given (the live counts)."""
    last = utc(moment).date()
    first = last - timedelta(days=days - 1)
    kept = {
        row.day: Standing({v: int(getattr(row, v)) for v in VERDICTS}, int(row.overdue))
        for row in db.scalars(
            select(FleetSnapshot).where(FleetSnapshot.day >= first, FleetSnapshot.day < last)
        )
    }
    found: list[tuple[date, Standing | None]] = []
    for i in range(days):
        day = first + timedelta(days=i)
        found.append((day, today if day == last else kept.get(day)))
    return found
