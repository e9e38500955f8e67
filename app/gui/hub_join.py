"""The employer's hub in the window: join with a code, submit after a run, the outbox.

The agent types (or pastes) the code or link from the employer into the *Employer code*
field. :class:`HubLink` joins the hub in a worker (:func:`deskready.gui.worker.run_task`;
the GUI thread never waits on the network), plans the session with the hub's spec exactly
as ``deskready check --invite`` does (:mod:`deskready.hubclient.run`), and after a
complete run submits the sealed report in a worker. The hub's attestation and
verification link go into the report the window saves; when the hub cannot be reached
the report waits in the outbox, and the window sends it on its next start
(:class:`deskready.gui.startup.LoadAfterPaint`).

``deskready.hubclient`` is imported in the workers only: the window paints before
cryptography and the spec modules load.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Signal

from deskready.checks.i18n import _, ngettext
from deskready.gui.worker import run_task

if TYPE_CHECKING:
    from deskready.hubclient.join import Joined
    from deskready.hubclient.outbox import Outcome
    from deskready.hubclient.submit import Delivery
    from deskready.registry import CheckRegistry
    from deskready.session import Session

log = logging.getLogger(__name__)

Report = dict[str, Any]
#: QSettings key: the hub joined last, for a code typed without its link.
LAST_HUB = "hub/last"


class HubProblem(Exception):
    """Joining or planning failed; ``str()`` is one line for the agent."""


@dataclass(frozen=True)
class HubPlan:
    """A joined hub and the session planned with its spec."""

    joined: Joined
    session: Session


@dataclass(frozen=True)
class Sent:
    """What became of a submission: the delivery, and the report as it is to be saved
    (with the hub's attestation and verification link when it was signed)."""

    delivery: Delivery
    report: Report


def invite_text(text: str) -> str:
    """The field's text as an invite: a link pasted without ``https://`` gets it."""
    raw = "".join(text.split())
    if "://" not in raw and "/join/" in raw:
        return "https://" + raw
    return raw


def plan_join(text: str, registry: CheckRegistry, last_hub: str | None = None) -> HubPlan:
    """Worker: join the hub named by the link (or ``last_hub`` for a bare code) and plan
    the session with its spec, network checks pointed at the hub.

    Raises:
        HubProblem: not a code, no hub to send a bare code to, or any join problem.
    """
    from deskready.hubclient.join import JoinError, join, parse_invite
    from deskready.hubclient.run import hub_spec
    from deskready.session import PlanError, Session
    from deskready.spec import SpecError

    invite = invite_text(text)
    try:
        parsed = parse_invite(invite)
        if parsed.hub is None and not last_hub:
            raise HubProblem(
                _(
                    "Paste the whole link your employer sent (https://…/join/CODE): the code "
                    "alone does not say which hub it is for."
                )
            )
        joined = join(None if parsed.hub else last_hub, invite, registry)
    except JoinError as exc:
        raise HubProblem(str(exc)) from None
    try:
        session = Session.planned(hub_spec(joined, registry), registry)
    except (SpecError, PlanError) as exc:
        raise HubProblem(str(exc)) from None
    if not session.checks:
        raise HubProblem(_("Nothing to check: the spec has no rules for the selected checks."))
    return HubPlan(joined, session)


def submit_report(report: Report) -> Sent:
    """Worker: send the sealed report; it waits in the outbox if the hub cannot be reached.

    The report on screen is not touched: the attestation goes into a copy.
    """
    from deskready.hubclient import outbox
    from deskready.hubclient.run import deliver_report

    copy = dict(report)
    delivery = deliver_report(copy, None, None, "auto")
    if delivery.sent is not None:
        # An earlier run of this session that waited (a re-run after the hub was down) is
        # superseded: the hub has the session's report now and would refuse it as a replay.
        session = str((report.get("hub") or {}).get("session") or "")
        for entry in outbox.pending():
            if entry.session == session:
                entry.path.unlink(missing_ok=True)
    return Sent(delivery, copy)


def write_report_file(kind: str, path: Path, report: Report, paper: str) -> None:
    """The outbox's writer for the GUI: a JSON or PDF file of the run gets the
    attestation (the PDF is rendered again, with the verification link and its code)."""
    if kind == "json":
        from deskready.report.files import write_report_json

        write_report_json(path, report)
    elif kind == "pdf":
        from deskready.pdf.render import render_pdf

        render_pdf(report, path, page_size=paper)


def note_saved_file(report: Mapping[str, Any], kind: str, path: Path) -> None:
    """Worker, after saving: a report waiting in the outbox remembers the file, so the
    attestation is added to it when the report is sent (on the window's next start)."""
    if not isinstance(report.get("hub"), Mapping) or report.get("attestation") is not None:
        return
    from deskready.hubclient import outbox

    digest = _digest(report)
    for entry in outbox.pending():
        if _digest(entry.report) == digest and digest:
            files = {**entry.files, kind: str(path)}
            outbox.save(entry.report, files=files, paper=entry.paper, folder=entry.path.parent)
            return


def _digest(report: Mapping[str, Any]) -> str:
    integrity = report.get("integrity")
    return str(integrity.get("digest") or "") if isinstance(integrity, Mapping) else ""


def delivery_message(sent: Sent) -> tuple[str, str]:
    """(text, kind) for the message bar after a submission."""
    from deskready.hubclient.render import disputed_lines

    delivery = sent.delivery
    if delivery.sent is not None:
        lines = [_("Sent to your employer and signed.")]
        if delivery.sent.verify_url:
            lines.append(_("Verification link: {url}").format(url=delivery.sent.verify_url))
        lines += [line.plain.strip() for line in disputed_lines(delivery.sent.response)]
        return "\n".join(lines), "pass"
    if delivery.queued is not None:
        return (
            _("Not sent yet — it waits and is sent when the hub can be reached.")
            + "\n"
            + delivery.problem,
            "warn",
        )
    return (
        _("The employer's hub did not accept the report: {problem}").format(
            problem=delivery.problem
        ),
        "fail",
    )


def outbox_message(outcomes: Any, error: BaseException | None) -> tuple[str, str] | None:
    """(text, kind) for the message bar after the outbox was sent at start; None when
    nothing was waiting."""
    if error is not None:
        return (
            _("Reports waiting for your employer's hub could not be sent: {reason}").format(
                reason=error
            ),
            "warn",
        )
    done: Sequence[Outcome] = outcomes or []
    if not done:
        return None
    sent = [o for o in done if o.sent is not None]
    waiting = [o for o in done if o.sent is None and not o.refused]
    refused = [o for o in done if o.refused]
    lines = []
    if sent:
        lines.append(
            ngettext(
                "A report that waited was sent to your employer and signed.",
                "{count} reports that waited were sent to your employer and signed.",
                len(sent),
            ).format(count=len(sent))
        )
        lines += [problem for o in sent for problem in o.file_problems]
    if waiting:
        lines.append(
            ngettext(
                "A report still waits for your employer's hub; it is sent when the hub can "
                "be reached.",
                "{count} reports still wait for your employer's hub; they are sent when the "
                "hub can be reached.",
                len(waiting),
            ).format(count=len(waiting))
        )
    for outcome in refused:
        lines.append(
            _("The employer's hub did not accept the report: {problem}").format(
                problem=outcome.problem
            )
        )
    kind = "pass" if sent and not waiting and not refused else "warn"
    return "\n".join(lines), kind


class HubLink(QObject):
    """The window's employer hub: the joined session, what was sent, what waits."""

    #: joining finished: (HubPlan, None) or (None, the one-line problem)
    join_done = Signal(object, object)
    #: a submission finished (a :class:`Sent`)
    sent = Signal(object)
    #: joining or submitting started or ended: the window's buttons may change
    changed = Signal()

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        #: the hub joined (None: the window checks against a profile)
        self.joined: Joined | None = None
        #: the report that went to the hub, or waits for it: the one the window saves
        self.final: Report | None = None
        #: the hub signed the report: the session's nonce is used, no further run goes to it
        self.signed = False
        self.joining = False
        self.submitting = False

    @property
    def busy(self) -> bool:
        return self.joining or self.submitting

    def join(self, text: str, registry: CheckRegistry) -> bool:
        """Join in a worker; :attr:`join_done` tells how it went. False if busy."""
        if self.busy:
            return False
        self.joining = True
        self.changed.emit()
        last = str(self.settings.value(LAST_HUB, "") or "") or None

        def done(plan: Any, error: BaseException | None) -> None:
            self.joining = False
            if error is not None:
                words = str(error) if isinstance(error, HubProblem) else repr(error)
                if not isinstance(error, HubProblem):
                    log.error("joining the hub failed", exc_info=error)
                self.changed.emit()
                self.join_done.emit(None, words)
                return
            self.joined = plan.joined
            self.final = None
            self.signed = False
            self.settings.setValue(LAST_HUB, plan.joined.hub)
            self.changed.emit()
            self.join_done.emit(plan, None)

        run_task(lambda: plan_join(text, registry, last), done)
        return True

    def leave(self) -> None:
        """Back to profiles (a report already sent or waiting is not affected)."""
        self.joined = None
        self.final = None
        self.signed = False
        self.changed.emit()

    def bind(self, session: Session, agent_name: str | None) -> None:
        """Bind the session to the hub's before a run: the invite's agent id, the name typed."""
        from deskready.hubclient.run import bind

        if self.joined is not None:
            bind(session, self.joined, agent_name)

    def submit(self, report: Report) -> bool:
        """Send the sealed report in a worker; :attr:`sent` tells how it went."""
        if self.joined is None or self.submitting:
            return False
        self.submitting = True
        self.changed.emit()

        def done(result: Any, error: BaseException | None) -> None:
            self.submitting = False
            if error is not None:  # deliver words every hub problem; this is a bug
                log.error("submitting the report failed", exc_info=error)
                from deskready.hubclient.submit import Delivery

                result = Sent(Delivery(problem=str(error) or type(error).__name__), report)
            if result.delivery.sent is not None:
                self.signed = True
            if not result.delivery.refused:
                self.final = result.report
            self.changed.emit()
            self.sent.emit(result)

        run_task(lambda: submit_report(report), done)
        return True

    def take_over(self, old: HubLink) -> None:
        """The rebuilt window (a language switch) keeps the hub, and what was sent."""
        self.joined, self.final, self.signed = old.joined, old.final, old.signed


__all__ = [
    "HubLink",
    "HubPlan",
    "HubProblem",
    "Sent",
    "delivery_message",
    "invite_text",
    "note_saved_file",
    "outbox_message",
    "plan_join",
    "submit_report",
    "write_report_file",
]
