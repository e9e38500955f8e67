"""Alerts never hang on a receiver or relay that answers slowly, and never loop on a
delivery that cannot be sent: a webhook receiver and an SMTP relay on 127.0.0.1 that drip
one byte at a time are cut off at ``timeout_s`` for the whole conversation; a send that
raises is a counted, logged attempt."""

from __future__ import annotations

import contextlib
import math
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from deskready.hub.alerts.mail import message, send
from deskready.hub.alerts.outbox import BATCH, FAILED, SENDERS, Dispatcher
from deskready.hub.alerts.webhook import check_url, post, set_webhook
from deskready.hub.config import Smtp
from deskready.hub.db import now as utc_now
from deskready.hub.models import AlertAttempt, AlertDelivery
from tests.hub.alerts_helpers import fast, sqlite_env, submit
from tests.hub.api_helpers import make_hub
from tests.hub.conftest import HubEnv

__all__ = ["sqlite_env"]  # a fixture, used by name
#: each byte comes well inside the per-operation timeout, so only a whole deadline ends it
DRIP_S = 0.1
TIMEOUT_S = 1.0


@contextlib.contextmanager
def dripping_server(greeting: bytes) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that sends ``greeting`` one byte per DRIP_S, then the same
    again, for up to 30 s; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    stop = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _address = listener.accept()
            with conn:
                conn.settimeout(0.01)
                end = time.monotonic() + 30
                while not stop.is_set() and time.monotonic() < end:
                    for byte in greeting:
                        with contextlib.suppress(TimeoutError):
                            conn.recv(65536)  # take whatever the client sends
                        conn.sendall(bytes([byte]))
                        if stop.wait(DRIP_S):
                            return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


def test_a_webhook_receiver_that_drips_is_cut_off_at_the_timeout() -> None:
    with dripping_server(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000) as port:
        started = time.monotonic()
        answer = post(f"http://127.0.0.1:{port}/hook", b"{}", {}, TIMEOUT_S)
        took = time.monotonic() - started
    assert answer.status is None
    assert "within 1 s" in answer.error
    assert took < TIMEOUT_S + 1.5


def test_an_smtp_relay_that_drips_is_cut_off_at_the_timeout() -> None:
    with dripping_server(b"220-" + b"x" * 10_000) as port:
        smtp = Smtp(host="127.0.0.1", port=port, sender="hub@acme.example")
        mail = message(smtp, ["it@acme.example"], "agent.overdue", {}, "hub")
        started = time.monotonic()
        with pytest.raises(TimeoutError, match="within 1 s"):
            send(smtp, mail, TIMEOUT_S)
        took = time.monotonic() - started
    assert took < TIMEOUT_S + 1.5
    assert issubclass(TimeoutError, OSError)  # what the outbox records as a failed attempt
    assert not issubclass(TimeoutError, smtplib.SMTPResponseException)


def test_a_url_http_client_cannot_send_is_refused_and_never_raises() -> None:
    assert check_url("https://alerts.example/é") is not None
    assert check_url("https://alerts.example/%C3%A9") is None
    answer = post("http://127.0.0.1:9/é", b"{}", {}, TIMEOUT_S)
    assert answer.status is None
    assert "UnicodeEncodeError" in answer.error


def test_a_send_that_raises_is_a_counted_attempt_not_an_endless_retry(
    sqlite_env: HubEnv,
) -> None:
    hub = make_hub(sqlite_env)
    with sqlite_env.sessions() as db:
        set_webhook(db, "https://alerts.example/hook", actor="a@hub.example", secret="s" * 20)
        db.commit()
    submit(hub, down=5.0)

    def broken_post(*_args: object) -> object:
        raise RuntimeError("a bug in sending")

    config = fast(sqlite_env.config, max_attempts=2)
    dispatcher = Dispatcher(config, sqlite_env.sessions, post=broken_post)  # type: ignore[arg-type]
    for _round in range(200):
        dispatcher.tick()
        with sqlite_env.sessions() as db:
            delivery = db.scalars(select(AlertDelivery)).one()
        if delivery.status == FAILED:
            break
        time.sleep(0.01)
    assert (delivery.status, delivery.attempts) == (FAILED, 2)
    with sqlite_env.sessions() as db:
        errors = [a.error for a in db.scalars(select(AlertAttempt))]
    assert errors == ["RuntimeError: a bug in sending"] * 2


def test_a_claim_outlasts_the_slowest_round_of_its_batch(sqlite_env: HubEnv) -> None:
    """A second hub process does not reclaim deliveries the first has claimed but not
    reached yet, even when every send of the batch runs into the timeout."""
    hub = make_hub(sqlite_env)
    with sqlite_env.sessions() as db:
        set_webhook(db, "https://alerts.example/hook", actor="a@hub.example", secret="s" * 20)
        db.commit()
    submit(hub, down=5.0)
    config = fast(sqlite_env.config, timeout_s=10.0)
    moment = [utc_now()]
    first = Dispatcher(config, sqlite_env.sessions, clock=lambda: moment[0])
    second = Dispatcher(config, sqlite_env.sessions, clock=lambda: moment[0])
    first.fan_out()
    assert len(first.claim()) == 1
    rounds = math.ceil(BATCH / SENDERS)  # sends before the last of a batch is reached
    moment[0] += timedelta(seconds=rounds * config.alerts.timeout_s)
    assert second.claim() == []
    moment[0] += timedelta(seconds=first.lease_s)  # the first process died: it lapses
    assert len(second.claim()) == 1


def test_an_smtp_password_is_never_sent_in_clear_to_a_remote_relay() -> None:
    """``starttls = false`` with a user: refused before connecting (nothing listens on the
    TEST-NET address, so a connection attempt would show as a timeout, not this error)."""
    remote = Smtp(host="192.0.2.1", port=25, starttls=False, user="hub", password="pw",
                  sender="hub@acme.example")  # fmt: skip
    mail = message(remote, ["it@acme.example"], "agent.overdue", {}, "hub")
    started = time.monotonic()
    with pytest.raises(smtplib.SMTPException, match="not sent in clear"):
        send(remote, mail, TIMEOUT_S)
    assert time.monotonic() - started < 0.5
