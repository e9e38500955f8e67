"""``deskready schedule install|remove|status``: a recurring headless check registered with
the OS's own scheduler (docs/schedule.md). ``schedule run`` (hidden) is what the scheduler
starts. Errors are one line and exit 2."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, NoReturn

import click
from rich.text import Text

from deskready.checks.i18n import N_, _
from deskready.cli.exit_codes import ExitCode
from deskready.cli.render import plain_console
from deskready.cli.translated import TranslatedGroup

if TYPE_CHECKING:
    from deskready.schedule.plan import Schedule


def _fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    plain_console(stderr=True).print(Text.assemble((_("Error") + ": ", "bold red"), message))
    sys.exit(int(code))


@click.group("schedule", cls=TranslatedGroup, help=N_("Check this home office on a schedule."))
def schedule() -> None:
    """Check this home office on a schedule."""


def _every_from_spec(spec: str | None) -> int | None:
    """``[reverify] every_days`` of a spec file, when no interval was given."""
    if spec is None:
        return None
    from deskready.profiles import load_profile
    from deskready.registry import discover_checks
    from deskready.spec import SpecError

    try:
        return load_profile(spec, discover_checks()).reverify.every_days
    except SpecError as exc:
        _fail(str(exc))


def build_schedule(
    every: str | None,
    daily: bool,
    before_shift: str | None,
    at: str | None,
    spec: str | None,
    hub: str | None,
    invite: str | None,
) -> Schedule:
    """The schedule the options ask for (raises ScheduleError with the reason)."""
    from deskready.schedule.plan import (
        DEFAULT_TIME,
        Schedule,
        ScheduleError,
        parse_every,
        parse_time,
        resolve_spec,
    )

    if sum(x is not None for x in (every, before_shift)) + int(daily) > 1:
        raise ScheduleError(_("Give one of --every, --daily and --before-shift."))
    if spec and (hub or invite):
        raise ScheduleError(
            _("--spec cannot be used with an invite: the employer's hub hands out the spec.")
        )
    spec = resolve_spec(spec)
    if before_shift is not None:
        return Schedule(1, parse_time(before_shift), True, spec, hub, invite)
    if daily:
        days = 1
    elif every is not None:
        days = parse_every(every)
    else:
        found = _every_from_spec(spec)
        if found is None:
            raise ScheduleError(
                _(
                    "Say how often: --every 30d, --daily or --before-shift HH:MM (or give a "
                    "--spec that has [reverify] every_days)."
                )
            )
        days = found
    return Schedule(days, parse_time(at) if at else DEFAULT_TIME, False, spec, hub, invite)


@schedule.command("install", help=N_("Register a recurring check with this computer's scheduler."))
@click.option("--every", metavar="DAYS", help=N_("Check every this many days, e.g. 30d."))
@click.option("--daily", is_flag=True, help=N_("Check every day."))
@click.option(
    "--before-shift",
    metavar="HH:MM",
    help=N_("A quick network check every day at this time, before your shift."),
)
@click.option(
    "--at", metavar="HH:MM", help=N_("Time of day for --every and --daily (default 10:00).")
)
@click.option("--spec", metavar="NAME|FILE", help=N_("Bundled profile name or spec file."))
@click.option("--hub", metavar="URL", help=N_("Your employer's hub (https://…)."))
@click.option(
    "--invite", metavar="CODE|LINK", help=N_("The invite code or link your employer sent.")
)
@click.option(
    "--dry-run", is_flag=True, help=N_("Print the files that would be written; change nothing.")
)
def schedule_install(
    every: str | None,
    daily: bool,
    before_shift: str | None,
    at: str | None,
    spec: str | None,
    hub: str | None,
    invite: str | None,
    dry_run: bool,
) -> None:
    """Register a recurring check with this computer's scheduler."""
    from deskready.schedule import system
    from deskready.schedule.plan import ScheduleError

    try:
        plan = build_schedule(every, daily, before_shift, at, spec, hub, invite)
    except ScheduleError as exc:
        _fail(str(exc))
    console = plain_console(highlight=False)
    if dry_run:
        for name, text in _rendered(plan).items():
            console.print(Text(f"# {name}", style="bold"))
            console.print(Text(text))
        return
    try:
        result = system.install(plan)
    except ScheduleError as exc:
        _fail(str(exc))
    console.print(_("Scheduled: {what}.").format(what=plan.describe()))
    for path in result.files:
        console.print("  " + _("wrote {path}").format(path=path))
    for line in result.lines:
        console.print(Text(line, style="yellow"))
    if not result.ok:
        sys.exit(int(ExitCode.USAGE))


def _rendered(plan: Schedule) -> dict[str, str]:
    """What install would write on this OS (``--dry-run``)."""
    import plistlib

    from deskready.checks.platform import OS, current_os
    from deskready.schedule import launchd, systemd, windows
    from deskready.schedule.plan import deskready_command

    command = deskready_command()
    os_ = current_os()
    if os_ is OS.WINDOWS:
        return {"deskready-check.xml": windows.render(plan, command).decode("utf-16")}
    if os_ is OS.MACOS:
        return {launchd.agent_path().name: plistlib.dumps(launchd.render(plan, command)).decode()}
    return systemd.render(plan, command)


@schedule.command("remove", help=N_("Remove the recurring check."))
def schedule_remove() -> None:
    """Remove the recurring check."""
    from deskready.schedule import system
    from deskready.schedule.plan import ScheduleError

    try:
        result = system.remove()
    except ScheduleError as exc:
        _fail(str(exc))
    console = plain_console(highlight=False)
    for path in result.files:
        console.print(_("removed {path}").format(path=path))
    for line in result.lines:
        console.print(Text(line, style="yellow"))
    console.print(_("No recurring check is scheduled now."))


@schedule.command("status", help=N_("Show the recurring check that is installed."))
@click.option("--json", "as_json", is_flag=True, help=N_("Machine-readable answer."))
def schedule_status(as_json: bool) -> None:
    """Show the recurring check that is installed (exit 1: none)."""
    from deskready.schedule import system
    from deskready.schedule.plan import ScheduleError
    from deskready.schedule.saved import last_run

    try:
        state = system.status()
    except ScheduleError as exc:
        _fail(str(exc))
    last = last_run()
    if as_json:
        data = {**state.to_json(), "last_run": last.isoformat() if last else None}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        console = plain_console(highlight=False)
        if state.schedule is None and not state.registered:
            console.print(_("No recurring check is scheduled."))
        else:
            if state.schedule is not None:
                console.print(_("Scheduled: {what}.").format(what=state.schedule.describe()))
            if not state.registered:
                console.print(
                    Text(
                        _(
                            "The computer's scheduler does not hold it; run 'deskready schedule install' again."
                        ),
                        style="yellow",
                    )
                )
            for line in state.details:
                console.print("  " + line)
            if state.active:
                console.print("  " + _("state: {state}").format(state=_(state.active)))
            if last:
                from deskready.format import format_timestamp

                console.print(
                    _("Last scheduled check: {when}").format(
                        when=format_timestamp(last.isoformat())
                    )
                )
    if not state.registered:
        sys.exit(int(ExitCode.NOT_READY))


@schedule.command("run", hidden=True, help=N_("Run the scheduled check if it is due."))
def schedule_run() -> None:
    """What the OS scheduler starts: the check if it is due (exit: the check's own)."""
    from deskready.schedule.plan import ScheduleError
    from deskready.schedule.run import run_scheduled

    try:
        ran = run_scheduled()
    except ScheduleError as exc:
        _fail(str(exc))
    if not ran.ran:
        plain_console(highlight=False).print(ran.reason)
    sys.exit(ran.exit_code)
