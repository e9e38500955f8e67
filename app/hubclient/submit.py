"""Sending a sealed report to the employer's hub (docs/hub-protocol.md §5).

:func:`submit` posts the report to ``/api/v1/sessions/<session>/report`` and returns the
hub's answer (the attestation, what it observed, what it disputed). :func:`deliver` is what
a run does: submit, and when the hub cannot be reached (no connection, timeout, 5xx) put
the report in the outbox (:mod:`deskready.hubclient.outbox`) so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from deskready.checks.i18n import _
from deskready.hubclient.join import API
from deskready.hubclient.transport import HubError, post_json

#: The most the hub's answer to a submission may hold (an envelope and a few figures).
ANSWER_LIMIT = 256 * 1024


class NotAHubReport(ValueError):
    """The report has no ``hub`` binding to submit it with."""


@dataclass(frozen=True)
class Submitted:
    """The hub took the report: 201 (new) or 200 (it already had it)."""

    status: int
    response: dict[str, Any]

    @property
    def attestation(self) -> dict[str, Any]:
        value = self.response.get("attestation")
        return value if isinstance(value, dict) else {}

    @property
    def disputed(self) -> list[str]:
        value = self.response.get("disputed")
        return [str(v) for v in value] if isinstance(value, list) else []

    @property
    def verify_url(self) -> str:
        return str(self.response.get("verify_url") or "")


def binding(report: Mapping[str, Any]) -> tuple[str, str]:
    """The hub URL and session a report was measured with.

    Raises:
        NotAHubReport: no ``hub`` member, or one without url and session.
    """
    hub = report.get("hub")
    if not isinstance(hub, Mapping):
        raise NotAHubReport(_("the report was not measured with an employer's hub"))
    url, session = hub.get("url"), hub.get("session")
    if not isinstance(url, str) or not isinstance(session, str) or not url or not session:
        raise NotAHubReport(_("the report's hub binding has no address or session"))
    return url.rstrip("/"), session


def submit(report: Mapping[str, Any]) -> Submitted:
    """POST the sealed report; the hub's answer.

    Raises:
        NotAHubReport: nothing says where to send it.
        HubError: the hub refused it (4xx, ``retry`` False) or could not be reached
            (``retry`` True: keep it for later).
    """
    url, session = binding(report)
    status, answer = post_json(
        f"{url}{API}/sessions/{quote(session, safe='')}/report", dict(report), limit=ANSWER_LIMIT
    )
    if not isinstance(answer.get("attestation"), dict):
        raise HubError(
            _("The employer's hub at {hub} took the report but sent no signature.").format(hub=url),
            status=status,
            retry=True,
        )
    return Submitted(status, answer)


@dataclass(frozen=True)
class Delivery:
    """What became of a report after a run: sent, waiting in the outbox, or refused."""

    sent: Submitted | None = None
    queued: Path | None = None
    problem: str = ""

    @property
    def refused(self) -> bool:
        return self.sent is None and self.queued is None


def deliver(
    report: dict[str, Any],
    *,
    files: Mapping[str, str] | None = None,
    paper: str = "auto",
) -> Delivery:
    """Submit ``report``; on success put the attestation into it (outside the seal).

    When the hub cannot be reached the report waits in the outbox with the ``files`` it
    was written to, so ``deskready submit`` can add the attestation to them later. A
    refusal (4xx) is returned with its words, the report left as it is.
    """
    from deskready.hubclient import outbox

    try:
        sent = submit(report)
    except HubError as exc:
        if not exc.retry:
            return Delivery(problem=str(exc))
        try:
            where = outbox.save(report, files=files, paper=paper)
        except OSError as write_error:
            return Delivery(
                problem=str(exc)
                + " "
                + _("It could not be kept for later either: {reason}").format(
                    reason=write_error.strerror or write_error
                )
            )
        return Delivery(queued=where, problem=str(exc))
    report["attestation"] = sent.attestation
    if sent.verify_url:
        report["verify_url"] = sent.verify_url
    return Delivery(sent=sent)
