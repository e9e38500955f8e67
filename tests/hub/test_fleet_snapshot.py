"""Readiness over time: the fleet counted once per day (the background task's snapshot),
shown as it stood on each past day and as it stands now today, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskready.hub.db import utc
from deskready.hub.fleet import charts, queries, snapshot
from deskready.hub.models import FleetAgent, FleetSnapshot
from tests.hub.conftest import HubEnv

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WORDS = {
    "ready": "ready",
    "not_ready": "not ready",
    "incomplete": "incomplete",
    "overdue": "overdue",
}


def _agent(agent_id: str, verdict: str, received: datetime, due: datetime | None) -> FleetAgent:
    return FleetAgent(
        agent_id=agent_id, team="north", spec_name="acme", report_id=agent_id.lower() * 4,
        verdict=verdict, disputed=False, received_at=received, overdue_at=due, reports=1,
    )  # fmt: skip


def test_a_snapshot_counts_the_fleet_and_the_day_keeps_its_last(hub_db: HubEnv) -> None:
    with hub_db.sessions() as db:
        db.add_all(
            [
                _agent("AG-1", "ready", NOON - timedelta(days=9), NOON - timedelta(days=2)),
                _agent("AG-2", "ready", NOON - timedelta(days=1), NOON + timedelta(days=6)),
                _agent("AG-3", "not_ready", NOON, None),
            ]
        )
        db.commit()
        first = snapshot.take(db, NOON)
        assert first == snapshot.Standing({"ready": 2, "incomplete": 0, "not_ready": 1}, 1)
        _set_verdict(db, "AG-3", "incomplete")
        snapshot.take(db, NOON + timedelta(hours=11))  # later the same day: it replaces
        _set_verdict(db, "AG-3", "ready")
        # an older count another process took late, in a zone east of UTC: it stays out
        snapshot.take(db, (NOON + timedelta(hours=1)).astimezone(timezone(timedelta(hours=9))))
        rows = db.scalars(select(FleetSnapshot)).all()
    assert len(rows) == 1
    assert rows[0].day == NOON.date()
    assert utc(rows[0].taken_at) == NOON + timedelta(hours=11)
    assert (rows[0].ready, rows[0].not_ready, rows[0].incomplete, rows[0].overdue) == (2, 0, 1, 1)


def _set_verdict(db: Session, agent_id: str, verdict: str) -> None:
    agent = db.get(FleetAgent, agent_id)
    assert agent is not None
    agent.verdict = verdict
    db.commit()


def test_the_day_is_the_utc_day(hub_db: HubEnv) -> None:
    """A count a second before midnight UTC and one at midnight are two days' counts,
    whatever the zone of the clock that gave the moment."""
    midnight = datetime(2026, 11, 21, tzinfo=UTC)
    tokyo = timezone(timedelta(hours=9))
    with hub_db.sessions() as db:
        db.add(_agent("AG-1", "ready", NOON, None))
        db.commit()
        snapshot.take(db, (midnight - timedelta(seconds=1)).astimezone(tokyo))
        snapshot.take(db, midnight.astimezone(tokyo))
        days = sorted(row.day for row in db.scalars(select(FleetSnapshot)))
    assert days == [NOON.date(), midnight.date()]


def test_the_overview_shows_past_days_as_kept_gaps_as_gaps_and_today_live(
    hub_db: HubEnv,
) -> None:
    with hub_db.sessions() as db:
        db.add(_agent("AG-1", "not_ready", NOON - timedelta(days=3), None))
        db.commit()
        snapshot.take(db, NOON - timedelta(days=2))  # then one agent, not ready
        db.add(_agent("AG-2", "ready", NOON - timedelta(days=1), None))
        db.commit()
        # nothing kept for yesterday: the hub was not running
        found = queries.overview(db, NOON, days=5)
    days = [day for day, _s in found.standings]
    assert days == [(NOON - timedelta(days=i)).date() for i in range(4, -1, -1)]
    kept = dict(found.standings)
    assert kept[(NOON - timedelta(days=2)).date()] == snapshot.Standing(
        {"ready": 0, "incomplete": 0, "not_ready": 1}, 0
    )
    assert kept[(NOON - timedelta(days=1)).date()] is None
    assert kept[NOON.date()] == snapshot.Standing({"ready": 1, "incomplete": 0, "not_ready": 1}, 0)
    assert kept[NOON.date()].agents == found.total  # today's bar is the cards' figures


def test_the_chart_draws_a_bar_per_counted_day_and_breaks_the_overdue_line() -> None:
    day = NOON.date()
    standings: list[tuple[object, snapshot.Standing | None]] = [
        (day - timedelta(days=3), snapshot.Standing({"ready": 3, "not_ready": 1}, 1)),
        (day - timedelta(days=2), snapshot.Standing({"ready": 4}, 2)),
        (day - timedelta(days=1), None),
        (day, snapshot.Standing({"ready": 2, "incomplete": 2}, 0)),
    ]
    svg = str(charts.readiness_chart(standings, WORDS))  # type: ignore[arg-type]
    assert svg.count("<rect") == 5  # 2 + 1 + 0 + 2 verdict segments
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(lines) == 1  # the gap ends the line: a run of one point draws none
    assert len(lines[0].split()) == 2
    assert svg.count("<circle") == 3
    assert f"{day.isoformat()}: incomplete 2" in svg


def test_words_in_the_chart_are_text_not_markup() -> None:
    hostile = {**WORDS, "ready": "<script>alert(1)</script>"}
    svg = str(charts.readiness_chart([(NOON.date(), snapshot.Standing({"ready": 1}, 0))], hostile))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_the_axis_counts_whole_agents_at_any_size() -> None:
    for agents in (1, 5, 10_001, 12_345, 250_000):
        svg = str(
            charts.readiness_chart([(NOON.date(), snapshot.Standing({"ready": agents}, 0))], WORDS)
        )
        ticks = re.findall(r'class="tick">([^<]+)</text>', svg)[:3]  # the axis: 0, middle, top
        numbers = [float(t.replace(",", "")) for t in ticks]
        assert all(n == int(n) for n in numbers), (agents, ticks)
        assert numbers[2] >= agents
