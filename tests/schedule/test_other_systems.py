"""Install, status and remove for Windows and macOS on this Linux machine: the OS tools
(schtasks, launchctl) are replaced by recorders that answer as the tools do, so what is
written and what would be run is checked, and status reads back the tools' output."""

from __future__ import annotations

import os
import plistlib
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from deskready.checks.platform import OS
from deskready.schedule import launchd, system, windows
from deskready.schedule.plan import Schedule
from tests.conftest import DATA

SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "schedule" / "task.xsd")))
EXE = r"C:\Users\agent\AppData\Local\Programs\deskready\deskready.exe"


@pytest.fixture(autouse=True)
def _own_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


class Tool:
    """Answers like a command-line tool and remembers what it was asked."""

    def __init__(self, answers: dict[str, tuple[int, bytes | str]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, *args: str):
        self.calls.append(args)
        code, out = self.answers.get(args[0], (0, b""))
        return subprocess.CompletedProcess(
            ["tool", *args], code, out, b"" if isinstance(out, bytes) else ""
        )


def test_windows_install_status_remove(monkeypatch):
    recorded = (DATA / "schedule" / "schtasks_query.xml").read_bytes()
    tool = Tool({"/Query": (0, recorded)})
    monkeypatch.setattr(windows, "_schtasks", tool)
    monkeypatch.setenv("USERDOMAIN", "ACME")
    monkeypatch.setenv("USERNAME", "agent")
    schedule = Schedule(30, invite="SECRET-CODE")
    result = system.install(schedule, [EXE], OS.WINDOWS)
    assert result.ok
    create = tool.calls[0]
    assert create[:4] == ("/Create", "/TN", r"\deskready\Check", "/XML")
    assert create[5] == "/F"
    written = Path(create[4]).read_bytes()
    assert SCHEMA.validate(etree.fromstring(written)), SCHEMA.error_log
    assert "<UserId>ACME\\agent</UserId>" in written.decode("utf-16")
    assert "SECRET-CODE" not in written.decode("utf-16")

    state = system.status(OS.WINDOWS)
    assert state.registered
    assert state.schedule == schedule
    assert state.details[0].endswith(r"\deskready.exe schedule run")
    assert state.details[1] == "daily at 10:00"

    system.remove(OS.WINDOWS)
    assert tool.calls[-1] == ("/Delete", "/TN", r"\deskready\Check", "/F")
    tool.answers["/Query"] = (1, b"")  # what schtasks says for a task that is not there
    assert not system.status(OS.WINDOWS).registered


def test_windows_install_reports_schtasks_refusing(monkeypatch):
    tool = Tool({"/Create": (1, b"")})
    monkeypatch.setattr(windows, "_schtasks", tool)
    result = system.install(Schedule(1), [EXE], OS.WINDOWS)
    assert not result.ok
    assert result.lines == ["schtasks /Create failed: 1"]


def test_macos_install_status_remove(monkeypatch, tmp_path):
    tool = Tool({})
    monkeypatch.setattr(launchd, "_launchctl", tool)
    app = "/Applications/deskready.app/Contents/MacOS/deskready"
    result = system.install(Schedule(1, "08:15", network_only=True), [app], OS.MACOS)
    assert result.ok
    path = tmp_path / "home" / "Library" / "LaunchAgents" / "com.deskready.check.plist"
    plist = plistlib.loads(path.read_bytes())
    assert plist["ProgramArguments"] == [app, "schedule", "run"]
    assert plist["StartCalendarInterval"] == {"Hour": 8, "Minute": 15}
    assert launchd.plist_problems(plist) == []
    domain = f"gui/{os.getuid()}"
    assert tool.calls == [
        ("bootout", f"{domain}/com.deskready.check"),
        ("bootstrap", domain, str(path)),
    ]

    state = system.status(OS.MACOS)
    assert state.registered
    assert state.details[0] == f"{app} schedule run"

    system.remove(OS.MACOS)
    assert not path.exists()
    assert not system.status(OS.MACOS).registered
