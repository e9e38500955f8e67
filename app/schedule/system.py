"""One front door over the three OS schedulers: install, remove and read back, on the OS
this is (:func:`deskready.checks.platform.current_os`). The CLI only prints what these
return."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from deskready.checks.i18n import N_, _
from deskready.checks.platform import OS, current_os
from deskready.schedule import launchd, systemd, windows
from deskready.schedule.plan import Schedule, ScheduleError, deskready_command
from deskready.schedule.saved import forget_schedule, load_schedule, save_schedule


@dataclass
class Result:
    """What was done: the files written or removed, and lines for the agent."""

    files: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    ok: bool = True


def install(schedule: Schedule, command: list[str] | None = None, os_: OS | None = None) -> Result:
    """Save the schedule, then register ``deskready schedule run`` with the OS."""
    command = command or deskready_command()
    os_ = os_ or current_os()
    result = Result(files=[save_schedule(schedule)])
    try:
        if os_ is OS.LINUX:
            done = systemd.install(schedule, command)
            result.files += done.files
            result.lines += done.lines
        elif os_ is OS.WINDOWS:
            problems = windows.install(schedule, command, result.files[0].parent)
            result.lines += problems
            result.ok = not problems
        elif os_ is OS.MACOS:
            problems = launchd.install(schedule, command)
            result.files.append(launchd.agent_path())
            result.lines += problems
            result.ok = not problems
        else:
            raise ScheduleError(_("This operating system has no scheduler deskready knows."))
    except (OSError, subprocess.TimeoutExpired) as exc:  # the scheduler's tool hung: bounded
        raise ScheduleError(_("Cannot install the schedule: {reason}").format(reason=exc)) from None
    return result


def remove(os_: OS | None = None) -> Result:
    os_ = os_ or current_os()
    result = Result()
    try:
        if os_ is OS.LINUX:
            result.files += systemd.remove().files
        elif os_ is OS.WINDOWS:
            result.lines += windows.remove()
        elif os_ is OS.MACOS:
            result.lines += launchd.remove()
        forget_schedule()
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScheduleError(_("Cannot remove the schedule: {reason}").format(reason=exc)) from None
    return result


#: A Windows task's state, in words shown through ``_()`` (systemd's own state words, which
#: ``status`` also shows, come as the OS gives them).
TASK_ENABLED, TASK_DISABLED = N_("enabled"), N_("disabled")


@dataclass(frozen=True)
class Status:
    """What is installed: the saved schedule and what the OS scheduler holds."""

    schedule: Schedule | None
    registered: bool
    details: tuple[str, ...] = ()
    active: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "schedule": self.schedule.to_json() if self.schedule else None,
            "registered": self.registered,
            "details": list(self.details),
            "active": self.active,
        }


def status(os_: OS | None = None) -> Status:
    """Read back the saved schedule and the OS's own record of the task."""
    os_ = os_ or current_os()
    schedule = load_schedule()
    if os_ is OS.LINUX:
        units = systemd.installed()
        details = tuple(
            line
            for text in units.values()
            for line in text.splitlines()
            if line.startswith(("OnCalendar=", "ExecStart="))
        )
        return Status(schedule, bool(units), details, systemd.timer_state() if units else None)
    if os_ is OS.WINDOWS:
        task = windows.query()
        if task is None:
            return Status(schedule, False)
        return Status(
            schedule,
            True,
            (
                f"{task.command} {task.arguments or ''}".strip(),
                _("daily at {time}").format(time=task.time or "?"),
            ),
            TASK_ENABLED if task.enabled else TASK_DISABLED,
        )
    if os_ is OS.MACOS:
        plist = launchd.installed()
        if plist is None:
            return Status(schedule, False)
        args = " ".join(str(a) for a in plist.get("ProgramArguments", []))
        return Status(schedule, True, (args, str(plist.get("StartCalendarInterval"))))
    return Status(schedule, False)
