"""E-mail alerts through the employer's SMTP relay (stdlib ``smtplib``).

One message per event to every address in ``[alerts] email_to``. The whole conversation is
bounded by ``[alerts] timeout_s`` (``smtplib.SMTP(timeout=…)`` applies it to each socket
operation only, so :func:`deskready.hub.alerts.deadline.cut_off_after` ends a relay that
drips its replies); STARTTLS (RFC 3207) with the system's CA store comes before any login, so a
password never crosses the network in clear when ``starttls = true``; with ``starttls =
false`` a password is only sent to a relay on a loopback address. Agent ids and teams
are data in a ``text/plain`` body; the subject is built from fixed words and the agent id,
and ``email.message`` folds and encodes headers, so no text can add a header.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from deskready.checks.i18n import _
from deskready.hub.alerts import events
from deskready.hub.alerts.deadline import cut_off_after, timed_out
from deskready.hub.config import Smtp, _is_loopback


def subject(kind: str, payload: Mapping[str, Any]) -> str:
    """The subject line of an event's e-mail."""
    agent = str(payload.get("agent", {}).get("id", "?"))
    if kind == events.NOT_READY:
        return _("deskready: agent {agent} is not ready").format(agent=agent)
    if kind == events.DISPUTED:
        return _("deskready: a report of agent {agent} was disputed").format(agent=agent)
    if kind == events.OVERDUE:
        return _("deskready: agent {agent} is overdue for a check").format(agent=agent)
    return _("deskready: {event}").format(event=kind)


def text(kind: str, payload: Mapping[str, Any], hub_name: str) -> str:
    """The plain-text body: what happened, and where to look."""
    agent = payload.get("agent", {})
    report = payload.get("report", {})
    at = str(report.get("received_at", "?"))
    lines = [subject(kind, payload), ""]
    if kind == events.NOT_READY:
        lines.append(
            _(
                "Their latest report (received {at}) says the home office does not meet the spec."
            ).format(at=at)
        )
    elif kind == events.DISPUTED:
        lines.append(
            _("The hub measured worse than the report claims for: {metrics}.").format(
                metrics=", ".join(str(m) for m in report.get("disputed", []))
            )
        )
    elif kind == events.OVERDUE:
        lines.append(
            _("Their latest report was received {at}; a new check was due {due}.").format(
                at=at, due=payload.get("overdue", {}).get("due_at", "?")
            )
        )
    lines += [
        "",
        _("Agent: {agent}").format(agent=agent.get("id", "?")),
        _("Team: {team}").format(team=agent.get("team") or "-"),
        _("Verdict: {verdict}").format(verdict=report.get("verdict", "?")),
        _("Report: {url}").format(url=report.get("verify_url", "")),
        "",
        _("Sent by {hub}.").format(hub=hub_name),
    ]
    return "\n".join(lines)


def message(
    smtp: Smtp, recipients: list[str], kind: str, payload: Mapping[str, Any], hub_name: str
) -> EmailMessage:
    """The e-mail for one event."""
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = ", ".join(recipients)
    mail["Subject"] = subject(kind, payload)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    mail.set_content(text(kind, payload, hub_name))
    return mail


def send(smtp: Smtp, mail: EmailMessage, timeout_s: float) -> None:
    """Hand ``mail`` to the relay, the whole conversation within ``timeout_s``.

    Raises:
        smtplib.SMTPException, OSError: the relay refused it, could not be reached, or did
            not finish in time (``TimeoutError``).
    """
    if smtp.user and not smtp.starttls and not _is_loopback(smtp.host):
        # smtplib would send AUTH PLAIN/LOGIN over the bare connection: the password in clear
        raise smtplib.SMTPException(
            _(
                "the SMTP password is not sent in clear: set [smtp] starttls = true, "
                "or use a relay on a loopback address"
            )
        )
    relay = smtplib.SMTP(timeout=timeout_s)
    with cut_off_after(timeout_s, lambda: relay.sock) as cutoff:
        try:
            relay.connect(smtp.host, smtp.port)
            relay.ehlo()
            if smtp.starttls:
                relay.starttls(context=ssl.create_default_context())
                relay.ehlo()
            if smtp.user:
                relay.login(smtp.user, smtp.password)
            relay.send_message(mail)
        except (smtplib.SMTPException, OSError):
            if cutoff.fired:
                raise TimeoutError(timed_out(timeout_s)) from None
            raise
        else:
            # the relay has taken the message: a failed goodbye does not undo that
            with contextlib.suppress(smtplib.SMTPException, OSError):
                relay.quit()
        finally:
            relay.close()
