"""The alert outbox: fan events out to the channels, claim due deliveries, send, retry.

Every step is a short transaction, and no transaction is open while a webhook or a relay
is being talked to. Each hub process runs a :class:`Dispatcher`; they share the outbox
through row claims, so a delivery is sent by one process:

- **Fan-out**: ``UPDATE alert_events SET fanned_out = true WHERE id IN (SELECT … LIMIT n
  FOR UPDATE SKIP LOCKED) RETURNING id`` takes a batch of new events (PostgreSQL skips
  rows another process has locked; SQLite runs one writer at a time, so the single
  ``UPDATE`` is the claim), and the deliveries for the channels configured *now* are
  inserted in the same transaction.
- **Claim**: the same kind of ``UPDATE … RETURNING`` sets ``claimed_by`` (a random token
  per dispatcher) and ``claimed_until`` on due, unclaimed rows. A process that dies while
  sending leaves a claim that lapses after :attr:`Dispatcher.lease_s`; the delivery is then
  sent again, so delivery is *at least once*: receivers deduplicate on
  ``X-Deskready-Delivery``.
- **Result**: one ``alert_attempts`` row per attempt (the delivery log), then the delivery
  is ``delivered``, ``failed`` after ``[alerts] max_attempts``, or due again after
  ``backoff_base_s × 2^(attempt-1)`` (1, 2, 4, 8, 16 s by default).
"""

from __future__ import annotations

import json
import logging
import math
import secrets
import smtplib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from deskready.checks.i18n import _
from deskready.hub.alerts import mail, signing, webhook
from deskready.hub.config import HubConfig, Smtp, email_recipients
from deskready.hub.db import now as utc_now
from deskready.hub.db import utc
from deskready.hub.models import AlertAttempt, AlertDelivery, AlertEvent

log = logging.getLogger("deskready.hub.alerts")

WEBHOOK = "webhook"
EMAIL = "email"
PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
#: events fanned out and deliveries claimed per step (a tick's work is bounded)
BATCH = 50
#: deliveries one dispatcher sends at the same time
SENDERS = 4

Post = Callable[[str, bytes, dict[str, str], float], webhook.Answer]
SendMail = Callable[[Smtp, EmailMessage, float], None]


def payload_bytes(event: AlertEvent, config: HubConfig) -> bytes:
    """The JSON body of an event: the same bytes at every attempt (docs/hub-alerts.md)."""
    body = {
        "id": event.id,
        "type": event.kind,
        "created_at": utc(event.created_at).isoformat(timespec="seconds"),
        "hub": {"name": config.name, "url": config.public_url.rstrip("/")},
        **event.payload,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _smtp_text(reply: bytes | str) -> str:
    """A relay's reply as log text (it may be bytes)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return text[:500]


def backoff(attempt: int, base_s: float) -> timedelta:
    """The wait after failed attempt number ``attempt`` (1-based): base, 2×base, 4×base…"""
    return timedelta(seconds=base_s * 2 ** max(0, attempt - 1))


@dataclass(frozen=True)
class _Job:
    """What one send needs, read before the network is touched."""

    delivery_id: int
    channel: str
    target: str
    attempt: int
    kind: str
    body: bytes
    payload: dict[str, Any]
    secret: str | None


class Dispatcher:
    """Sends the outbox of one hub process (see the module docstring)."""

    def __init__(
        self,
        config: HubConfig,
        sessions: sessionmaker[Session],
        *,
        clock: Callable[[], datetime] = utc_now,
        post: Post = webhook.post,
        send_mail: SendMail = mail.send,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.clock = clock
        self.post = post
        self.send_mail = send_mail
        self.token = secrets.token_hex(16)
        #: a claim outlives the slowest round: a batch is sent SENDERS at a time, each send
        #: up to timeout_s, so the last of BATCH waits for ceil(BATCH / SENDERS) sends; with
        #: room to record. Shorter, a second hub process would reclaim (and send again) what
        #: this one has claimed but not reached yet, whenever a receiver is slow.
        self.lease_s = (math.ceil(BATCH / SENDERS) + 1) * config.alerts.timeout_s + 30.0

    # -- steps ---------------------------------------------------------------------------

    def fan_out(self) -> int:
        """Deliveries for a batch of new events; how many events were taken."""
        with self.sessions() as db:
            pick = (
                select(AlertEvent.id)
                .where(AlertEvent.fanned_out.is_(False))
                .order_by(AlertEvent.id)
                .limit(BATCH)
            )
            if db.get_bind().dialect.name == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            taken = db.scalars(
                update(AlertEvent)
                .where(AlertEvent.id.in_(pick.scalar_subquery()))
                .values(fanned_out=True)
                .returning(AlertEvent.id)
            ).all()
            if not taken:
                db.rollback()
                return 0
            hook = webhook.current(db)
            recipients = email_recipients(self.config.alerts) if self.config.smtp.host else []
            moment = self.clock()
            for event_id in sorted(taken):
                targets = []
                if hook is not None:
                    targets.append((WEBHOOK, hook.url))
                if recipients:
                    targets.append((EMAIL, ", ".join(recipients)))
                for channel, target in targets:
                    db.add(
                        AlertDelivery(
                            event_id=event_id,
                            channel=channel,
                            target=target,
                            status=PENDING,
                            attempts=0,
                            next_at=moment,
                        )
                    )
            db.commit()
            return len(taken)

    def claim(self) -> list[int]:
        """Claim a batch of due deliveries for this dispatcher; their ids."""
        moment = self.clock()
        with self.sessions() as db:
            due = (
                select(AlertDelivery.id)
                .where(
                    AlertDelivery.status == PENDING,
                    AlertDelivery.next_at <= moment,
                    or_(
                        AlertDelivery.claimed_until.is_(None),
                        AlertDelivery.claimed_until < moment,
                    ),
                )
                .order_by(AlertDelivery.next_at, AlertDelivery.id)
                .limit(BATCH)
            )
            if db.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            claimed = db.scalars(
                update(AlertDelivery)
                .where(AlertDelivery.id.in_(due.scalar_subquery()))
                .values(
                    claimed_by=self.token,
                    claimed_until=moment + timedelta(seconds=self.lease_s),
                )
                .returning(AlertDelivery.id)
            ).all()
            db.commit()
        return sorted(claimed)

    def _job(self, delivery_id: int) -> _Job | None:
        with self.sessions() as db:
            row = db.get(AlertDelivery, delivery_id)
            if row is None or row.claimed_by != self.token:
                return None
            event = db.get(AlertEvent, row.event_id)
            assert event is not None  # a foreign key
            hook = webhook.current(db) if row.channel == WEBHOOK else None
            return _Job(
                delivery_id=row.id,
                channel=row.channel,
                target=row.target,
                attempt=row.attempts + 1,
                kind=event.kind,
                body=payload_bytes(event, self.config),
                payload=dict(event.payload),
                secret=hook.secret if hook is not None else None,
            )

    def _send(self, job: _Job) -> webhook.Answer:
        timeout = self.config.alerts.timeout_s
        if job.channel == WEBHOOK:
            if job.secret is None:
                return webhook.Answer(None, _("no webhook is set any more"))
            # the wall clock, not self.clock: the receiver compares it with its own
            stamp = int(time.time())
            headers = {
                signing.TIMESTAMP_HEADER: str(stamp),
                signing.SIGNATURE_HEADER: signing.signature(job.secret, stamp, job.body),
                signing.EVENT_HEADER: job.kind,
                signing.DELIVERY_HEADER: str(job.delivery_id),
            }
            return self.post(job.target, job.body, headers, timeout)
        recipients = [part.strip() for part in job.target.split(",") if part.strip()]
        smtp = self.config.smtp
        if not smtp.host:
            return webhook.Answer(None, _("no SMTP relay is configured any more"))
        try:
            self.send_mail(
                smtp,
                mail.message(smtp, recipients, job.kind, job.payload, self.config.name),
                timeout,
            )
        except smtplib.SMTPResponseException as exc:
            return webhook.Answer(exc.smtp_code, _smtp_text(exc.smtp_error))
        except smtplib.SMTPRecipientsRefused as exc:  # every recipient refused: the first why
            code, why = next(iter(exc.recipients.values()), (None, b""))
            return webhook.Answer(code, _smtp_text(why))
        except (smtplib.SMTPException, OSError) as exc:
            return webhook.Answer(None, f"{type(exc).__name__}: {exc}"[:500])
        return webhook.Answer(250)

    def _record(self, job: _Job, answer: webhook.Answer) -> None:
        moment = self.clock()
        # an SMTP relay answers 250 for a message taken, a webhook 2xx
        ok = answer.delivered or (job.channel == EMAIL and answer.status == 250)
        with self.sessions() as db:
            db.add(
                AlertAttempt(
                    delivery_id=job.delivery_id,
                    event=job.kind,
                    channel=job.channel,
                    target=job.target,
                    attempt=job.attempt,
                    status_code=answer.status,
                    error=answer.error,
                    at=moment,
                )
            )
            values: dict[str, Any] = {
                "attempts": job.attempt,
                "claimed_by": None,
                "claimed_until": None,
            }
            if ok:
                values.update(status=DELIVERED, delivered_at=moment)
            elif job.attempt >= self.config.alerts.max_attempts:
                values.update(status=FAILED)
            else:
                values.update(
                    next_at=moment + backoff(job.attempt, self.config.alerts.backoff_base_s)
                )
            db.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id == job.delivery_id, AlertDelivery.claimed_by == self.token)
                .values(**values)
            )
            db.commit()
        if not ok:
            log.warning(
                "alert %s to %s, attempt %d: %s",
                job.kind,
                job.channel,
                job.attempt,
                answer.error or answer.status,
            )

    def deliver(self, delivery_id: int) -> None:
        """Send one claimed delivery once and record the attempt.

        An unexpected error in sending (a bug, a URL the library cannot encode) is recorded
        as a failed attempt too: left to escape, it would end the round before the attempt
        is counted, and the delivery would be claimed and tried again every lease, forever.
        """
        job = self._job(delivery_id)
        if job is None:
            return
        try:
            answer = self._send(job)
        except Exception as exc:
            log.exception("sending alert delivery %d failed unexpectedly", job.delivery_id)
            answer = webhook.Answer(None, f"{type(exc).__name__}: {exc}"[:500])
        self._record(job, answer)

    def tick(self) -> int:
        """One round: fan out new events, claim what is due, send it; attempts made."""
        self.fan_out()
        claimed = self.claim()
        if len(claimed) <= 1:
            for delivery_id in claimed:
                self.deliver(delivery_id)
        else:
            with ThreadPoolExecutor(max_workers=SENDERS) as pool:
                list(pool.map(self.deliver, claimed))
        return len(claimed)
