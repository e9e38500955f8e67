"""macOS: a launchd agent in ``~/Library/LaunchAgents``, loaded with ``launchctl bootstrap``.

``StartCalendarInterval`` starts the job daily at the schedule's time; launchd runs a start
missed during sleep when the Mac wakes (launchd.plist(5)). :func:`plist_problems` checks a
property list against the keys and types Apple documents in launchd.plist(5) for the keys
deskready writes, since ``plutil -lint`` exists only on a Mac.
"""

from __future__ import annotations

import os
import plistlib
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deskready.checks.i18n import _
from deskready.schedule.plan import Schedule, write_atomically

LABEL = "com.deskready.check"
COMMAND_TIMEOUT_S = 20.0
#: launchd.plist(5): the keys deskready may write, with their documented types.
KNOWN_KEYS: dict[str, type | tuple[type, ...]] = {
    "Label": str,
    "ProgramArguments": list,
    "StartCalendarInterval": (dict, list),
    "RunAtLoad": bool,
    "ProcessType": str,
    "StandardOutPath": str,
    "StandardErrorPath": str,
    "ExitTimeOut": int,
    "Nice": int,
    "LowPriorityIO": bool,
}
#: launchd.plist(5) StartCalendarInterval: the keys and their ranges.
CALENDAR_KEYS = {
    "Minute": (0, 59),
    "Hour": (0, 23),
    "Day": (1, 31),
    "Weekday": (0, 7),
    "Month": (1, 12),
}
PROCESS_TYPES = ("Background", "Standard", "Adaptive", "Interactive")


def agent_path(home: Path | None = None) -> Path:
    return (home or Path.home()) / "Library" / "LaunchAgents" / f"{LABEL}.plist"


def log_path(home: Path | None = None) -> Path:
    return (home or Path.home()) / "Library" / "Logs" / "deskready-check.log"


def render(schedule: Schedule, command: list[str], home: Path | None = None) -> dict[str, Any]:
    return {
        "Label": LABEL,
        "ProgramArguments": [*command, "schedule", "run"],
        "StartCalendarInterval": {"Hour": schedule.hour, "Minute": schedule.minute},
        "RunAtLoad": False,
        "ProcessType": "Background",
        "LowPriorityIO": True,
        "StandardOutPath": str(log_path(home)),
        "StandardErrorPath": str(log_path(home)),
    }


def plist_problems(plist: Mapping[str, Any]) -> list[str]:
    """Every way ``plist`` breaks launchd.plist(5) for the keys deskready uses.

    An invariant of :func:`render` (its output must never break one), checked before
    launchd sees the file; the words are for a bug report, so they stay in English.
    """
    problems = []
    for key, value in plist.items():
        wanted = KNOWN_KEYS.get(key)
        if wanted is None:
            problems.append(f"unknown key {key}")
        elif not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            problems.append(f"{key} has the wrong type ({type(value).__name__})")
    for key in ("Label", "ProgramArguments"):
        if key not in plist:
            problems.append(f"{key} is missing")
    arguments = plist.get("ProgramArguments")
    if isinstance(arguments, list) and (
        not arguments or not all(isinstance(a, str) and a for a in arguments)
    ):
        problems.append("ProgramArguments must be a non-empty list of strings")
    intervals = plist.get("StartCalendarInterval")
    for interval in intervals if isinstance(intervals, list) else [intervals] if intervals else []:
        if not isinstance(interval, dict):
            problems.append("StartCalendarInterval holds a non-dictionary")
            continue
        for key, value in interval.items():
            limits = CALENDAR_KEYS.get(key)
            if limits is None:
                problems.append(f"StartCalendarInterval: unknown key {key}")
            elif isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"StartCalendarInterval {key} must be an integer")
            elif not limits[0] <= value <= limits[1]:
                problems.append(f"StartCalendarInterval {key} out of range")
    if plist.get("ProcessType", "Standard") not in PROCESS_TYPES:
        problems.append("ProcessType is not one of " + ", ".join(PROCESS_TYPES))
    return problems


def _launchctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["launchctl", *args],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def install(schedule: Schedule, command: list[str]) -> list[str]:
    plist = render(schedule, command)
    problems = plist_problems(plist)
    if problems:
        return problems
    path = agent_path()
    log_path().parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, plistlib.dumps(plist))
    domain = f"gui/{os.getuid()}"
    _launchctl("bootout", f"{domain}/{LABEL}")  # an earlier version; fine when none
    done = _launchctl("bootstrap", domain, str(path))
    if done.returncode != 0:
        return [_("launchctl bootstrap failed: {reason}").format(reason=done.stderr.strip())]
    return []


def remove() -> list[str]:
    path = agent_path()
    _launchctl("bootout", f"gui/{os.getuid()}/{LABEL}")
    path.unlink(missing_ok=True)
    return []


def installed(home: Path | None = None) -> dict[str, Any] | None:
    path = agent_path(home)
    if not path.is_file():
        return None
    try:
        with path.open("rb") as src:
            data = plistlib.loads(src.read(65536))
    except (plistlib.InvalidFileException, ValueError, OSError):
        return None
    return data if isinstance(data, dict) else None
