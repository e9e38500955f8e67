"""The hub's part in ``deskready check --hub … --invite …`` and ``deskready submit``.

Kept out of ``deskready.cli.main`` so the command needs only a few lines there: join
before planning (:func:`join_for_run`), bind the session (:func:`bind`), record how many
STUN probes were sent (:func:`record_stun_sent`), deliver after the report is sealed
(:func:`deliver_lines`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text

from deskready.checks.i18n import _
from deskready.hubclient.join import Joined, JoinError, hub_settings, join
from deskready.hubclient.pins import Trust
from deskready.hubclient.render import disputed_lines
from deskready.hubclient.submit import Delivery, deliver

__all__ = [
    "JoinError",
    "bind",
    "deliver_report",
    "delivery_lines",
    "hub_spec",
    "join_for_run",
    "joined_lines",
    "record_stun_sent",
    "stun_sent",
    "submit_pending",
    "verify_lines",
]

if TYPE_CHECKING:
    from deskready.registry import CheckRegistry
    from deskready.session import RunOutcome, Session


def join_for_run(
    hub: str | None,
    invite: str | None,
    hub_keys: Sequence[str],
    registry: CheckRegistry,
    *,
    profile: str | None = None,
    agent_id: str | None = None,
) -> Joined:
    """Join the hub for a run, with the options' rules.

    Raises:
        JoinError: a usage problem (``--hub`` without ``--invite``, ``--profile`` with a
            hub) or any join problem.
    """
    if not invite:
        raise JoinError(_("--hub needs --invite CODE (the code or link your employer sent)."))
    if profile:
        raise JoinError(
            _("--profile cannot be used with an invite: the employer's hub hands out the spec.")
        )
    joined = join(hub, invite, registry, hub_keys=hub_keys)
    if agent_id and agent_id != joined.agent_id:
        raise JoinError(
            _(
                "--agent-id {given} differs from the agent id of this invite ({invite}); "
                "leave --agent-id out."
            ).format(given=agent_id, invite=joined.agent_id)
        )
    return joined


def wanted_ids(joined: Joined, registry: CheckRegistry) -> set[str]:
    from deskready.session import wanted_checks

    return {c.id for c in wanted_checks(joined.spec, registry)}


def hub_spec(joined: Joined, registry: CheckRegistry) -> Any:
    """The hub's spec, its network checks pointed at the hub."""
    return hub_settings(joined.spec, joined, wanted_ids(joined, registry))


def bind(session: Session, joined: Joined, agent_name: str | None) -> None:
    """Bind the session to the hub's: sealed into the report."""
    session.hub = joined.hub_binding()
    session.agent = {"id": joined.agent_id, **({"name": agent_name} if agent_name else {})}


def joined_lines(joined: Joined) -> list[Text]:
    """What the agent is told once joined."""
    lines = [
        Text(
            _("Joined {name} ({hub}) as agent {agent}.").format(
                name=joined.name, hub=joined.hub, agent=joined.agent_id
            )
        )
    ]
    if joined.trust is Trust.FIRST_CONTACT:
        lines.append(
            Text(
                _(
                    "First contact with this hub: its key {key} is now trusted on this "
                    "computer (check it with your employer if in doubt)."
                ).format(key=joined.key_id),
                style="yellow",
            )
        )
    elif joined.trust in (Trust.GIVEN, Trust.NEEDS_SPEC):
        lines.append(
            Text(
                _("The hub's key {key} is now trusted on this computer.").format(key=joined.key_id)
            )
        )
    return lines


def stun_sent(outcome: RunOutcome) -> int | None:
    """How many STUN probes the call-quality check sent with the session's USERNAME."""
    result = outcome.result("call_quality")
    details = result.measurements.details if result is not None else None
    if not isinstance(details, Mapping):
        return None
    value = details.get("stun_sent")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def record_stun_sent(session: Session, outcome: RunOutcome) -> None:
    if session.hub is not None:
        session.hub["stun_sent"] = stun_sent(outcome)


def deliver_report(
    report: dict[str, Any], json_path: str | None, pdf_path: Any, paper: str
) -> Delivery:
    """Send the sealed report; it waits in the outbox if the hub cannot be reached."""
    files: dict[str, str] = {}
    if json_path and json_path != "-":
        files["json"] = str(json_path)
    if pdf_path is not None:
        files["pdf"] = str(pdf_path)
    return deliver(report, files=files, paper=paper)


def delivery_lines(delivery: Delivery) -> list[Text]:
    """What the agent is told about the delivery."""
    if delivery.sent is not None:
        lines = [
            Text.assemble(
                ("✔ ", "green"),
                _("The employer's hub received the report and signed it."),
            )
        ]
        if delivery.sent.verify_url:
            lines.append(Text(_("Verification link: {url}").format(url=delivery.sent.verify_url)))
        lines.extend(disputed_lines(delivery.sent.response))
        return lines
    if delivery.queued is not None:
        return [
            Text(delivery.problem, style="yellow"),
            Text(
                _(
                    "Not sent yet: the report waits in {path}; 'deskready submit' sends it "
                    "when the hub can be reached."
                ).format(path=delivery.queued),
                style="bold yellow",
            ),
        ]
    return [
        Text.assemble(
            (_("Error") + ": ", "bold red"),
            _("The employer's hub did not accept the report: {problem}").format(
                problem=delivery.problem
            ),
        )
    ]


def _cli_writer(kind: str, path: Any, report: dict[str, Any], paper: str) -> None:
    """Rewrite a report file of the run with the attestation (JSON or PDF)."""
    from pathlib import Path

    if kind == "json":
        from deskready.report.files import write_report_json

        write_report_json(Path(path), report)
    elif kind == "pdf":
        from deskready.pdf.render import render_pdf

        render_pdf(report, Path(path), page_size=paper)


def submit_pending(console: Any, json_path: Any = None, pdf_path: Any = None) -> int:
    """``deskready submit``: send every waiting report once; 0 all sent, 1 some wait.

    Raises:
        JoinError: ``--json``/``--pdf`` with other than exactly one waiting report.
    """
    from deskready.hubclient import outbox

    waiting = outbox.pending()
    chosen = {k: str(v) for k, v in (("json", json_path), ("pdf", pdf_path)) if v is not None}
    if chosen and len(waiting) != 1:
        raise JoinError(
            _("--json and --pdf need exactly one waiting report; {count} are waiting.").format(
                count=len(waiting)
            )
        )
    if not waiting:
        console.print(_("No report is waiting to be sent."))
        return 0
    outcomes = outbox.send_pending(writer=_cli_writer, files=chosen or None)
    for outcome in outcomes:
        name = outcome.entry.session
        if outcome.sent is None:
            console.print(Text.assemble(("✘ ", "red"), f"{name}: {outcome.problem}"))
            if outcome.refused:
                console.print(
                    Text(
                        _("The hub refused it for good; it was moved to {path}.").format(
                            path=outcome.entry.path.parent / "refused"
                        )
                    )
                )
            continue
        console.print(
            Text.assemble(
                ("✔ ", "green"),
                _("{session}: the employer's hub received the report and signed it.").format(
                    session=name
                ),
            )
        )
        for path in outcome.updated:
            console.print("  " + _("Signed report written to {path}").format(path=path))
        for problem in outcome.file_problems:
            console.print(Text.assemble(("✘ ", "red"), problem))
        for line in disputed_lines(outcome.sent.response):
            console.print(line)
    failed = [o for o in outcomes if o.sent is None or o.file_problems]
    return 1 if failed else 0


def verify_lines(
    report: Mapping[str, Any], hub_keys: Sequence[str]
) -> tuple[list[str], list[Text]]:
    """``report verify``'s part for the hub: (problems, lines to print when it holds).

    A report without attestation has no problem here (unless ``--hub-key`` asked for a
    signature); a hub run not signed yet gets a line saying so.

    Raises:
        JoinError: a ``--hub-key`` that is not a key, or an unreadable pin file.
    """
    from deskready.hubclient import attest, pins
    from deskready.hubclient.render import attestation_lines, unsigned_line
    from deskready.hubclient.store import StoreError

    if report.get("attestation") is None:
        if hub_keys:
            return [_("the report carries no signature of an employer's hub")], []
        line = unsigned_line(report)
        return [], [line] if line is not None else []
    try:
        given = pins.given_keys(tuple(hub_keys))
        store = None if given else pins.PinStore.load()
    except StoreError as exc:
        raise JoinError(str(exc)) from None
    result = attest.check(report, attest.keys_for(report, given, store))
    if not result.ok:
        return result.problems, []
    return [], attestation_lines(report, result)
