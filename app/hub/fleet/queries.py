"""The dashboard's reads: the overview's counts, the agents list, one agent's reports.

Each is one or a few indexed queries on the fleet tables (``deskready.hub.models``), never
a scan of ``reports``. The agents list pages by keyset ("the 50 after this one", Markus
Winand, https://use-the-index-luke.com/no-offset): the cursor is the last row's sort value
and agent id, so page 2 000 costs what page 1 costs, and every sort is an index ending in
``agent_id``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, text, tuple_
from sqlalchemy.orm import Session

from deskready.hub.db import utc
from deskready.hub.fleet import snapshot
from deskready.hub.models import FleetAgent, FleetDay, FleetFailure, Report, SpecFile

VERDICTS = ("ready", "not_ready", "incomplete")
#: sort name → (column, descending)
SORTS: dict[str, tuple[Any, bool]] = {
    "agent": (FleetAgent.agent_id, False),
    "latest": (FleetAgent.received_at, True),
    "oldest": (FleetAgent.received_at, False),
    "verdict": (FleetAgent.verdict, False),
}
PAGE_SIZE = 50
MAX_QUERY = 64


@dataclass(frozen=True)
class Filters:
    """What the agents list is narrowed to; every field empty means "all agents"."""

    q: str = ""
    verdict: str = ""
    spec: str = ""
    team: str = ""
    overdue: bool = False
    disputed: bool = False
    sort: str = "agent"

    @classmethod
    def parse(cls, params: dict[str, str]) -> Filters:
        """Filters from query parameters; unknown values are dropped, not refused (a link
        from an older page still opens the list)."""
        verdict = params.get("verdict", "")
        sort = params.get("sort", "agent")
        return cls(
            q=params.get("q", "").strip()[:MAX_QUERY],
            verdict=verdict if verdict in VERDICTS else "",
            spec=params.get("spec", "").strip()[:64],
            team=params.get("team", "").strip()[:64],
            overdue=params.get("overdue") in ("1", "on", "true"),
            disputed=params.get("disputed") in ("1", "on", "true"),
            sort=sort if sort in SORTS else "agent",
        )

    def query(self) -> dict[str, str]:
        """The filters as query parameters (what a link to this view carries)."""
        found = {
            "q": self.q,
            "verdict": self.verdict,
            "spec": self.spec,
            "team": self.team,
            "overdue": "1" if self.overdue else "",
            "disputed": "1" if self.disputed else "",
            "sort": self.sort if self.sort != "agent" else "",
        }
        return {k: v for k, v in found.items() if v}

    def conditions(self, moment: datetime) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.q:
            escaped = self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            found.append(FleetAgent.agent_id.like(f"{escaped}%", escape="\\"))
        if self.verdict:
            found.append(FleetAgent.verdict == self.verdict)
        if self.spec:
            found.append(FleetAgent.spec_name == self.spec)
        if self.team:
            found.append(FleetAgent.team == self.team)
        if self.overdue:
            found.append(FleetAgent.overdue_at <= moment)
        if self.disputed:
            found.append(FleetAgent.disputed.is_(True))
        return found


def encode_cursor(value: Any, agent_id: str) -> str:
    """An opaque "after this row" token for the next page's link."""
    shown = utc(value).isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([shown, agent_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, sort: str) -> tuple[Any, str] | None:
    """The cursor's (sort value, agent id), or None for a token that is not one."""
    if not token or len(token) > 400:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, agent = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        return None
    if not isinstance(agent, str) or not isinstance(value, str):
        return None
    if not (agent.isprintable() and value.isprintable()):  # no stored value has a NUL
        return None
    if SORTS[sort][0] is FleetAgent.received_at:
        try:
            return datetime.fromisoformat(value), agent
        except ValueError:
            return None
    return value, agent


@dataclass
class Page:
    """One page of the agents list."""

    rows: list[FleetAgent]
    total: int
    next_cursor: str | None
    filters: Filters


def _ordered(statement: Select[Any], sort: str) -> Select[Any]:
    column, descending = SORTS[sort]
    if column is FleetAgent.agent_id:
        return statement.order_by(FleetAgent.agent_id.desc() if descending else FleetAgent.agent_id)
    if descending:
        return statement.order_by(column.desc(), FleetAgent.agent_id.desc())
    return statement.order_by(column, FleetAgent.agent_id)


def _after(sort: str, cursor: tuple[Any, str]) -> ColumnElement[bool]:
    column, descending = SORTS[sort]
    value, agent = cursor
    if column is FleetAgent.agent_id:
        found: ColumnElement[bool] = (
            FleetAgent.agent_id < agent if descending else FleetAgent.agent_id > agent
        )
        return found
    if descending:
        return tuple_(column, FleetAgent.agent_id) < tuple_(value, agent)
    return tuple_(column, FleetAgent.agent_id) > tuple_(value, agent)


def agents_page(
    db: Session,
    filters: Filters,
    moment: datetime,
    *,
    after: str = "",
    size: int = PAGE_SIZE,
) -> Page:
    """The agents matching ``filters`` after the cursor ``after``, and how many match."""
    where = filters.conditions(moment)
    total = db.scalar(select(func.count()).select_from(FleetAgent).where(*where)) or 0
    statement = select(FleetAgent).where(*where)
    cursor = decode_cursor(after, filters.sort)
    if cursor is not None:
        statement = statement.where(_after(filters.sort, cursor))
    rows = list(db.scalars(_ordered(statement, filters.sort).limit(size + 1)))
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        column = SORTS[filters.sort][0]
        next_cursor = encode_cursor(getattr(last, column.key), last.agent_id)
    return Page(rows, int(total), next_cursor, filters)


def iter_agents(
    db: Session, filters: Filters, moment: datetime, chunk: int = 5000
) -> Iterator[Any]:
    """Every agent matching ``filters`` in the list's order, as plain rows (no ORM objects:
    an export reads 100 000), read in keyset chunks of at most ``chunk`` rows."""
    where = filters.conditions(moment)
    cursor: tuple[Any, str] | None = None
    column = SORTS[filters.sort][0]
    for _round in range(10_000_000 // chunk + 1):
        statement = select(*FleetAgent.__table__.columns).where(*where)
        if cursor is not None:
            statement = statement.where(_after(filters.sort, cursor))
        rows = list(db.execute(_ordered(statement, filters.sort).limit(chunk)))
        yield from rows
        if len(rows) < chunk:
            return
        cursor = (getattr(rows[-1], column.key), rows[-1].agent_id)


# -- overview --------------------------------------------------------------------------------


@dataclass
class Overview:
    """The numbers on the overview page."""

    total: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    disputed: int = 0
    #: (name, {verdict: count}, overdue) per spec and per team
    by_spec: list[tuple[str, dict[str, int], int]] = field(default_factory=list)
    by_team: list[tuple[str, dict[str, int], int]] = field(default_factory=list)
    #: (metric, label, agents failing it), most failed first
    failed: list[tuple[str, str, int]] = field(default_factory=list)
    #: reports received on each of the last days that had any
    reports_per_day: dict[date, int] = field(default_factory=dict)
    #: (day, the fleet that day or None where no snapshot was taken), oldest first
    standings: list[tuple[date, snapshot.Standing | None]] = field(default_factory=list)


def _grouped(db: Session, column: Any, moment: datetime) -> list[tuple[str, dict[str, int], int]]:
    groups: dict[str, dict[str, int]] = {}
    for name, verdict, count in db.execute(
        select(column, FleetAgent.verdict, func.count()).group_by(column, FleetAgent.verdict)
    ):
        groups.setdefault(str(name), {})[str(verdict)] = int(count)
    late: dict[Any, int] = dict(
        db.execute(
            select(column, func.count()).where(FleetAgent.overdue_at <= moment).group_by(column)
        ).all()
    )
    return [(name, groups[name], int(late.get(name, 0))) for name in sorted(groups)]


def overview(db: Session, moment: datetime, *, days: int = 30, top: int = 10) -> Overview:
    """The overview's counts (each a GROUP BY over an index of ``fleet_agents``)."""
    found = Overview()
    found.by_spec = _grouped(db, FleetAgent.spec_name, moment)
    for _name, verdicts, late in found.by_spec:
        for verdict, count in verdicts.items():
            found.verdicts[verdict] = found.verdicts.get(verdict, 0) + count
        found.overdue += late
    found.total = sum(found.verdicts.values())
    found.by_team = _grouped(db, FleetAgent.team, moment)
    found.disputed = int(
        db.scalar(select(func.count()).select_from(FleetAgent).where(FleetAgent.disputed.is_(True)))
        or 0
    )
    labels = func.max(FleetFailure.label)
    found.failed = [
        (str(metric), str(label), int(count))
        for metric, label, count in db.execute(
            select(FleetFailure.metric, labels, func.count())
            .group_by(FleetFailure.metric)
            .order_by(func.count().desc(), FleetFailure.metric)
            .limit(top)
        )
    ]
    first = moment.date() - timedelta(days=days - 1)
    found.reports_per_day = {
        day: int(reports)
        for day, reports in db.execute(  # each count is spread over verdict and shard rows
            select(FleetDay.day, func.sum(FleetDay.reports))
            .where(FleetDay.day >= first)
            .group_by(FleetDay.day)
        )
    }
    today = snapshot.Standing(
        {v: found.verdicts.get(v, 0) for v in snapshot.VERDICTS}, found.overdue
    )
    found.standings = snapshot.standings(db, moment, days, today)
    return found


#: the columns the filter menus list the values of (each leads an index)
MENU_COLUMNS = ("team", "spec_name")


def distinct_values(db: Session, column: Any, limit: int = 200) -> list[str]:
    """The specs or teams the filter menus offer.

    A plain ``DISTINCT`` reads all 100 000 rows (17 ms on PostgreSQL here); this walks the
    index from one value to the next instead ("loose index scan", a recursive CTE that
    SQLite and PostgreSQL both run: https://wiki.postgresql.org/wiki/Loose_indexscan), one
    probe per value: about a millisecond for 40 teams.
    """
    name = column.key
    if name not in MENU_COLUMNS:
        raise ValueError(f"no menu of {name}")
    walk = text(
        f"WITH RECURSIVE v(x) AS (SELECT min({name}) FROM fleet_agents UNION ALL "
        f"SELECT (SELECT min({name}) FROM fleet_agents WHERE {name} > v.x) FROM v "
        "WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL LIMIT :limit"
    )
    return [str(v) for v in db.scalars(walk, {"limit": limit})]


# -- specs -----------------------------------------------------------------------------------

#: spec versions the specs page lists at most, and names the invite form offers at most
MAX_SPEC_ROWS = 200


def spec_versions(db: Session, limit: int = MAX_SPEC_ROWS) -> list[SpecFile]:
    """The stored specs by name, newest version first (the order of
    :func:`deskready.hub.admin.list_specs`), at most ``limit``: every upload is kept, so
    their number only grows, and each row holds the spec's bytes."""
    return list(
        db.scalars(
            select(SpecFile)
            .order_by(SpecFile.name, SpecFile.uploaded_at.desc(), SpecFile.id.desc())
            .limit(limit)
        )
    )


def spec_names(db: Session, limit: int = MAX_SPEC_ROWS) -> list[str]:
    """The names a new invite may name, sorted, without reading any spec's bytes."""
    return list(db.scalars(select(SpecFile.name).distinct().order_by(SpecFile.name).limit(limit)))


# -- one agent -------------------------------------------------------------------------------

#: the reports an agent page shows at most (newest kept)
MAX_AGENT_REPORTS = 200


def agent_reports(db: Session, agent_id: str, limit: int = MAX_AGENT_REPORTS) -> list[Report]:
    """The agent's reports, oldest first (``ix_reports_agent_time``), the newest ``limit``."""
    newest = list(
        db.scalars(
            select(Report)
            .where(Report.agent_id == agent_id)
            .order_by(Report.received_at.desc(), Report.id.desc())
            .limit(limit)
        )
    )
    return newest[::-1]


__all__ = [
    "PAGE_SIZE",
    "SORTS",
    "VERDICTS",
    "Filters",
    "Overview",
    "Page",
    "agent_reports",
    "agents_page",
    "distinct_values",
    "iter_agents",
    "overview",
    "spec_names",
    "spec_versions",
]
