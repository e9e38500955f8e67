"""What a schedule is: how often, at what time, against which spec or hub; saved as one
private JSON file that ``deskready schedule run`` reads when the OS's scheduler starts it.

Every OS scheduler is told the same thing: start ``deskready schedule run`` once a day at
``at`` (and, if the computer was off or asleep then, as soon as it can). ``schedule run``
then decides from :func:`is_due` whether ``every_days`` have passed since the last
scheduled check, so "every 30 days" means the same on systemd, Task Scheduler and launchd
and survives reboots, sleep and missed days. The invite code stays in this 0600 file, not
in the OS's task definition, which other programs on the computer can often read.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from deskready.checks.i18n import _

VERSION = 1
NAME = "deskready-check"
#: When a check that is "every N days" or "daily" runs unless --at says otherwise.
DEFAULT_TIME = "10:00"
MAX_DAYS = 365
#: The built-in network checks a before-shift check runs (issue 17: "a quick network-only
#: check"); at run time :func:`network_checks` takes those of them that are installed.
#: ``deskready check --invite`` reads the code from this variable when the option is absent.
INVITE_ENV = "DESKREADY_INVITE"
NETWORK_CHECKS = ("connection", "bandwidth", "call_quality", "upstream")
#: A scheduled check is given this long before the scheduler stops it.
RUN_TIMEOUT_S = 45 * 60
_EVERY = re.compile(r"^\s*(\d{1,3})\s*(d|days?)?\s*$", re.IGNORECASE)
_TIME = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


class ScheduleError(Exception):
    """A schedule that cannot be made or read (message for the agent)."""


def parse_every(text: str) -> int:
    """``30d``, ``30 days`` or ``30`` -> 30 (1..365 days)."""
    match = _EVERY.match(text)
    days = int(match.group(1)) if match else 0
    if not 1 <= days <= MAX_DAYS:
        raise ScheduleError(
            _("--every takes a number of days from 1 to {max}, such as 30d (not '{text}').").format(
                max=MAX_DAYS, text=text
            )
        )
    return days


def parse_time(text: str) -> str:
    """``8:30`` -> ``08:30`` (24-hour clock, the computer's local time)."""
    match = _TIME.match(text)
    if match is None:
        raise ScheduleError(
            _("A time is HH:MM on the 24-hour clock, such as 08:30 (not '{text}').").format(
                text=text
            )
        )
    return f"{int(match.group(1)):02d}:{match.group(2)}"


@dataclass(frozen=True)
class Schedule:
    """A recurring headless check.

    Attributes:
        every_days: run when this many days have passed since the last scheduled check.
        at: the local time of day the OS starts ``schedule run`` (HH:MM).
        network_only: the before-shift check: the network checks only, every day.
        spec: the spec file (absolute path) or bundled profile name, or None with a hub.
        hub: the employer hub's address (with ``invite``), or None.
        invite: the invite code or link for the hub.
    """

    every_days: int
    at: str = DEFAULT_TIME
    network_only: bool = False
    spec: str | None = None
    hub: str | None = None
    invite: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.every_days <= MAX_DAYS:
            raise ScheduleError(_("every_days must be from 1 to 365"))
        parse_time(self.at)
        if self.hub and not self.invite:
            raise ScheduleError(
                _("--hub needs --invite CODE (the code or link your employer sent).")
            )
        if self.spec and self.invite:
            raise ScheduleError(
                _("--spec cannot be used with an invite: the employer's hub hands out the spec.")
            )

    @property
    def hour(self) -> int:
        return int(self.at.split(":")[0])

    @property
    def minute(self) -> int:
        return int(self.at.split(":")[1])

    def check_args(self, network: Sequence[str] = NETWORK_CHECKS) -> list[str]:
        """The ``deskready`` arguments of the check itself: headless, never asking
        (``network``: the checks a before-shift check runs)."""
        args = ["check", "--no-input"]
        if self.invite:  # the code itself goes by the environment: see check_env
            if self.hub:
                args += ["--hub", self.hub]
        elif self.spec:
            args += ["--profile", self.spec]
        if self.network_only:
            args += ["--only", ",".join(network)]
        return args

    def check_env(self) -> dict[str, str]:
        """What the check's environment adds: the invite code, which must not be on the
        command line (any local user can read ``/proc/<pid>/cmdline``; a process's
        environment only its own user and root)."""
        return {INVITE_ENV: self.invite} if self.invite else {}

    def describe(self) -> str:
        """One line for ``schedule status`` and ``install``."""
        if self.network_only:
            when = _("a network check before each shift, every day at {time}").format(time=self.at)
        elif self.every_days == 1:
            when = _("a check every day at {time}").format(time=self.at)
        else:
            when = _("a check every {days} days (looked at daily at {time})").format(
                days=self.every_days, time=self.at
            )
        if self.invite:
            target = _("sent to your employer's hub")
        elif self.spec:
            target = _("against {spec}").format(spec=self.spec)
        else:
            target = _("against the typical profile")
        return f"{when}, {target}"

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Schedule:
        """The saved schedule; a file edited by hand is refused with the reason (a
        number where a text belongs would otherwise reach the scheduled command line)."""
        try:
            texts = {key: data.get(key) or None for key in ("spec", "hub", "invite")}
            for key, value in texts.items():
                if value is not None and not isinstance(value, str):
                    raise TypeError(f"{key} must be a text")
            return cls(
                every_days=int(data["every_days"]),
                at=str(data.get("at") or DEFAULT_TIME),
                network_only=bool(data.get("network_only")),
                spec=texts["spec"],
                hub=texts["hub"],
                invite=texts["invite"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ScheduleError(
                _("The saved schedule is damaged ({reason}).").format(reason=exc)
            ) from None


def resolve_spec(value: str | None) -> str | None:
    """A spec file as an absolute path (the scheduler starts in another folder); a bundled
    profile name as it is."""
    if value is None:
        return None
    path = Path(value).expanduser()
    if path.exists() or value.endswith(".toml") or "/" in value or "\\" in value:
        if not path.is_file():
            raise ScheduleError(_("There is no spec file {path}.").format(path=value))
        return str(path.resolve())
    return value


def deskready_command() -> list[str]:
    """How the scheduler starts this very deskready: the bundle's program, the console
    script next to this Python, or ``python -m deskready``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    here = Path(sys.executable)
    for name in ("deskready", "deskready.exe"):
        script = here.with_name(name)
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    return [sys.executable, "-m", "deskready"]


def write_atomically(path: Path, data: bytes) -> None:
    """Write one of the scheduler's files (unit, task XML, plist): the old file or the whole
    new one, never half (the OS's scheduler may read it at any moment); 0600, as mkstemp
    makes it. The three schedulers share this one writer.

    Raises:
        OSError: the folder cannot be made or the disk is full (the old file stays).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_due(schedule: Schedule, last_run: datetime | None, now: datetime) -> bool:
    """True when ``schedule run`` should check now: never checked, or ``every_days`` have
    passed (an hour of slack, so a daily check at 10:00 is not skipped for starting at
    10:00 one day and 09:59:58 the next)."""
    if schedule.network_only or last_run is None:
        return True
    return now - last_run >= timedelta(days=schedule.every_days) - timedelta(hours=1)


def network_checks() -> list[str]:
    """The installed checks of :data:`NETWORK_CHECKS` (a missing one would make
    ``--only`` refuse the whole run every morning)."""
    from deskready.registry import discover_checks

    installed = discover_checks().checks
    return [c for c in NETWORK_CHECKS if c in installed] or list(NETWORK_CHECKS)
