"""``deskready`` — the command line. A thin front-end over :mod:`deskready.session`.

User errors (bad spec, bad answer, unknown check, unreadable file) print one clear
message and exit 2; only ``--debug`` shows tracebacks. See :class:`ExitCode`.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.text import Text

from deskready.answers import AnswerError, load_answers_file, parse_answer_options
from deskready.checks.i18n import N_, _
from deskready.cli.exit_codes import ExitCode
from deskready.cli.history import history as history_group
from deskready.cli.hub import hub as hub_group
from deskready.cli.prompt import TerminalAsker
from deskready.cli.render import (
    ProgressView,
    metric_labels,
    plain_console,
    print_report,
    print_verdict_line,
    scope_lines,
    verdict_word,
)
from deskready.cli.schedule import schedule as schedule_group
from deskready.cli.shared_options import asked_language
from deskready.cli.translated import TranslatedGroup
from deskready.format import format_timestamp, join_sentences
from deskready.profiles import bundled_profiles, load_profile
from deskready.registry import CheckRegistry, discover_checks
from deskready.report.files import (
    ReportFileError,
    output_target,
    read_report_json,
    report_json,
    same_file,
    write_report_json,
)
from deskready.report.integrity import verify_digest
from deskready.report.rejudge import NotAReport, rejudge
from deskready.session import PlanError, Session
from deskready.spec import SpecError

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    """Print a user error on stderr and exit with ``code`` (no traceback)."""
    plain_console(stderr=True).print(Text.assemble((_("Error") + ": ", "bold red"), message))
    sys.exit(int(code))


@click.group(
    cls=TranslatedGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_(
        "Check that this computer and home office meet your employer's requirements.\n\n"
        "Without a command, opens the desktop app."
    ),
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Check that this computer and home office meet your employer's requirements.

    Without a command, opens the desktop app. ``--lang``, ``--debug`` and ``--version``
    (deskready.cli.shared_options) work here and after any command's name.
    """
    if ctx.invoked_subcommand is None:
        from deskready.gui_launcher import launch_gui

        sys.exit(launch_gui(_gui_language_args(ctx)))


def _registry(*, announce: bool = True) -> CheckRegistry:
    """The installed checks; each broken plugin is one line with its reason on stderr
    (its traceback only with --debug), and every other check still runs."""
    registry = discover_checks()
    console = plain_console(stderr=True, highlight=False)
    for broken in registry.broken if announce else ():
        console.print(
            Text(
                _("Check plugin {name} was not loaded: {reason}").format(
                    name=broken.name, reason=broken.reason
                ),
                style="yellow",
            ),
            soft_wrap=True,  # one line, however long the reason
        )
    return registry


@cli.command(help=N_("Run the checks against an employer spec and show the verdict."))
@click.option(
    "--profile",
    "-p",
    metavar="NAME|FILE",
    help=N_("Bundled profile name or spec file (default: typical)."),
)
@click.option(
    "--only", multiple=True, metavar="IDS", help=N_("Run only these checks (comma-separated).")
)
@click.option(
    "--skip", multiple=True, metavar="IDS", help=N_("Do not run these checks (comma-separated).")
)
@click.option(
    "--json",
    "json_path",
    metavar="PATH|-",
    help=N_("Write the JSON report to PATH, or to stdout with '-'."),
)
@click.option(
    "--pdf",
    "pdf_path",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Write the PDF report."),
)
@click.option(
    "--paper",
    type=click.Choice(["auto", "a4", "letter"]),
    default="auto",
    show_default=True,
    help=N_("PDF paper size (auto: by your region)."),
)
@click.option(
    "--answer",
    "answer_options",
    multiple=True,
    metavar="ID=VALUE",
    help=N_("Answer a question up front (repeatable)."),
)
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Answers from a TOML or JSON file."),
)
@click.option(
    "--no-input", is_flag=True, help=N_("Never ask; unanswered questions stay unanswered.")
)
@click.option("--agent-name", metavar="NAME", help=N_("Your name, printed on the report."))
@click.option(
    "--agent-id", metavar="ID", help=N_("Your agent or employee ID, printed on the report.")
)
@click.option("--hub", metavar="URL", help=N_("Your employer's hub (https://…)."))
@click.option(
    "--invite",
    metavar="CODE|LINK",
    envvar="DESKREADY_INVITE",
    help=N_(
        "The invite code or link your employer sent (a link also names the hub). "
        "Also read from DESKREADY_INVITE, which keeps it off the command line."
    ),
)
@click.option(
    "--hub-key",
    "hub_keys",
    multiple=True,
    metavar="KEY",
    help=N_("The hub's public key, if your employer gave you one."),
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help=N_("Print only the verdict and where the reports were written."),
)
@click.pass_context
def check(
    ctx: click.Context,
    profile: str | None,
    only: Sequence[str],
    skip: Sequence[str],
    json_path: str | None,
    pdf_path: Path | None,
    paper: str,
    answer_options: Sequence[str],
    answers_file: Path | None,
    no_input: bool,
    agent_name: str | None,
    agent_id: str | None,
    hub: str | None,
    invite: str | None,
    hub_keys: Sequence[str],
    quiet: bool,
) -> None:
    """Run the checks against an employer spec and show the verdict."""
    to_stdout = json_path == "-"
    console = plain_console(stderr=to_stdout, highlight=False)
    registry = _registry()
    agent = {k: v for k, v in (("name", agent_name), ("id", agent_id)) if v}
    joined = None
    if hub or invite:  # the employer's hub hands out the spec and measures (hubclient)
        from deskready.hubclient import run as hub_run

        try:
            joined = hub_run.join_for_run(
                hub, invite, hub_keys, registry, profile=profile, agent_id=agent_id
            )
        except hub_run.JoinError as exc:
            fail(str(exc))
        for line in () if quiet else hub_run.joined_lines(joined):
            console.print(line)
    try:
        spec = hub_run.hub_spec(joined, registry) if joined else load_profile(profile, registry)
        session = Session.planned(spec, registry, only=only, skip=skip, agent=agent or None)
    except (SpecError, PlanError) as exc:
        fail(str(exc))
    if joined:
        hub_run.bind(session, joined, agent_name)
    if not session.checks:
        fail(_("Nothing to check: the spec has no rules for the selected checks."))
    try:
        if answers_file is not None:
            session.answers.update(load_answers_file(answers_file, session.questions))
        session.answers.update(parse_answer_options(answer_options, session.questions))
    except AnswerError as exc:
        fail(str(exc))
    _check_outputs(None if to_stdout else json_path, pdf_path, (profile, answers_file))

    interactive = not no_input and sys.stdin.isatty()
    asker = TerminalAsker(console)
    if interactive:
        try:
            for question in session.unanswered():
                session.answers[question.id] = asker.ask_up_front(question)
        except (KeyboardInterrupt, EOFError):
            console.print()
            fail(_("Stopped before any check ran."), ExitCode.INTERRUPTED)

    if not quiet:
        console.print(
            _("Checking against {employer} ({source})…").format(
                employer=_(spec.employer.name), source=spec.source
            )
        )
    with ProgressView(console, session.checks, quiet=quiet) as view:
        asker.view = view
        outcome = session.run(
            on_event=view.handle, ask=asker.ask_during_run if interactive else None
        )

    if joined:
        hub_run.record_stun_sent(session, outcome)
    # Saved reports are in the spec's report language; the screen speaks the agent's.
    shown, report = session.reports(outcome)
    if quiet:
        print_verdict_line(console, shown)
    else:
        print_report(console, shown, labels=metric_labels(registry))
    delivery = hub_run.deliver_report(report, json_path, pdf_path, paper) if joined else None
    for line in hub_run.delivery_lines(delivery) if delivery else ():
        console.print(line)
    try:
        if json_path is not None:
            if to_stdout:
                _write_stdout(report_json(report))
            else:
                write_report_json(Path(json_path), report)
                console.print(
                    _("JSON report written to {path}").format(path=json_path), soft_wrap=True
                )
        if pdf_path is not None:
            _write_pdf(report, pdf_path, paper)
            console.print(_("PDF report written to {path}").format(path=pdf_path), soft_wrap=True)
    except ReportFileError as exc:
        fail(str(exc))
    if not quiet:
        from deskready.cli.history import after_run_lines  # when the employer wants the next check

        for line in after_run_lines(spec):
            console.print(line)
    if report.get("interrupted"):
        sys.exit(int(ExitCode.INTERRUPTED))
    if delivery is not None and delivery.refused:
        sys.exit(int(ExitCode.USAGE))
    sys.exit(int(ExitCode.for_verdict(report["verdict"])))


def _check_outputs(
    json_path: str | None, pdf_path: Path | None, inputs: Sequence[Path | str | None] = ()
) -> None:
    """Refuse output paths that cannot be written before any check runs (exit 2), so a
    long run is never lost to a typo in a folder name (rules: report.files.output_target).

    Two outputs on one file, or an output on a file this command reads (the spec, the
    answers, the report to convert), would silently destroy one of them.
    """
    outputs = [Path(p) for p in (json_path, pdf_path) if p is not None]
    try:
        for path in outputs:
            output_target(path)
    except ReportFileError as exc:
        fail(str(exc))
    if len(outputs) == 2 and same_file(outputs[0], outputs[1]):
        fail(
            _("--json and --pdf name the same file ({path}); give each report its own.").format(
                path=outputs[1]
            )
        )
    for source in inputs:
        for path in outputs:
            if source is not None and Path(source).is_file() and same_file(Path(source), path):
                fail(
                    _(
                        "{path} is also a file this command reads; write the report elsewhere."
                    ).format(path=path)
                )


def _write_stdout(text: str) -> None:
    """``--json -``: the report on standard output, or a clear error when it is closed or
    full (a usage problem of the caller's, exit 2: the human table is on stderr)."""
    try:
        if sys.stdout is None:  # started with stdout closed (">&-")
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        _drop_stdout()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        fail(_("Cannot write the JSON report to standard output: {reason}").format(reason=reason))


def _drop_stdout() -> None:
    """Point a failed standard output at /dev/null, so Python's flush at exit does not
    print a second, raw error after ours."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until exit


def _write_pdf(report: dict[str, Any], path: Path, paper: str = "auto") -> None:
    try:
        from deskready.pdf.render import render_pdf
    except ImportError as exc:  # PDF support missing from this build
        fail(_("PDF export is not available: {reason}").format(reason=exc))
    try:
        render_pdf(report, path, page_size=paper)
    except ReportFileError as exc:
        fail(str(exc))


@cli.command("checks", help=N_("List the installed checks and the metrics they measure."))
@click.option("--json", "as_json", is_flag=True, help=N_("Machine-readable list."))
def list_checks(as_json: bool) -> None:
    """List the installed checks and the metrics they measure."""
    registry = _registry(announce=False)
    if as_json:
        data = {
            "checks": [
                {
                    "id": c.id,
                    "title": _(c.title),
                    "category": c.category.value,
                    "description": _(c.description) if c.description else "",
                    "exclusive": c.exclusive,
                    "metrics": [
                        {
                            "id": m.id,
                            "type": m.type.value,
                            "unit": m.unit,
                            "description": _(m.description),
                            **({"choices": list(m.choices)} if m.choices else {}),
                        }
                        for m in c.metrics
                    ],
                    "questions": [q.id for q in c.questions],
                    "settings": [s.name for s in c.settings],
                }
                for c in registry
            ],
            "broken": [b.__dict__ for b in registry.broken],
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console = plain_console(highlight=False)
    for c in registry:
        console.print(
            Text.assemble((c.id, "bold"), f" — {_(c.title)} ", (f"({c.category.value})", "dim"))
        )
        for m in c.metrics:
            unit = f" [{m.unit}]" if m.unit else ""
            choices = f" ({', '.join(m.choices)})" if m.choices else ""
            console.print(f"    {m.id}{unit}{choices}: {_(m.description)}")
    not_loaded = _("Not loaded")  # outside the f-string, where the extractor finds it
    for b in registry.broken:
        console.print(
            Text.assemble((f"{not_loaded}: ", "red"), f"{b.name} ({b.target}): {b.reason}")
        )


@cli.command(help=N_("List the bundled employer profiles."))
def profiles() -> None:
    """List the bundled employer profiles."""
    console = plain_console(highlight=False)
    for p in bundled_profiles():
        console.print(Text.assemble((p.name, "bold"), f" — {p.employer}"))
        if p.notes:
            console.print(f"    {p.notes}")


@cli.command(help=N_("Send the reports still waiting for your employer's hub."))
@click.option(
    "--json",
    "json_path",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Write the signed JSON report here (one waiting report only)."),
)
@click.option(
    "--pdf",
    "pdf_path",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Write the signed PDF report here (one waiting report only)."),
)
def submit(json_path: Path | None, pdf_path: Path | None) -> None:
    """Send the reports still waiting for your employer's hub (exit 1: some still wait)."""
    from deskready.hubclient import run as hub_run

    _check_outputs(str(json_path) if json_path else None, pdf_path)
    try:
        code = hub_run.submit_pending(plain_console(highlight=False), json_path, pdf_path)
    except hub_run.JoinError as exc:
        fail(str(exc))
    sys.exit(code)


@cli.group(help=N_("Show, verify or convert a saved report."))
def report() -> None:
    """Show, verify or convert a saved report."""


def _load_any_report(path: Path) -> dict[str, Any]:
    if path.suffix.lower() == ".pdf":
        from deskready.pdf.embedded import EmbeddedReportError, extract_embedded_report

        try:
            return extract_embedded_report(path)
        except EmbeddedReportError as exc:
            fail(str(exc))
        except Exception as exc:  # any unreadable PDF is a user error here
            fail(_("Cannot read the report inside {path}: {reason}").format(path=path, reason=exc))
    try:
        return read_report_json(path)
    except ReportFileError as exc:
        fail(str(exc))


def _rejudged(path: Path, report: dict[str, Any]) -> list[str]:
    """The report's contradictions (deskready.report.rejudge); a report no view can show
    is "not a deskready report" (exit 2)."""
    try:
        return rejudge(report)
    except NotAReport as exc:
        fail(_("{path} is not a deskready report: {reason}.").format(path=path, reason=exc.reason))


def _digest_problem(report: dict[str, Any]) -> str | None:
    """Why the report's seal does not hold: none at all, or one that does not match."""
    if not isinstance(report.get("integrity"), dict):
        return _("the report has no integrity digest: nothing shows it is as deskready wrote it")
    if not verify_digest(report):
        return _("the integrity digest does not match: the report was changed after it was written")
    return None


@report.command("show", help=N_("Print a saved report (JSON or PDF) as a table."))
@click.argument("file", type=click.Path(path_type=Path))
def report_show(file: Path) -> None:
    """Print a saved report (JSON or PDF) as a table.

    A report that is unsealed, edited or contradicts itself is still shown (the agent may
    need to read it), but with the warning before and after the table, and exit 1.
    """
    data = _load_any_report(file)
    disagreements = _rejudged(file, data)
    digest = _digest_problem(data)
    warnings = ([digest] if digest else []) + disagreements
    console = plain_console(highlight=False)

    def warn() -> None:
        for line in warnings:
            console.print(Text.assemble((_("Warning") + ": ", "bold yellow"), line))

    warn()
    print_report(console, data, labels=metric_labels(_registry(announce=False)))
    warn()
    if warnings:
        sys.exit(int(ExitCode.NOT_READY))


@report.command(
    "verify", help=N_("Check that a report (JSON or PDF) was not edited after deskready wrote it.")
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--hub-key",
    "hub_keys",
    multiple=True,
    metavar="KEY",
    help=N_("Check the employer hub's signature with this public key (default: the pinned key)."),
)
def report_verify(file: Path, hub_keys: Sequence[str] = ()) -> None:
    """Check that a report (JSON or PDF) was not edited after deskready wrote it."""
    console = plain_console(highlight=False)
    problems: list[str] = []
    if file.suffix.lower() == ".pdf":
        from deskready.pdf.embedded import verify_pdf

        # verify_pdf never raises; it checks the digest, re-judges the attached report and
        # lists every problem. Nothing to verify (not a PDF, no report) is exit 2.
        result = verify_pdf(file, digest_check=verify_digest)
        if not result.readable:
            fail(join_sentences(result.problems))
        problems.extend(result.problems)
        if result.report is None or not result.ok:
            problems = problems or [_("the report inside the PDF could not be verified")]
        report_data = result.report or {}
    else:
        report_data = _load_any_report(file)
        disagreements = _rejudged(file, report_data)
        digest = _digest_problem(report_data)
        problems.extend(([digest] if digest else []) + disagreements)
    from deskready.hubclient import run as hub_run  # the hub's signature (attestation)

    try:
        hub_problems, hub_lines = hub_run.verify_lines(report_data, hub_keys)
    except hub_run.JoinError as exc:
        fail(str(exc))
    problems.extend(hub_problems)
    if problems:
        for problem in problems:
            console.print(Text.assemble(("✘ ", "red"), problem))
        sys.exit(int(ExitCode.NOT_READY))
    console.print(
        Text.assemble(
            ("✔ ", "green"),
            _("{path} is intact: verdict {verdict}, written {date}.").format(
                path=file,
                verdict=verdict_word(report_data["verdict"]),
                date=format_timestamp(report_data.get("created_at")),
            ),
        )
    )
    for line in scope_lines(report_data):
        console.print(line)
    for hub_line in hub_lines:
        console.print(hub_line)


@report.command("pdf", help=N_("Render a saved JSON report as a PDF."))
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help=N_("The PDF file to write."),
)
@click.option(
    "--paper",
    type=click.Choice(["auto", "a4", "letter"]),
    default="auto",
    show_default=True,
    help=N_("PDF paper size (auto: by your region)."),
)
def report_pdf(file: Path, output: Path, paper: str) -> None:
    """Render a saved JSON report as a PDF."""
    _check_outputs(None, output, (file,))
    data = _load_any_report(file)
    contradictions = _rejudged(file, data)  # a report no view can show: exit 2
    if not verify_digest(data):
        fail(
            _(
                "{path} was changed after deskready wrote it; it cannot be turned into a PDF."
            ).format(path=file),
            ExitCode.NOT_READY,
        )
    if contradictions:
        fail(
            _(
                "{path} contradicts itself (run 'deskready report verify' to see how); it "
                "cannot be turned into a PDF."
            ).format(path=file),
            ExitCode.NOT_READY,
        )
    _write_pdf(data, output, paper)
    # soft_wrap: a path stays on one line, whole, to copy (the terminal folds it if it must)
    plain_console(highlight=False).print(
        _("PDF report written to {path}").format(path=output), soft_wrap=True
    )


def _gui_language_args(ctx: click.Context) -> list[str]:
    """``--lang`` given to ``deskready`` goes on to the GUI (which otherwise uses its saved
    choice or the system's language)."""
    lang = asked_language(ctx)
    return ["--lang", lang] if lang else []


@cli.command(help=N_("Open the desktop app."))
@click.option("--quit-after-paint", is_flag=True, hidden=True)
@click.pass_context
def gui(ctx: click.Context, quit_after_paint: bool) -> None:
    """Open the desktop app."""
    from deskready.gui_launcher import launch_gui

    # Hidden: print the seconds to the first paint, then quit. For bench/gui_startup.py and
    # the standalone bundle's smoke test (tests/packaging), which can only run the command.
    extra = ["--quit-after-paint"] if quit_after_paint else []
    sys.exit(launch_gui([*_gui_language_args(ctx), *extra]))


#: errno values of a standard output that cannot take what deskready prints.
_OUTPUT_ERRNOS = {errno.EPIPE, errno.ENOSPC, errno.EBADF, errno.EIO, errno.EDQUOT}


def _unexpected(exc: Exception, debug: bool) -> Exception:
    """A real bug: its traceback with --debug (returned to be raised), else one line."""
    if debug:
        return exc
    fail(
        _("Unexpected problem: {problem}. Run again with --debug for details.").format(
            problem=f"{type(exc).__name__}: {exc}"
        ),
        ExitCode.USAGE,
    )


# `deskready hub …`: the group imports click only; each hub command imports deskready.hub
# (and the hub extra) when it runs, so `deskready check` never loads sqlalchemy.
cli.add_command(hub_group)
# `deskready history …` and `deskready schedule …` (docs/history.md, docs/schedule.md)
cli.add_command(history_group)
cli.add_command(schedule_group)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point; turns anything unexpected into a message unless --debug."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="deskready", standalone_mode=False)
    except click.exceptions.Abort:  # click's translation of Ctrl-C / closed input
        plain_console(stderr=True).print(_("Interrupted."))
        sys.exit(int(ExitCode.INTERRUPTED))
    except KeyboardInterrupt:
        plain_console(stderr=True).print(_("Interrupted."))
        sys.exit(int(ExitCode.INTERRUPTED))
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(int(ExitCode.USAGE))
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except OSError as exc:
        # Report files are written and read through ReportFileError / ReadProblem; an
        # OSError of these kinds that gets here is the terminal's output itself: full
        # ("> /dev/full"), closed (">&-") or a pipe whose reader left ("| head -1").
        if debug or exc.errno not in _OUTPUT_ERRNOS:
            raise _unexpected(exc, debug) from None
        _drop_stdout()
        fail(_("Cannot write the output: {reason}").format(reason=exc.strerror or exc))
    except Exception as exc:
        raise _unexpected(exc, debug) from None
    sys.exit(code if isinstance(code, int) else 0)
