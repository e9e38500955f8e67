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
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from deskready.hub.db import utc
from deskready.hub.models import (
    FLEET_DAY_SHARDS,
    FleetAgent,
    FleetDay,
    FleetFailure,
    Report,
    SpecFile,
)

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


def overdue_at(received: datetime, every: int | None) -> datetime | None:
    """When the next complete check falls due after a report received at ``received``."""
    return utc(received) + timedelta(days=every) if every else None


#: PostgreSQL: the whole fleet write of one report in one statement (one round trip, was
#: 3–4). ``agent`` upserts the agent's row; each column takes the new report's value only
#: when it is not older than the stored one (a late, older report is counted and nothing
#: else), so the upsert always touches the row and ``reports`` always goes up by one.
#: ``moved`` says whether the new report is now the agent's latest; ``before`` is the
#: count this statement's snapshot saw. The failures are replaced only when it moved:
#: those of other metrics deleted, the new ones upserted (disjoint rows, so the order in
#: which PostgreSQL runs the two does not matter).
_PG_RECORD = text(
    """
WITH before AS (
    SELECT reports FROM fleet_agents WHERE agent_id = :agent_id
), agent AS (
    INSERT INTO fleet_agents AS a
        (agent_id, team, spec_name, report_id, verdict, disputed, received_at, overdue_at,
         reports)
    VALUES (:agent_id, :team, :spec_name, :report_id, :verdict, :disputed, :received_at,
            :overdue_at, 1)
    ON CONFLICT (agent_id) DO UPDATE SET
        team = CASE WHEN a.received_at <= excluded.received_at
                    THEN excluded.team ELSE a.team END,
        spec_name = CASE WHEN a.received_at <= excluded.received_at
                         THEN excluded.spec_name ELSE a.spec_name END,
        report_id = CASE WHEN a.received_at <= excluded.received_at
                         THEN excluded.report_id ELSE a.report_id END,
        verdict = CASE WHEN a.received_at <= excluded.received_at
                       THEN excluded.verdict ELSE a.verdict END,
        disputed = CASE WHEN a.received_at <= excluded.received_at
                        THEN excluded.disputed ELSE a.disputed END,
        overdue_at = CASE WHEN a.received_at <= excluded.received_at
                          THEN excluded.overdue_at ELSE a.overdue_at END,
        received_at = GREATEST(a.received_at, excluded.received_at),
        reports = a.reports + 1
    RETURNING a.report_id = :report_id AS moved, a.reports AS reports
), day AS (
    INSERT INTO fleet_days AS d (day, verdict, shard, reports)
    VALUES (:day, :verdict, :shard, 1)
    ON CONFLICT (day, verdict, shard) DO UPDATE SET reports = d.reports + 1
), gone AS (
    DELETE FROM fleet_failures
    WHERE agent_id = :agent_id
      AND metric <> ALL (CAST(:metrics AS varchar[]))
      AND (SELECT moved FROM agent)
), kept AS (
    INSERT INTO fleet_failures AS f (agent_id, metric, label)
    SELECT :agent_id, m.metric, m.label
    FROM unnest(CAST(:metrics AS varchar[]), CAST(:labels AS varchar[])) AS m(metric, label)
    WHERE (SELECT moved FROM agent)
    ON CONFLICT (agent_id, metric) DO UPDATE SET label = excluded.label
)
SELECT agent.moved, agent.reports, (SELECT reports FROM before) FROM agent
"""
)


def day_shard(report_id: str) -> int:
    """The ``fleet_days`` row a report is counted in (:class:`FleetDay`): spread by its id,
    so concurrent submissions rarely take the same row's lock."""
    return zlib.crc32(report_id.encode("utf-8")) % FLEET_DAY_SHARDS


def record_report(db: Session, report: Report, *, team: str, spec: SpecFile) -> None:
    """Fold one accepted report into the fleet tables, in the caller's transaction."""
    received = utc(report.received_at)
    values = {
        "agent_id": report.agent_id,
        "team": team,
        "spec_name": spec.name,
        "report_id": report.id,
        "verdict": report.verdict,
        "disputed": report.disputed,
        "received_at": received,
        "overdue_at": overdue_at(received, every_days(spec)),
    }
    if db.get_bind().dialect.name == "postgresql":
        _record_postgresql(db, report, values)
        return
    insert = sqlite.insert
    statement = insert(FleetAgent).values(**values, reports=1)
    newer = statement.on_conflict_do_update(
        index_elements=[FleetAgent.agent_id],
        set_={
            **{k: statement.excluded[k] for k in values if k != "agent_id"},
            "reports": FleetAgent.reports + 1,
        },
        where=FleetAgent.received_at <= statement.excluded.received_at,
    )
    # RETURNING says whether the row moved
    moved = db.execute(newer.returning(FleetAgent.agent_id)).first() is not None
    day = insert(FleetDay).values(
        day=received.date(), verdict=report.verdict, shard=day_shard(report.id), reports=1
    )
    db.execute(
        day.on_conflict_do_update(
            index_elements=[FleetDay.day, FleetDay.verdict, FleetDay.shard],
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


def _record_postgresql(db: Session, report: Report, values: dict[str, Any]) -> None:
    """:data:`_PG_RECORD`, and the failures once more when another transaction wrote the
    agent's row between this statement's snapshot and its upsert.

    That is two hub processes taking reports of one agent at once: the upsert waits for the
    other's row lock and then sees its row, but the failures part of the same statement
    still reads the snapshot taken before, so it may keep a failure the other stored. The
    count tells: ``reports`` goes up by exactly one per report, so after the upsert it is
    the snapshot's count plus one unless another report came in between.
    """
    failures = failed_rules(report.body)
    params = {
        **values,
        "day": utc(report.received_at).date(),
        "shard": day_shard(report.id),
        "metrics": [metric for metric, _label in failures],
        "labels": [label for _metric, label in failures],
    }
    moved, reports, before = db.connection().execute(_PG_RECORD, params).one()
    if moved and reports != (before or 0) + 1:
        replace_failures(db, report.agent_id, failures)


def replace_failures(db: Session, agent_id: str, failures: Iterable[tuple[str, str]]) -> None:
    """The agent's failed requirements become ``failures`` (those of its latest report)."""
    db.execute(delete(FleetFailure).where(FleetFailure.agent_id == agent_id))
    rows = [{"agent_id": agent_id, "metric": m, "label": label} for m, label in failures]
    if rows:
        db.execute(FleetFailure.__table__.insert(), rows)  # type: ignore[attr-defined]
