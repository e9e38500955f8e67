"""The fleet: each agent's latest report, its failed requirements, reports per day; and an
index on ``invites.created_at`` (the dashboard lists invites newest first).

Written by hand after the models in ``deskready.hub.models`` (``FleetAgent``,
``FleetFailure``, ``FleetDay``); tests/hub/test_storage.py checks that the result and the
models agree on SQLite and PostgreSQL. The reports a hub already holds are folded in once
(:func:`_backfill`, plain SQL and this file's own copy of the rules, so that a later change
of the application code cannot change what this revision does).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:10:00
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "fleet_agents",
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("spec_name", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agent_id"),
    )
    for name, column in (
        ("verdict", "verdict"),
        ("spec", "spec_name"),
        ("team", "team"),
        ("received", "received_at"),
        ("overdue", "overdue_at"),
        ("disputed", "disputed"),
    ):
        op.create_index(f"ix_fleet_agents_{name}", "fleet_agents", [column, "agent_id"])
    op.create_table(
        "fleet_failures",
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=120), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("agent_id", "metric"),
    )
    op.create_index("ix_fleet_failures_metric", "fleet_failures", ["metric"])
    op.create_table(
        "fleet_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "verdict"),
    )
    op.create_index(op.f("ix_invites_created_at"), "invites", ["created_at"])
    _backfill(op.get_bind())


def _every_days(content: bytes) -> int | None:
    try:
        table = tomllib.loads(content.decode("utf-8")).get("reverify")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    value = table.get("every_days") if isinstance(table, dict) else None
    return value if isinstance(value, int) and 1 <= value <= 365 else None


def _aware(moment: Any) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    found: datetime = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return found


def _backfill(bind: sa.Connection) -> None:
    """Fold the reports already stored into the new tables (nothing on a new hub)."""
    rows = bind.execute(
        sa.text(
            "SELECT r.id, r.agent_id, r.verdict, r.disputed, r.received_at, r.body,"
            " i.team, s.name, s.content FROM reports r"
            " JOIN sessions m ON m.id = r.session_id JOIN invites i ON i.id = m.invite_id"
            " JOIN specs s ON s.id = r.spec_id ORDER BY r.received_at, r.id"
        )
    ).all()
    if not rows:
        return
    import json

    agents: dict[str, dict[str, Any]] = {}
    days: dict[tuple[Any, str], int] = {}
    failures: dict[str, list[dict[str, str]]] = {}
    for report_id, agent, verdict, disputed, received, body, team, spec, content in rows:
        moment = _aware(received)
        days[(moment.date(), verdict)] = days.get((moment.date(), verdict), 0) + 1
        every = _every_days(bytes(content))
        count = agents.get(agent, {}).get("reports", 0) + 1
        agents[agent] = {
            "agent_id": agent,
            "team": team or "",
            "spec_name": spec,
            "report_id": report_id,
            "verdict": verdict,
            "disputed": bool(disputed),
            "received_at": moment,
            "overdue_at": moment + timedelta(days=every) if every else None,
            "reports": count,
        }
        data = json.loads(body) if isinstance(body, str) else body
        failures[agent] = [
            {
                "agent_id": agent,
                "metric": str(r.get("metric"))[:120],
                "label": str(r.get("label", ""))[:200],
            }
            for r in (data or {}).get("rules", [])
            if isinstance(r, dict) and r.get("outcome") == "fail"
        ]
    meta = sa.MetaData()
    fleet = sa.Table("fleet_agents", meta, autoload_with=bind)
    failed = sa.Table("fleet_failures", meta, autoload_with=bind)
    per_day = sa.Table("fleet_days", meta, autoload_with=bind)
    bind.execute(fleet.insert(), list(agents.values()))
    unique = {(f["agent_id"], f["metric"]): f for group in failures.values() for f in group}
    if unique:
        bind.execute(failed.insert(), list(unique.values()))
    bind.execute(
        per_day.insert(),
        [{"day": day, "verdict": verdict, "reports": n} for (day, verdict), n in days.items()],
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("fleet_days")
    op.drop_index("ix_fleet_failures_metric", table_name="fleet_failures")
    op.drop_table("fleet_failures")
    for name in ("disputed", "overdue", "received", "team", "spec", "verdict"):
        op.drop_index(f"ix_fleet_agents_{name}", table_name="fleet_agents")
    op.drop_table("fleet_agents")
    op.drop_index(op.f("ix_invites_created_at"), table_name="invites")
