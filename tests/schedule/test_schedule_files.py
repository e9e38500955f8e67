"""The files each OS scheduler gets, validated for real where this machine can:
systemd units with ``systemd-analyze --user verify``; Task Scheduler XML against the schema
assembled from [MS-TSCH] §2.5 (tests/data/schedule/task.xsd, see its header); launchd
property lists through a plistlib round trip and launchd.plist(5)'s documented keys."""

from __future__ import annotations

import plistlib
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from deskready.schedule import launchd, systemd, windows
from deskready.schedule.plan import Schedule, ScheduleError
from tests.conftest import DATA

SCHEDULES = {
    "every-30-days": Schedule(30, "10:00", spec="/home/agent/acme spec.toml"),
    "daily": Schedule(1, "07:05"),
    "before-shift": Schedule(
        1, "08:30", network_only=True, hub="https://hub.example", invite="ABCD-1234"
    ),
}

needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)


@pytest.fixture
def units(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "systemd" / "user"


def write_units(where: Path, schedule: Schedule, command: list[str]) -> list[Path]:
    where.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in systemd.render(schedule, command).items():
        (where / name).write_text(text)
        paths.append(where / name)
    return paths


@needs_systemd
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_systemd_units_verify_clean(units, deskready_bin, name):
    paths = write_units(units, SCHEDULES[name], [deskready_bin])
    assert systemd.verify(paths) == []
    timer = (units / systemd.TIMER).read_text()
    schedule = SCHEDULES[name]
    assert f"OnCalendar=*-*-* {schedule.at}:00" in timer
    assert "Persistent=true" in timer


@needs_systemd
def test_systemd_quoting_survives_a_path_with_spaces_and_percent(units, tmp_path, deskready_bin):
    odd = tmp_path / "Agent tools 100%"
    odd.mkdir()
    (odd / "deskready").symlink_to(deskready_bin)
    paths = write_units(units, SCHEDULES["daily"], [str(odd / "deskready")])
    service = (units / systemd.SERVICE).read_text()
    assert 'tools 100%%/deskready" schedule run' in service
    assert systemd.verify(paths) == []
    with pytest.raises(ScheduleError, match="quotes or backslashes"):
        systemd.render(SCHEDULES["daily"], ["/home/o'neil/bin/deskready"])


@needs_systemd
def test_the_verifier_catches_a_broken_unit(units, deskready_bin):
    paths = write_units(units, SCHEDULES["daily"], [deskready_bin])
    timer = units / systemd.TIMER
    timer.write_text(timer.read_text().replace("07:05:00", "27:05:00"))
    problems = systemd.verify(paths)
    assert any("calendar" in line.lower() for line in problems), problems
    service = units / systemd.SERVICE
    service.write_text(service.read_text().replace(deskready_bin, "/nonexistent/deskready"))
    assert any("nonexistent" in line for line in systemd.verify([service]))


SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "schedule" / "task.xsd")))
EXE = r"C:\Users\agent\AppData\Local\Programs\deskready\deskready.exe"


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_task_xml_is_valid_against_the_task_schema(name):
    xml = windows.render(SCHEDULES[name], [EXE], user=r"ACME\agent", now=datetime(2026, 12, 1))
    assert xml.startswith(b"\xff\xfe")  # UTF-16 with its byte-order mark, as schtasks wants
    document = etree.fromstring(xml)
    assert SCHEMA.validate(document), SCHEMA.error_log
    info = windows.read_task(xml)
    assert info.time == SCHEDULES[name].at
    assert info.days_interval == 1
    assert info.command == EXE
    assert info.arguments == "schedule run"


def test_the_schema_refuses_what_windows_would_refuse():
    xml = windows.render(SCHEDULES["daily"], [EXE]).decode("utf-16")
    for broken in (
        xml.replace("<DaysInterval>1</DaysInterval>", "<DaysInterval>0</DaysInterval>"),
        xml.replace("InteractiveToken", "Interactive"),
        xml.replace("<Command>" + EXE + "</Command>", "<Command></Command>"),
        xml.replace("<Actions", "<Nothing").replace("</Actions>", "</Nothing>"),
    ):
        assert not SCHEMA.validate(etree.fromstring(broken.encode("utf-16")))


def test_schtasks_query_output_reads_back():
    info = windows.read_task((DATA / "schedule" / "schtasks_query.xml").read_bytes())
    assert info.time == "10:00"
    assert info.days_interval == 1
    assert info.command is not None
    assert info.command.endswith(r"\deskready.exe")
    assert info.arguments == "schedule run"
    assert info.enabled is True
    with pytest.raises(ValueError, match="not a Task"):
        windows.read_task("<plist/>")


def test_arguments_are_quoted_the_windows_way():
    python = r"C:\Program Files\Python311\python.exe"
    xml = windows.render(SCHEDULES["daily"], [python, "-m", "deskready"])
    assert windows.read_task(xml).arguments == "-m deskready schedule run"


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_launchd_plist_round_trips_and_uses_documented_keys(name, tmp_path):
    plist = launchd.render(
        SCHEDULES[name], ["/Applications/deskready.app/Contents/MacOS/deskready"], tmp_path
    )
    data = plistlib.dumps(plist)
    assert plistlib.loads(data) == plist
    assert launchd.plist_problems(plist) == []
    assert plist["StartCalendarInterval"] == {
        "Hour": SCHEDULES[name].hour,
        "Minute": SCHEDULES[name].minute,
    }
    (tmp_path / "Library" / "LaunchAgents").mkdir(parents=True)
    launchd.agent_path(tmp_path).write_bytes(data)
    assert launchd.installed(tmp_path) == plist


def test_launchd_problems_are_found():
    assert launchd.plist_problems(
        {
            "Label": "x",
            "ProgramArguments": [],
            "StartCalendarInterval": {"Hour": 24, "Minute": True, "Second": 1},
            "KeepAlive": True,
            "ProcessType": "Fast",
        }
    ) == [
        "unknown key KeepAlive",
        "ProgramArguments must be a non-empty list of strings",
        "StartCalendarInterval Hour out of range",
        "StartCalendarInterval Minute must be an integer",
        "StartCalendarInterval: unknown key Second",
        "ProcessType is not one of Background, Standard, Adaptive, Interactive",
    ]


def test_the_invite_stays_out_of_every_os_file(tmp_path):
    schedule = SCHEDULES["before-shift"]
    texts = [
        "".join(systemd.render(schedule, ["/usr/bin/deskready"]).values()),
        windows.render(schedule, [EXE]).decode("utf-16"),
        plistlib.dumps(launchd.render(schedule, ["/usr/bin/deskready"], tmp_path)).decode(),
    ]
    for text in texts:
        assert "ABCD-1234" not in text
        assert "schedule run" in text or "<string>schedule</string>" in text


def test_a_scheduler_file_is_the_old_or_the_whole_new_one(tmp_path, monkeypatch):
    """The one writer of unit, task and plist files: a failed write leaves the old file
    and no temporary file beside it."""
    import os
    import stat

    from deskready.schedule.plan import write_atomically

    path = tmp_path / "units" / "deskready-check.timer"
    write_atomically(path, b"old")
    assert path.read_bytes() == b"old"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
