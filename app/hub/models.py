"""The hub's tables (SQLAlchemy 2 typed mappings); Alembic migrations create them.

Every list the dashboard shows is backed by an index. Times are timezone-aware UTC.
Secrets are stored hashed: admin passwords (argon2), invite codes (sha256: a code has
≥ 128 random bits, so a fast hash is enough and lets the hub find it by its hash).
Reports are kept as the JSON the agent sent (what the employer may need to show later)
plus the hub's own observations and its signed attestation.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of every hub table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class User(Base):
    """Someone who signs in to the hub: an admin, or a read-only supervisor."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="admin")  # admin | supervisor
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SpecFile(Base):
    """An uploaded spec, kept byte for byte; (name, sha256) is its stable URL."""

    __tablename__ = "specs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    employer: Mapped[str] = mapped_column(String(200), default="")
    uploaded_at: Mapped[datetime] = mapped_column(server_default=func.now())
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (Index("ix_specs_name_sha", "name", "sha256", unique=True),)


class Invite(Base):
    """An invite code bound to one agent id and one spec, expiring, with a use count."""

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    team: Mapped[str] = mapped_column(String(64), default="")
    spec_id: Mapped[int] = mapped_column(ForeignKey("specs.id"), index=True)
    expires_at: Mapped[datetime]
    uses_left: Mapped[int] = mapped_column(Integer, default=1)
    revoked: Mapped[bool] = mapped_column(default=False)
    #: indexed: the dashboard's invite list is the newest first
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    spec: Mapped[SpecFile] = relationship()


class MeasureSession(Base):
    """One measurement session: opened with an invite, holds the one-time nonce."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    #: set when a report consumed the nonce (the report's digest, for idempotent resubmits)
    used_by_digest: Mapped[str | None] = mapped_column(String(80))
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: bytes moved on the measurement endpoints, against the per-session cap
    bytes_moved: Mapped[int] = mapped_column(BigInteger, default=0)
    invite: Mapped[Invite] = relationship()


class Observation(Base):
    """One thing the hub saw itself during a session (a download, an upload, STUN)."""

    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # download | upload | stun | ping
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Report(Base):
    """A report the hub accepted, with what it observed and the attestation it signed."""

    __tablename__ = "reports"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), unique=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    spec_id: Mapped[int] = mapped_column(ForeignKey("specs.id"))
    verdict: Mapped[str] = mapped_column(String(20))
    disputed: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    digest: Mapped[str] = mapped_column(String(80))
    body: Mapped[dict[str, Any]]
    observed: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attestation: Mapped[dict[str, Any]]
    __table_args__ = (
        Index("ix_reports_agent_time", "agent_id", "received_at"),
        Index("ix_reports_verdict", "verdict"),
    )


class HubKey(Base):
    """A signing key's public half: the current one and every rotated-out one."""

    __tablename__ = "keys"
    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    retired_at: Mapped[datetime | None]


class RateBucket(Base):
    """A token bucket per (endpoint, key): shared by every hub process (Healthchecks' idea)."""

    __tablename__ = "rate_buckets"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float]
    updated_at: Mapped[datetime]


class AuditEntry(Base):
    """An admin action: who did what to which thing, and when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


# -- alerts (docs/hub-alerts.md) ------------------------------------------------------------


class WebhookSetting(Base):
    """The hub's one webhook: where alerts are posted and the secret they are signed with.

    In the database rather than config.toml so that ``deskready hub webhook set`` reaches
    every running hub process at once and its audit entry is written in the same
    transaction. The secret is kept in clear: the hub needs it to sign (HMAC).
    """

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AlertEvent(Base):
    """Something an employer is told about (an agent turned not ready, a report disputed,
    an agent overdue). ``key`` is unique, so an event is recorded once however often the
    intake or the sweep that finds it runs (one ``agent.overdue`` per overdue period)."""

    __tablename__ = "alert_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: set once the dispatcher has made this event's deliveries (one per channel)
    fanned_out: Mapped[bool] = mapped_column(default=False, index=True)


class AlertDelivery(Base):
    """One event to one channel (a webhook URL, an e-mail address list): the outbox row a
    hub process claims, sends and retries until delivered or out of attempts."""

    __tablename__ = "alert_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_events.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # webhook | email
    target: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime]
    #: a process that claimed this row owns it until then (a crashed sender's claim lapses)
    claimed_until: Mapped[datetime | None]
    #: which process holds the claim (a random token per dispatcher)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    delivered_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_alert_deliveries_due", "status", "next_at"),)


class AlertAttempt(Base):
    """The delivery log: one row per attempt, with what the other side answered."""

    __tablename__ = "alert_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("alert_deliveries.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(2000))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None]
    error: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(index=True)


# -- the fleet (docs/hub.md "Dashboard"; deskready.hub.fleet) ------------------------------


class FleetAgent(Base):
    """One agent's latest accepted report, kept up to date at intake
    (:func:`deskready.hub.fleet.record.record_report`).

    The dashboard lists 100 000 agents from this table, never by scanning ``reports``: each
    filter and each sort has its own index ending in ``agent_id`` (the keyset pagination's
    tie-breaker). ``overdue_at`` is when re-verification falls due (the spec's
    ``[reverify] every_days`` after ``received_at``), None when the spec asks for none.
    """

    __tablename__ = "fleet_agents"
    agent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team: Mapped[str] = mapped_column(String(64), default="")
    spec_name: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(String(32))
    verdict: Mapped[str] = mapped_column(String(20))
    disputed: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime]
    overdue_at: Mapped[datetime | None]
    reports: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (
        Index("ix_fleet_agents_verdict", "verdict", "agent_id"),
        Index("ix_fleet_agents_spec", "spec_name", "agent_id"),
        Index("ix_fleet_agents_team", "team", "agent_id"),
        Index("ix_fleet_agents_received", "received_at", "agent_id"),
        Index("ix_fleet_agents_overdue", "overdue_at", "agent_id"),
        Index("ix_fleet_agents_disputed", "disputed", "agent_id"),
    )


class FleetFailure(Base):
    """A required rule an agent's latest report failed: what "failed most often" counts."""

    __tablename__ = "fleet_failures"
    agent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(120), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (Index("ix_fleet_failures_metric", "metric"),)


#: rows each (day, verdict) count is spread over (see :class:`FleetDay`)
FLEET_DAY_SHARDS = 16


class FleetDay(Base):
    """How many reports of each verdict the hub accepted on one UTC day (the overview's
    "reports received" column), counted up at intake.

    One count is spread over :data:`FLEET_DAY_SHARDS` rows (``shard``, chosen from the
    report's random id) and summed on read. With one row per day and verdict, every
    report's transaction took that row's lock and held it to its commit, so the hub's
    submissions queued behind each other's ``fsync`` (docs/hub.md, intake figures).
    """

    __tablename__ = "fleet_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    verdict: Mapped[str] = mapped_column(String(20), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, server_default="0")
    reports: Mapped[int] = mapped_column(Integer, default=0)


class FleetSnapshot(Base):
    """The fleet as it stood on one UTC day: agents whose latest report is ready, not
    ready or incomplete, and agents overdue (the overview's readiness over time).

    Taken by the hub's background task every ``[alerts] sweep_every_s`` and overwritten
    through the day, so a past day keeps its last snapshot (``taken_at``). A fleet's state
    on a past day cannot be rebuilt from its reports later (an agent overdue then is not
    now), so it is kept as it was seen; a day the hub was not running has no row.
    """

    __tablename__ = "fleet_snapshots"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    ready: Mapped[int] = mapped_column(Integer, default=0)
    not_ready: Mapped[int] = mapped_column(Integer, default=0)
    incomplete: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    taken_at: Mapped[datetime]
