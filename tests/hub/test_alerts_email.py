"""E-mail alerts through a real SMTP server on 127.0.0.1 (aiosmtpd): the message, the
delivery log, a relay that refuses, and a relay without the STARTTLS the config asks for."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from sqlalchemy import select

from deskready.hub.alerts.outbox import DELIVERED, FAILED, Dispatcher
from deskready.hub.config import HubConfig, Smtp
from deskready.hub.models import AlertAttempt, AlertDelivery
from tests.hub.alerts_helpers import drain, fast, sqlite_env, submit
from tests.hub.api_helpers import make_hub
from tests.hub.conftest import HubEnv

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller", reason="the test extra")
__all__ = ["sqlite_env"]  # a fixture, used by name

TO = "it@acme.example, lead@acme.example"


@dataclass
class Inbox:
    """What the local SMTP server was handed; ``refuse`` answers every recipient so."""

    refuse: str = ""
    mails: list[tuple[str, list[str], Message]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content))
        )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def smtp_server(inbox: Inbox) -> Iterator[int]:
    """aiosmtpd on 127.0.0.1; yields its port."""
    port = _free_port()
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _mailing(config: HubConfig, port: int, *, starttls: bool = False, **alerts: Any) -> HubConfig:
    smtp = Smtp(host="127.0.0.1", port=port, starttls=starttls, sender="hub@acme.example")
    return replace(fast(config, email_to=TO, **alerts), smtp=smtp)


def _log(env: HubEnv) -> list[AlertAttempt]:
    with env.sessions() as db:
        return list(db.scalars(select(AlertAttempt).order_by(AlertAttempt.id)))


def test_an_alert_is_mailed_to_every_recipient(sqlite_env: HubEnv) -> None:
    hub = make_hub(sqlite_env)
    inbox = Inbox()
    with smtp_server(inbox) as port:
        sent = submit(hub, agent_id="AG-<b>7</b>", down=5.0)
        drain(Dispatcher(_mailing(sqlite_env.config, port), sqlite_env.sessions))
    assert len(inbox.mails) == 1
    sender, recipients, mail = inbox.mails[0]
    assert sender == "hub@acme.example"
    assert recipients == ["it@acme.example", "lead@acme.example"]
    assert mail["Subject"] == "deskready: agent AG-<b>7</b> is not ready"
    assert mail.get_content_type() == "text/plain"  # an agent id is text, never markup
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Agent: AG-<b>7</b>" in body
    assert sent["verify_url"] in body
    assert [(a.channel, a.status_code, a.error) for a in _log(sqlite_env)] == [("email", 250, "")]
    with sqlite_env.sessions() as db:
        assert db.scalars(select(AlertDelivery.status)).one() == DELIVERED


def test_a_refusing_relay_is_logged_and_given_up(sqlite_env: HubEnv) -> None:
    hub = make_hub(sqlite_env)
    inbox = Inbox(refuse="550 5.1.1 No such user")
    with smtp_server(inbox) as port:
        submit(hub, down=5.0)
        config = _mailing(sqlite_env.config, port, max_attempts=2)
        drain(Dispatcher(config, sqlite_env.sessions))
    assert inbox.mails == []
    log = _log(sqlite_env)
    assert [(a.attempt, a.status_code) for a in log] == [(1, 550), (2, 550)]
    assert "No such user" in log[0].error
    with sqlite_env.sessions() as db:
        assert db.scalars(select(AlertDelivery.status)).one() == FAILED


def test_starttls_asked_of_a_relay_without_it_sends_nothing(sqlite_env: HubEnv) -> None:
    """``starttls = true`` and a relay that does not offer it: no login or message goes out
    in clear; the attempt is logged as failed."""
    hub = make_hub(sqlite_env)
    inbox = Inbox()
    with smtp_server(inbox) as port:
        submit(hub, down=5.0)
        config = _mailing(sqlite_env.config, port, starttls=True, max_attempts=1)
        drain(Dispatcher(config, sqlite_env.sessions))
    assert inbox.mails == []
    (attempt,) = _log(sqlite_env)
    assert attempt.status_code is None
    assert "STARTTLS" in attempt.error
