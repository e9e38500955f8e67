"""fleet_snapshots: the fleet's counts kept once per day, for the readiness chart.

A new table only: a hub process of the revision before keeps running beside it (it
takes no snapshots; the chart then shows fewer days).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fleet_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ready", sa.Integer(), nullable=False),
        sa.Column("not_ready", sa.Integer(), nullable=False),
        sa.Column("incomplete", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade() -> None:
    op.drop_table("fleet_snapshots")
