"""Windows: a Task Scheduler task, written as task XML and registered with ``schtasks``.

The XML follows the task schema of [MS-TSCH] §2.5 ("XML Task Definition Format",
namespace ``http://schemas.microsoft.com/windows/2004/02/mit/task``): a CalendarTrigger
``ScheduleByDay`` at the schedule's time, ``StartWhenAvailable`` so a day the computer was
off runs at the next chance, the agent's own interactive logon at least privilege, and one
``Exec`` action. ``schtasks /Create /XML`` wants the file in UTF-16 with its byte-order
mark. ``schtasks /Query /XML`` gives the task back the same way, which is what
``schedule status`` reads (:func:`read_task`).
"""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from deskready.checks.i18n import _
from deskready.schedule.plan import RUN_TIMEOUT_S, Schedule, write_atomically

NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
TASK_NAME = r"\deskready\Check"
COMMAND_TIMEOUT_S = 30.0


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def render(
    schedule: Schedule, command: list[str], *, user: str | None = None, now: datetime | None = None
) -> bytes:
    """The task XML (UTF-16 with BOM), for ``user`` (``DOMAIN\\name``; None: the account
    that registers it)."""
    start = (now or datetime.now()).replace(
        hour=schedule.hour, minute=schedule.minute, second=0, microsecond=0
    )
    ET.register_namespace("", NS)
    task = ET.Element(_q("Task"), {"version": "1.2"})
    info = ET.SubElement(task, _q("RegistrationInfo"))
    ET.SubElement(info, _q("Author")).text = "deskready"
    ET.SubElement(info, _q("Description")).text = "deskready: " + schedule.describe()
    ET.SubElement(info, _q("URI")).text = TASK_NAME
    triggers = ET.SubElement(task, _q("Triggers"))
    trigger = ET.SubElement(triggers, _q("CalendarTrigger"))
    ET.SubElement(trigger, _q("StartBoundary")).text = start.isoformat(timespec="seconds")
    if not schedule.network_only:
        ET.SubElement(trigger, _q("RandomDelay")).text = "PT30M"
    by_day = ET.SubElement(trigger, _q("ScheduleByDay"))
    ET.SubElement(by_day, _q("DaysInterval")).text = "1"
    principals = ET.SubElement(task, _q("Principals"))
    principal = ET.SubElement(principals, _q("Principal"), {"id": "Author"})
    if user:
        ET.SubElement(principal, _q("UserId")).text = user
    ET.SubElement(principal, _q("LogonType")).text = "InteractiveToken"
    ET.SubElement(principal, _q("RunLevel")).text = "LeastPrivilege"
    settings = ET.SubElement(task, _q("Settings"))
    for tag, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("StartWhenAvailable", "true"),
        ("Enabled", "true"),
        ("ExecutionTimeLimit", f"PT{RUN_TIMEOUT_S // 60}M"),
    ):
        ET.SubElement(settings, _q(tag)).text = value
    actions = ET.SubElement(task, _q("Actions"), {"Context": "Author"})
    exec_ = ET.SubElement(actions, _q("Exec"))
    ET.SubElement(exec_, _q("Command")).text = command[0]
    ET.SubElement(exec_, _q("Arguments")).text = subprocess.list2cmdline(
        [*command[1:], "schedule", "run"]
    )
    ET.indent(task, space="  ")
    text = '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode")
    return text.encode("utf-16")  # Python writes the byte-order mark


@dataclass(frozen=True)
class TaskInfo:
    """What ``schtasks /Query /XML`` says about the installed task."""

    time: str | None
    days_interval: int | None
    command: str | None
    arguments: str | None
    enabled: bool


def read_task(xml: bytes | str) -> TaskInfo:
    """Parse the task XML as ``schtasks /Query /TN … /XML`` prints it.

    Raises:
        ValueError: not task XML.
    """
    try:
        root = ET.fromstring(xml.decode("utf-16") if isinstance(xml, bytes) else xml)
    except (ET.ParseError, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from None
    if root.tag != _q("Task"):
        raise ValueError("not a Task Scheduler task")

    def text(path: str) -> str | None:
        found = root.find(path, {"t": NS})
        return found.text.strip() if found is not None and found.text else None

    start = text("t:Triggers/t:CalendarTrigger/t:StartBoundary")
    interval = text("t:Triggers/t:CalendarTrigger/t:ScheduleByDay/t:DaysInterval")
    return TaskInfo(
        time=start[11:16] if start and len(start) >= 16 else None,
        days_interval=int(interval) if interval and interval.isdigit() else None,
        command=text("t:Actions/t:Exec/t:Command"),
        arguments=text("t:Actions/t:Exec/t:Arguments"),
        enabled=(text("t:Settings/t:Enabled") or "true").lower() == "true",
    )


def _schtasks(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["schtasks", *args],
        capture_output=True,
        timeout=COMMAND_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _user() -> str | None:
    name = os.environ.get("USERNAME")
    domain = os.environ.get("USERDOMAIN")
    return f"{domain}\\{name}" if name and domain else name


def install(schedule: Schedule, command: list[str], folder: Path) -> list[str]:
    """Write the XML into ``folder`` and register it (replacing an earlier one)."""
    path = folder / "deskready-check.xml"
    write_atomically(path, render(schedule, command, user=_user()))
    done = _schtasks("/Create", "/TN", TASK_NAME, "/XML", str(path), "/F")
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip() or str(done.returncode)
        return [_("schtasks /Create failed: {reason}").format(reason=reason)]
    return []


def remove() -> list[str]:
    done = _schtasks("/Delete", "/TN", TASK_NAME, "/F")
    if done.returncode != 0:
        return [done.stderr.decode(errors="replace").strip()]
    return []


def query() -> TaskInfo | None:
    """The installed task, or None when there is none."""
    try:
        done = _schtasks("/Query", "/TN", TASK_NAME, "/XML")
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        return read_task(done.stdout[:1_000_000])
    except ValueError:
        return None
