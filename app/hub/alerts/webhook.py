"""The hub's webhook: its setting (one per hub, in the database) and one signed POST.

The setting is a row, not a line of config.toml, so ``deskready hub webhook set`` reaches
every running hub process and its ``audit_log`` entry is written in the same transaction
(never the secret: only the URL). The POST is stdlib ``http.client``: no redirects are
followed (a redirect is an answer, recorded as its status), the whole exchange is bounded
by one deadline (:func:`deskready.hub.alerts.deadline.cut_off_after`: the library's own
timeout is per socket operation), and at most :data:`MAX_ANSWER_BYTES` of the answer are
read.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskready.checks.i18n import _
from deskready.hub.admin import AdminError, audit
from deskready.hub.alerts.deadline import cut_off_after, timed_out
from deskready.hub.alerts.signing import new_secret
from deskready.hub.config import _is_loopback
from deskready.hub.db import now as utc_now
from deskready.hub.models import WebhookSetting

#: the longest webhook URL the hub stores
MAX_URL_CHARS = 2000
#: bytes of a receiver's answer the hub reads (it only needs the status)
MAX_ANSWER_BYTES = 64 * 1024


class WebhookRefused(AdminError):
    """A webhook URL the hub does not take; the message says why."""


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be the webhook, or None.

    ``https://`` always, plain ``http://`` to a loopback address only (the same rule as the
    hub's own public URL: the payload names agents), no user or password in the URL, ASCII
    only (``http.client`` sends the path as ASCII; other characters are percent-encoded).
    Private, loopback and link-local hosts are allowed on purpose: employers run
    receivers on their own network, and only an admin with the hub's database sets the
    URL (docs/hub-alerts.md, "Which addresses").
    """
    if len(url) > MAX_URL_CHARS or any(c.isspace() for c in url):
        return _("not a URL")
    if not url.isascii():
        return _("write characters outside ASCII percent-encoded, such as %C3%A9 for é")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return _("not a URL")
    if parts.scheme not in ("https", "http") or not host:
        return _("must be an https:// address, such as https://alerts.example/deskready")
    if parts.username is not None or parts.password is not None:
        return _("must not hold a user name or password; the signature authenticates the hub")
    if parts.scheme == "http" and not _is_loopback(host):
        return _("plain http:// is only allowed to a loopback address; use https://")
    return None


def current(db: Session) -> WebhookSetting | None:
    """The hub's webhook, or None when none is set."""
    return db.scalar(select(WebhookSetting).order_by(WebhookSetting.id).limit(1))


def set_webhook(
    db: Session, url: str, *, actor: str, secret: str | None = None
) -> tuple[WebhookSetting, str]:
    """Make ``url`` the webhook (replacing any), with ``secret`` or a new one; audited.

    Returns:
        The row and the secret (shown once to the admin, who gives it to the receiver).

    Raises:
        WebhookRefused: the URL is not acceptable (:func:`check_url`) or the secret is too
            short to resist guessing (fewer than 16 characters).
    """
    why = check_url(url)
    if why is not None:
        raise WebhookRefused(why)
    if secret is not None and len(secret) < 16:
        raise WebhookRefused(_("the secret must be at least 16 characters"))
    chosen = secret if secret is not None else new_secret()
    row = current(db)
    if row is None:
        row = WebhookSetting(url=url, secret=chosen, updated_at=utc_now())
        db.add(row)
    else:
        row.url, row.secret, row.updated_at = url, chosen, utc_now()
    audit(db, actor, "webhook.set", url, {"url": url, "new_secret": secret is None})
    db.flush()
    return row, chosen


def remove_webhook(db: Session, *, actor: str) -> bool:
    """Remove the webhook (audited); False when none was set."""
    row = current(db)
    if row is None:
        return False
    audit(db, actor, "webhook.remove", row.url, {"url": row.url})
    db.delete(row)
    db.flush()
    return True


@dataclass(frozen=True)
class Answer:
    """What a delivery attempt got: the HTTP status, or None and why not."""

    status: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> Answer:
    """POST ``body`` to ``url`` once, all of it within ``timeout_s``; never raises for a
    network failure or a URL ``http.client`` cannot send."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            host, parts.port, timeout=timeout_s, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout_s)
    with cut_off_after(timeout_s, lambda: connection.sock) as cutoff:
        try:
            connection.request(
                "POST",
                path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "deskready-hub",
                    **headers,
                },
            )
            response = connection.getresponse()
            response.read(MAX_ANSWER_BYTES)
            if cutoff.fired:
                return Answer(None, timed_out(timeout_s))
            return Answer(response.status)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            if cutoff.fired:
                return Answer(None, timed_out(timeout_s))
            return Answer(None, (f"{type(exc).__name__}: {exc}")[:500])
        finally:
            connection.close()
