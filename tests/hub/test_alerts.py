"""Alerts through the real intake and a real webhook receiver on 127.0.0.1: which reports
cause which events, the signature, retries after a 500 (delivered once), the delivery log,
giving up, surviving a restart, and two dispatchers sharing one outbox."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from deskready.hub.alerts import events
from deskready.hub.alerts.outbox import DELIVERED, FAILED, Dispatcher, backoff
from deskready.hub.alerts.signing import signature, verify
from deskready.hub.alerts.webhook import WebhookRefused, check_url, remove_webhook, set_webhook
from deskready.hub.config import ConfigError, parse_config, render_config
from deskready.hub.db import make_engine, session_factory
from deskready.hub.db import now as utc_now
from deskready.hub.models import AlertAttempt, AlertDelivery, AlertEvent, AuditEntry
from tests.hub.alerts_helpers import drain, fast, receiver, sqlite_env, submit, verify_signature
from tests.hub.api_helpers import make_hub
from tests.hub.conftest import HubEnv

SECRET = "s3cret-for-the-test-receiver"
__all__ = ["sqlite_env"]  # a fixture, used by name


def _set_hook(env: HubEnv, url: str) -> None:
    with env.sessions() as db:
        set_webhook(db, url, actor="admin@hub.example", secret=SECRET)
        db.commit()


def _kinds(env: HubEnv) -> list[str]:
    with env.sessions() as db:
        return list(db.scalars(select(AlertEvent.kind).order_by(AlertEvent.id)))


def test_not_ready_is_signed_retried_after_a_500_and_delivered_once(hub_db: HubEnv) -> None:
    hub = make_hub(hub_db)
    config = fast(hub_db.config)
    with receiver(SECRET, script=[500]) as hook:
        _set_hook(hub_db, hook.url)
        submit(hub)  # ready: no event
        assert _kinds(hub_db) == []
        first = submit(hub, down=5.0)  # ready → not ready
        submit(hub, down=6.0)  # still not ready: no second event
        assert _kinds(hub_db) == [events.NOT_READY]
        dispatcher = Dispatcher(config, hub_db.sessions)
        drain(dispatcher)
        for _round in range(5):  # delivered: nothing more is sent
            dispatcher.tick()

        assert [r.answered for r in hook.got] == [500, 200]
        assert all(r.signed for r in hook.got)
        assert hook.got[0].body == hook.got[1].body  # the same bytes at every attempt
        ids = {r.headers["X-Deskready-Delivery"] for r in hook.got}
        assert len(ids) == 1
        assert {r.headers["X-Deskready-Event"] for r in hook.got} == {events.NOT_READY}
        payload = json.loads(hook.got[1].body)
        assert payload["type"] == events.NOT_READY
        assert payload["agent"] == {"id": "AG-7", "team": ""}
        assert payload["report"]["id"] == first["report_id"]
        assert payload["report"]["verdict"] == "not_ready"
        assert payload["report"]["verify_url"] == first["verify_url"]
        assert payload["previous_verdict"] == "ready"
        assert payload["hub"] == {"name": "Test hub", "url": "https://hub.example"}

    with hub_db.sessions() as db:
        delivery = db.scalars(select(AlertDelivery)).one()
        assert (delivery.status, delivery.attempts) == (DELIVERED, 2)
        assert delivery.claimed_by is None
        log = list(db.scalars(select(AlertAttempt).order_by(AlertAttempt.id)))
        assert [(a.attempt, a.status_code, a.event) for a in log] == [
            (1, 500, events.NOT_READY),
            (2, 200, events.NOT_READY),
        ]
        assert all(a.target == hook.url and a.channel == "webhook" for a in log)


def test_a_first_report_not_ready_and_a_disputed_one_are_events(hub_db: HubEnv) -> None:
    hub = make_hub(hub_db)
    submit(hub, agent_id="AG-1", down=5.0)  # the agent's first report: not ready
    hub.observed.update({"network.download_mbps": 12.0})
    disputed = submit(hub, agent_id="AG-2")  # claims 48, the hub saw 12: disputed
    assert disputed["disputed"] == ["network.download_mbps"]
    with hub_db.sessions() as db:
        rows = list(db.scalars(select(AlertEvent).order_by(AlertEvent.id)))
    assert [(e.kind, e.agent_id) for e in rows] == [
        (events.NOT_READY, "AG-1"),
        (events.NOT_READY, "AG-2"),  # judged again on 12 < 20: not ready
        (events.DISPUTED, "AG-2"),
    ]
    assert rows[0].payload["previous_verdict"] is None
    assert rows[2].payload["report"]["disputed"] == ["network.download_mbps"]


def test_a_receiver_that_keeps_failing_is_given_up_after_max_attempts(sqlite_env: HubEnv) -> None:
    hub = make_hub(sqlite_env)
    with receiver(SECRET, script=[500, 503, 500, 200]) as hook:
        _set_hook(sqlite_env, hook.url)
        submit(hub, down=5.0)
        dispatcher = Dispatcher(fast(sqlite_env.config, max_attempts=3), sqlite_env.sessions)
        drain(dispatcher)
        for _round in range(5):
            dispatcher.tick()
        assert [r.answered for r in hook.got] == [500, 503, 500]
    with sqlite_env.sessions() as db:
        delivery = db.scalars(select(AlertDelivery)).one()
        assert (delivery.status, delivery.attempts) == (FAILED, 3)
        assert len(list(db.scalars(select(AlertAttempt)))) == 3


def test_an_unreachable_receiver_is_logged_with_its_error(sqlite_env: HubEnv) -> None:
    hub = make_hub(sqlite_env)
    with receiver(SECRET) as hook:
        closed = hook.url  # the server stops when the block ends: nothing listens there
    _set_hook(sqlite_env, closed)
    submit(hub, down=5.0)
    dispatcher = Dispatcher(fast(sqlite_env.config, max_attempts=2), sqlite_env.sessions)
    drain(dispatcher)
    with sqlite_env.sessions() as db:
        log = list(db.scalars(select(AlertAttempt).order_by(AlertAttempt.id)))
    assert [a.status_code for a in log] == [None, None]
    assert all("Connection refused" in a.error or "ConnectionRefused" in a.error for a in log)


def test_backoff_doubles_from_the_base() -> None:
    assert [backoff(n, 1.0).total_seconds() for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 16]
    assert backoff(3, 0.01) == timedelta(milliseconds=40)


def test_deliveries_survive_a_restart_and_a_lapsed_claim(hub_db: HubEnv) -> None:
    hub = make_hub(hub_db)
    with receiver(SECRET) as hook:
        _set_hook(hub_db, hook.url)
        submit(hub, down=5.0)
        config = fast(hub_db.config)
        crashed = Dispatcher(config, hub_db.sessions)
        crashed.fan_out()
        assert len(crashed.claim()) == 1  # claimed, then the process "dies" before sending
        hub_db.engine.dispose()

        engine = make_engine(hub_db.url)  # the hub starts again
        try:
            sessions = session_factory(engine)
            restarted = Dispatcher(config, sessions)
            assert restarted.tick() == 0  # the dead process's claim still holds
            later = utc_now() + timedelta(seconds=crashed.lease_s + 1)
            restarted.clock = lambda: later
            assert restarted.tick() == 1  # … until it lapses
        finally:
            engine.dispose()
        assert len(hook.got) == 1
        assert hook.got[0].signed


def test_two_dispatchers_send_each_delivery_once(hub_db: HubEnv) -> None:
    """Two hub processes on one database: every delivery reaches the receiver exactly once."""
    count = 40
    with receiver(SECRET) as hook:
        _set_hook(hub_db, hook.url)
        with hub_db.sessions() as db:
            for n in range(count):
                events.record(
                    db,
                    kind=events.NOT_READY,
                    key=f"test:{n}",
                    agent_id=f"AG-{n}",
                    payload={"agent": {"id": f"AG-{n}", "team": ""}},
                    at=utc_now(),
                )
            db.commit()
        config = fast(hub_db.config)
        engines = [make_engine(hub_db.url) for _ in range(2)]
        try:
            pair = [Dispatcher(config, session_factory(e)) for e in engines]
            errors: list[BaseException] = []

            def work(dispatcher: Dispatcher) -> None:
                try:
                    for _round in range(20):
                        dispatcher.tick()
                except BaseException as exc:  # reported below, not lost in the thread
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(d,)) for d in pair]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not errors, errors
            drain(*pair)
        finally:
            for engine in engines:
                engine.dispose()
        ids = [r.headers["X-Deskready-Delivery"] for r in hook.got]
        assert len(ids) == count
        assert len(set(ids)) == count
    with hub_db.sessions() as db:
        assert {d.status for d in db.scalars(select(AlertDelivery))} == {DELIVERED}
        assert len(list(db.scalars(select(AlertAttempt)))) == count


def test_webhook_changes_are_audited_and_urls_checked(sqlite_env: HubEnv) -> None:
    assert check_url("https://alerts.acme.example/deskready") is None
    assert check_url("http://127.0.0.1:9/hook") is None
    assert "https" in (check_url("http://alerts.acme.example/") or "")
    assert check_url("https://user:pw@alerts.acme.example/") is not None
    assert check_url("ftp://alerts.acme.example/") is not None
    with sqlite_env.sessions() as db:
        with pytest.raises(WebhookRefused):
            set_webhook(db, "http://alerts.acme.example/", actor="a@hub.example")
        with pytest.raises(WebhookRefused, match="16"):
            set_webhook(db, "https://alerts.acme.example/", actor="a@hub.example", secret="short")
        _row, secret = set_webhook(db, "https://alerts.acme.example/", actor="a@hub.example")
        assert len(secret) >= 40
        assert remove_webhook(db, actor="b@hub.example") is True
        assert remove_webhook(db, actor="b@hub.example") is False
        db.commit()
        trail = [
            (e.actor, e.action, e.target)
            for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))
            if e.action.startswith("webhook.")
        ]
        entries = [e.detail for e in db.scalars(select(AuditEntry)) if e.action == "webhook.set"]
    assert trail == [
        ("a@hub.example", "webhook.set", "https://alerts.acme.example/"),
        ("b@hub.example", "webhook.remove", "https://alerts.acme.example/"),
    ]
    assert secret not in json.dumps(entries)  # the secret is never in the audit log


def test_signature_covers_timestamp_and_body() -> None:
    body = b'{"type":"agent.overdue"}'
    signed = signature(SECRET, 1_800_000_000, body)
    assert signed.startswith("sha256=")
    assert len(signed) == 7 + 64
    assert verify(SECRET, "1800000000", signed, body, now=1_800_000_100)
    assert not verify(SECRET, "1800000000", signed, body + b" ", now=1_800_000_100)
    assert not verify(SECRET, "1800000001", signed, body, now=1_800_000_100)
    assert not verify("another secret", "1800000000", signed, body, now=1_800_000_100)
    assert not verify(SECRET, "1800000000", signed, body, now=1_800_000_000 + 301)  # a replay
    assert not verify(SECRET, None, signed, body)
    assert not verify(SECRET, "\u00b2", signed, body)  # "²".isdigit(), but not a number
    assert not verify_signature(
        SECRET, {"X-Deskready-Timestamp": "\u00b2", "X-Deskready-Signature": signed}, body
    )


def test_alert_settings_are_checked_key_by_key(tmp_path: Path) -> None:
    raw = {
        "hub": {"database_url": "sqlite:////tmp/x.db"},
        "alerts": {"backoff_base_s": 0, "max_attempts": 50, "email_to": "it@acme.example, x"},
        "smtp": {"port": 0, "password": "p"},
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, tmp_path, "config.toml")
    assert caught.value.problems == [
        "[alerts] max_attempts: must be between 1 and 20",
        "[smtp] port: must be between 1 and 65535",
        "[alerts] backoff_base_s: must be between 0.001 and 3600.0 seconds",
        "[alerts] email_to: 'x' is not an e-mail address",
        "[alerts] email_to: needs an SMTP relay: set [smtp] host",
        "[smtp] password: is given without a user",
    ]
    good = parse_config(
        {
            "hub": {"database_url": "sqlite:////tmp/x.db"},
            "alerts": {"email_to": "it@acme.example", "backoff_base_s": 0.01},
            "smtp": {"host": "relay.acme.example", "sender": "hub@acme.example"},
        },
        tmp_path,
        "config.toml",
    )
    assert good.alerts.backoff_base_s == 0.01
    assert (good.smtp.port, good.smtp.starttls) == (587, True)
    assert "[smtp]" in render_config(good)
