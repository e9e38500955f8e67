"""Keeping the fleet tables current: one call from intake per accepted report.

Why a table of latest reports instead of a query over ``reports``: the dashboard lists,
filters and counts 100 000 agents; "the latest report of each agent" over 1.2 million
reports is a window query per page view, the ``fleet_agents`` row is one index read.

Every write is an upsert that only moves forward in time (``received_at`` newer than the
stored one), so two hub processes taking reports of one agent at once, on one PostgreSQL,
leave the newer report in place whichever commits last. The caller's transaction holds it
all: the report and its fleet rows are committed together or not at all.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from deskready.hub.db import utc
from deskready.hub.models import FleetAgent, FleetDay, FleetFailure, Report, SpecFile

#: the range ``[reverify] every_days`` may take (docs/spec.md)
EVERY_DAYS_RANGE = (1, 365)

_every_cache: dict[str, int | None] = {}
_every_lock = threading.Lock()


def every_days(spec: SpecFile) -> int | None:
    """The spec's ``[reverify] every_days``, or None when it asks for no re-verification.

    Read from the stored bytes (already accepted by the agent's loader at upload), cached
    by sha256: a stored spec never changes.
    """
    with _every_lock:
        if spec.sha256 in _every_cache:
            return _every_cache[spec.sha256]
    found = every_days_of(spec.content)
    with _every_lock:
        _every_cache[spec.sha256] = found
    return found


def every_days_of(content: bytes) -> int | None:
    """``[reverify] every_days`` of a spec's TOML, None when absent or out of range."""
    try:
        table = tomllib.loads(content.decode("utf-8")).get("reverify")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    value = table.get("every_days") if isinstance(table, dict) else None
    low, high = EVERY_DAYS_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def failed_rules(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(metric, label) of each required rule the report failed, in report order, once each."""
    seen: dict[str, str] = {}
    for rule in body.get("rules", []):
        if isinstance(rule, dict) and rule.get("outcome") == "fail":
            metric = str(rule.get("metric", ""))[:120]
            seen.setdefault(metric, str(rule.get("label") or metric)[:200])
    return list(seen.items())


def _insert(db: Session) -> Any:
    """The dialect's INSERT with ON CONFLICT (SQLite ≥ 3.24 and PostgreSQL both have it)."""
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


def overdue_at(received: datetime, every: int | None) -> datetime | None:
    """When the next complete check falls due after a report received at ``received``."""
    return utc(received) + timedelta(days=every) if every else None


def record_report(db: Session, report: Report, *, team: str, spec: SpecFile) -> None:
    """Fold one accepted report into the fleet tables, in the caller's transaction."""
    received = utc(report.received_at)
    insert = _insert(db)
    values = {
        "agent_id": report.agent_id,
        "team": team,
        "spec_name": spec.name,
        "report_id": report.id,
        "verdict": report.verdict,
        "disputed": report.disputed,
        "received_at": received,
        "overdue_at": overdue_at(received, every_days(spec)),
        "reports": 1,
    }
    statement = insert(FleetAgent).values(**values)
    newer = statement.on_conflict_do_update(
        index_elements=[FleetAgent.agent_id],
        set_={
            **{k: statement.excluded[k] for k in values if k not in ("agent_id", "reports")},
            "reports": FleetAgent.reports + 1,
        },
        where=FleetAgent.received_at <= statement.excluded.received_at,
    )
    # RETURNING says whether the row moved (rowcount is -1 here with psycopg 3)
    moved = db.execute(newer.returning(FleetAgent.agent_id)).first() is not None
    day = insert(FleetDay).values(day=received.date(), verdict=report.verdict, reports=1)
    db.execute(
        day.on_conflict_do_update(
            index_elements=[FleetDay.day, FleetDay.verdict],
            set_={"reports": FleetDay.reports + 1},
        )
    )
    if not moved:  # an older report arrived late: count it only
        db.execute(
            FleetAgent.__table__.update()  # type: ignore[attr-defined]
            .where(FleetAgent.agent_id == report.agent_id)
            .values(reports=FleetAgent.reports + 1)
        )
        return
    replace_failures(db, report.agent_id, failed_rules(report.body))


def replace_failures(db: Session, agent_id: str, failures: Iterable[tuple[str, str]]) -> None:
    """The agent's failed requirements become ``failures`` (those of its latest report)."""
    db.execute(delete(FleetFailure).where(FleetFailure.agent_id == agent_id))
    rows = [{"agent_id": agent_id, "metric": m, "label": label} for m, label in failures]
    if rows:
        db.execute(FleetFailure.__table__.insert(), rows)  # type: ignore[attr-defined]
