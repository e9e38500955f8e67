"""fleet_days: one count per day and verdict spread over shard rows (``shard`` joins the key).

Every accepted report incremented the one row of its day and verdict, so concurrent
submissions waited for each other's commit on that row's lock (docs/hub.md). The rows a
hub already holds become shard 0; new reports spread over the shards and the overview sums
them.

PostgreSQL changes the key in place (its default name, ``fleet_days_pkey``). SQLite
changes a primary key only by rebuilding the table, done here by hand (a new table, the
rows copied, the old one dropped, the new one renamed): batch mode would do the same but
keeps the reflected columns' old key flags and warns about the mismatch.

Every hub process must be stopped before ``deskready hub migrate`` runs this: an old
process's report statement names the old key (``ON CONFLICT (day, verdict)``) and fails
on the new table (docs/hub.md, upgrading).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "fleet_days_pkey"


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def _rebuild_on_sqlite(sharded: bool) -> None:
    """fleet_days rebuilt with or without ``shard`` (SQLite); rows copied, summed when the
    shards go."""
    columns: list[sa.Column[Any]] = [
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
    ]
    if sharded:
        columns.append(sa.Column("shard", sa.Integer(), server_default="0", nullable=False))
    keys = ["day", "verdict", "shard"] if sharded else ["day", "verdict"]
    # SQLite commits a CREATE TABLE on its own: a run that failed after it left this behind
    op.execute("DROP TABLE IF EXISTS _fleet_days_new")
    op.create_table(
        "_fleet_days_new",
        *columns,
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*keys, name=KEY),
    )
    if sharded:
        op.execute(
            "INSERT INTO _fleet_days_new (day, verdict, shard, reports)"
            " SELECT day, verdict, 0, reports FROM fleet_days"
        )
    else:
        op.execute(
            "INSERT INTO _fleet_days_new (day, verdict, reports)"
            " SELECT day, verdict, SUM(reports) FROM fleet_days GROUP BY day, verdict"
        )
    op.drop_table("fleet_days")
    op.rename_table("_fleet_days_new", "fleet_days")


def upgrade() -> None:
    """Apply this revision."""
    if _sqlite():
        _rebuild_on_sqlite(sharded=True)
        return
    op.drop_constraint(KEY, "fleet_days", type_="primary")
    op.add_column(
        "fleet_days", sa.Column("shard", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_primary_key(KEY, "fleet_days", ["day", "verdict", "shard"])


def downgrade() -> None:
    """Undo this revision: the shards of each day and verdict summed into one row."""
    if _sqlite():
        _rebuild_on_sqlite(sharded=False)
        return
    bind = op.get_bind()
    totals = bind.execute(
        sa.text("SELECT day, verdict, SUM(reports) FROM fleet_days GROUP BY day, verdict")
    ).all()
    bind.execute(sa.text("DELETE FROM fleet_days"))
    op.drop_constraint(KEY, "fleet_days", type_="primary")
    op.drop_column("fleet_days", "shard")
    op.create_primary_key(KEY, "fleet_days", ["day", "verdict"])
    if totals:
        bind.execute(
            sa.text("INSERT INTO fleet_days (day, verdict, reports) VALUES (:d, :v, :n)"),
            [{"d": day, "v": verdict, "n": int(n)} for day, verdict, n in totals],
        )
