"""``deskready history …``: the runs kept on this computer (docs/history.md).

``history`` (or ``history list``) lists them, ``show N`` prints one as ``report show``
would, ``diff [A [B]]`` says what changed, ``delete N|--all --yes`` forgets them and
``due`` says when the employer wants the next check. Every word about a run comes from
its own report (:mod:`deskready.history.diff`); errors are one line and exit 2.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.text import Text

from deskready.checks.i18n import N_, _, ngettext
from deskready.cli.exit_codes import ExitCode
from deskready.cli.render import plain_console
from deskready.cli.translated import TranslatedGroup

if TYPE_CHECKING:
    from deskready.history.diff import Change
    from deskready.history.due import Due
    from deskready.history.store import HistoryStore, Run

#: The history's own modules load only when a history command runs (or a check finished
#: with [reverify]), so ``deskready check`` does not pay for them at start-up.


def _fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    plain_console(stderr=True).print(Text.assemble((_("Error") + ": ", "bold red"), message))
    sys.exit(int(code))


def _console() -> Any:
    """The terminal's width, or wide enough when piped (nothing cut off with "…")."""
    console = plain_console()
    return console if console.is_terminal else plain_console(width=300)


def _store() -> HistoryStore:
    from deskready.history.store import HistoryStore

    return HistoryStore()


def _off_note() -> Text | None:
    from deskready.history.store import ENV_SWITCH, enabled

    if enabled():
        return None
    return Text(
        _("The run history is off ({var}=off): new runs are not kept.").format(var=ENV_SWITCH),
        style="yellow",
    )


def _get(store: HistoryStore, number: int) -> Run:
    from deskready.history.store import HistoryError

    try:
        run = store.get(number)
    except HistoryError as exc:
        _fail(str(exc))
    if run is None:
        _fail(
            _("There is no run {number} in the history; 'deskready history' lists them.").format(
                number=number
            )
        )
    return run


def run_summary(run: Run) -> dict[str, Any]:
    """One run as ``history --json`` gives it."""
    from deskready.history.diff import failed_rules

    return {
        "number": run.id,
        "created_at": run.created_at.isoformat(),
        "employer": run.employer,
        "spec": {"source": run.spec_source, "sha256": run.spec_sha256},
        "verdict": run.verdict,
        "complete": run.complete,
        "failed": failed_rules(run.report),
    }


@click.group(
    "history",
    cls=TranslatedGroup,
    invoke_without_command=True,
    help=N_("List, compare and delete the runs kept on this computer."),
)
@click.option("--json", "as_json", is_flag=True, help=N_("Machine-readable list."))
@click.option(
    "--limit", type=click.IntRange(1, 500), default=50, show_default=True, help=N_("Runs listed.")
)
@click.pass_context
def history(ctx: click.Context, as_json: bool, limit: int) -> None:
    """List, compare and delete the runs kept on this computer."""
    if ctx.invoked_subcommand is None:
        _list(as_json, limit)


@history.command("list", help=N_("List the runs kept, newest first."))
@click.option("--json", "as_json", is_flag=True, help=N_("Machine-readable list."))
@click.option(
    "--limit", type=click.IntRange(1, 500), default=50, show_default=True, help=N_("Runs listed.")
)
def history_list(as_json: bool, limit: int) -> None:
    """List the runs kept, newest first."""
    _list(as_json, limit)


def _list(as_json: bool, limit: int) -> None:
    from rich.table import Table

    from deskready.format import format_timestamp
    from deskready.history.diff import failed_rules
    from deskready.history.store import HistoryError
    from deskready.outcomes import verdict_look

    try:
        runs = _store().runs(limit)
    except HistoryError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(
            json.dumps({"runs": [run_summary(r) for r in runs]}, indent=2, ensure_ascii=False)
        )
        return
    console = _console()
    note = _off_note()
    if note is not None:
        console.print(note)
    if not runs:
        console.print(_("No runs kept yet: each finished 'deskready check' is kept here."))
        return
    table = Table(show_lines=False)
    table.add_column(_("No."), justify="right")
    table.add_column(_("When"))
    table.add_column(_("Employer"))
    table.add_column(_("Verdict"))
    table.add_column(_("What failed"))
    for run in runs:
        look = verdict_look(run.verdict)
        verdict = Text(look.text(), style=look.style)
        if not run.complete:
            verdict.append(" " + _("(partial)"), style="dim")
        table.add_row(
            str(run.id),
            format_timestamp(run.created_at.isoformat()),
            Text(run.employer),
            verdict,
            Text("\n".join(failed_rules(run.report))),
        )
    console.print(table)


@history.command("show", help=N_("Print one kept run's report as a table."))
@click.argument("number", type=int)
def history_show(number: int) -> None:
    """Print one kept run's report as a table."""
    from deskready.cli.render import print_report
    from deskready.report.integrity import verify_digest
    from deskready.report.rejudge import NotAReport, check_shape

    run = _get(_store(), number)
    try:
        check_shape(run.report)  # a row edited by hand: one line, not a KeyError
    except NotAReport as exc:
        _fail(
            _("Run {number}'s kept report cannot be shown: {reason}.").format(
                number=number, reason=exc.reason
            )
        )
    console = _console()
    if not verify_digest(run.report):
        console.print(
            Text.assemble(
                (_("Warning") + ": ", "bold yellow"),
                _(
                    "the integrity digest does not match: the report was changed after it was written"
                ),
            )
        )
    print_report(console, run.report)


def _pair(store: HistoryStore, numbers: tuple[int, ...]) -> tuple[Run, Run] | None:
    """(older, newer): the two named, or one and the run before it, or the last two."""
    from deskready.history.store import HistoryError

    if len(numbers) > 2:
        _fail(_("history diff takes at most two run numbers."))
    try:
        if len(numbers) == 2:
            first, second = _get(store, numbers[0]), _get(store, numbers[1])
            return (first, second) if first.created_at <= second.created_at else (second, first)
        newer = _get(store, numbers[0]) if numbers else next(iter(store.runs(1)), None)
        if newer is None:
            return None
        older = store.previous(newer)
    except HistoryError as exc:
        _fail(str(exc))
    return None if older is None else (older, newer)


def diff_lines(older: Run, newer: Run, changes: list[Change]) -> list[str]:
    """The diff as the terminal prints it (also the GUI's wording)."""
    from deskready.format import format_timestamp

    heading = _("Run {new} ({new_date}) compared with run {old} ({old_date}):").format(
        new=newer.id,
        new_date=format_timestamp(newer.created_at.isoformat()),
        old=older.id,
        old_date=format_timestamp(older.created_at.isoformat()),
    )
    if not changes:
        return [heading, "  " + _("Nothing changed.")]
    return [heading] + ["  " + change.text for change in changes]


@history.command("diff", help=N_("Say what changed between two runs (default: the last two)."))
@click.argument("numbers", type=int, nargs=-1)
@click.option("--json", "as_json", is_flag=True, help=N_("Machine-readable changes."))
def history_diff(numbers: tuple[int, ...], as_json: bool) -> None:
    """Say what changed between two runs (default: the last two)."""
    from deskready.history.diff import diff_reports

    pair = _pair(_store(), numbers)
    if pair is None:
        if as_json:
            click.echo(json.dumps({"older": None, "newer": None, "changes": []}, indent=2))
            return
        _console().print(_("There is no earlier run to compare with."))
        return
    older, newer = pair
    changes = diff_reports(older.report, newer.report)
    if as_json:
        data = {
            "older": run_summary(older),
            "newer": run_summary(newer),
            "changes": [c.to_json() for c in changes],
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console = _console()
    for line in diff_lines(older, newer, changes):
        console.print(Text(line))


@history.command("delete", help=N_("Delete one kept run, or all of them."))
@click.argument("number", type=int, required=False)
@click.option("--all", "everything", is_flag=True, help=N_("Delete every kept run."))
@click.option("--yes", is_flag=True, help=N_("Do not ask for confirmation."))
def history_delete(number: int | None, everything: bool, yes: bool) -> None:
    """Delete one kept run, or all of them (the saved report files are not touched)."""
    from deskready.history.store import HistoryError

    if (number is None) == (not everything):
        _fail(_("Name one run number, or give --all."))
    what = (
        _("Delete every run kept on this computer?")
        if everything
        else _("Delete run {number}?").format(number=number)
    )
    if not yes:
        if not sys.stdin.isatty():
            _fail(_("Add --yes to delete without being asked."))
        if not click.confirm(what, default=False):
            _fail(_("Nothing deleted."))
    store = _store()
    console = _console()
    try:
        if everything:
            count = store.delete_all()
            console.print(
                ngettext("Deleted {count} run.", "Deleted {count} runs.", count).format(count=count)
            )
            return
        assert number is not None
        if not store.delete(number):
            _fail(
                _(
                    "There is no run {number} in the history; 'deskready history' lists them."
                ).format(number=number)
            )
    except HistoryError as exc:
        _fail(str(exc))
    console.print(_("Deleted run {number}.").format(number=number))


def due_json(due: Due | None, today: date | None = None) -> dict[str, Any]:
    today = today or date.today()
    if due is None:
        return {"asked": False}
    return {
        "asked": True,
        "every_days": due.every_days,
        "last_complete_run": due.last.isoformat() if due.last else None,
        "due": due.due.isoformat() if due.due else None,
        "overdue_days": due.overdue_days(today),
        "sentence": due.sentence(today),
    }


def after_run_lines(spec: Any) -> list[Text]:
    """What ``deskready check`` prints after the verdict when the spec asks for
    re-verification: when the next check is due (this run already counted)."""
    from deskready.history.due import due_for
    from deskready.history.store import ENV_SWITCH, enabled

    every = spec.reverify.every_days
    if every is not None and not enabled():
        return [
            Text(
                ngettext(
                    "Your employer asks for a new check every {days} day; the run history is "
                    "off ({var}=off), so deskready cannot say when the next one is due.",
                    "Your employer asks for a new check every {days} days; the run history is "
                    "off ({var}=off), so deskready cannot say when the next one is due.",
                    every,
                ).format(days=every, var=ENV_SWITCH)
            )
        ]
    due = due_for(spec.sha256, every)
    if due is None:
        return []
    return [Text(due.sentence(), style="bold yellow" if due.overdue_days(date.today()) else "")]


@history.command("due", help=N_("Say when your employer wants the next check."))
@click.option(
    "--profile",
    "-p",
    metavar="NAME|FILE",
    help=N_("The spec to ask about (default: the spec of the latest run that asks)."),
)
@click.option("--json", "as_json", is_flag=True, help=N_("Machine-readable answer."))
def history_due(profile: str | None, as_json: bool) -> None:
    """Say when your employer wants the next check (exit 1 when it is overdue)."""
    from deskready.history.due import due_from, due_of_latest
    from deskready.history.store import HistoryError

    try:
        if profile is not None:
            from deskready.profiles import load_profile
            from deskready.registry import discover_checks
            from deskready.spec import SpecError

            try:
                spec = load_profile(profile, discover_checks())
            except SpecError as exc:
                _fail(str(exc))
            every = spec.reverify.every_days
            # Read what is kept even when new runs are not (DESKREADY_HISTORY=off).
            last = _store().last_complete(spec.sha256) if every is not None else None
            due = None if every is None else due_from(every, last)
        else:
            due = due_of_latest(_store())
    except HistoryError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(due_json(due), indent=2, ensure_ascii=False))
    else:
        console = _console()
        note = _off_note()
        if note is not None:
            console.print(note)
        if due is None:
            console.print(_("Your employer's spec does not ask for regular new checks."))
        else:
            console.print(Text(due.sentence()))
    if due is not None and due.overdue_days(date.today()) > 0:
        sys.exit(int(ExitCode.NOT_READY))
