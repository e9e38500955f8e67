"""``deskready schedule``: the options, install / status / remove on this Linux machine
(units in the test's own XDG_CONFIG_HOME; the tester's own systemd session is never
touched), and what ``schedule run`` does when the OS starts it."""

from __future__ import annotations

import json
import logging
import os
import shlex
import stat
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner, Result

from deskready.checks.i18n import set_language
from deskready.checks.platform import OS
from deskready.cli.main import cli
from deskready.schedule import systemd
from deskready.schedule.plan import NETWORK_CHECKS, Schedule, ScheduleError
from deskready.schedule.run import run_scheduled
from deskready.schedule.saved import last_run, last_run_path, save_schedule, schedule_path

#: The real probe, before the fixture replaces it.
REAL_PROBE = systemd.manager_reachable


@pytest.fixture(autouse=True)
def _own_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    # Never enable a timer in the session of whoever runs the tests.
    monkeypatch.setattr(systemd, "manager_reachable", lambda: False)
    yield
    set_language("en")
    logging.getLogger().setLevel(logging.WARNING)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200", "LANGUAGE": ""})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--every", "0d"], "--every takes a number of days from 1 to 365"),
        (["--every", "monthly"], "--every takes a number of days"),
        (["--daily", "--every", "3d"], "Give one of --every, --daily and --before-shift."),
        (["--before-shift", "25:00"], "A time is HH:MM on the 24-hour clock"),
        (["--daily", "--spec", "typical", "--invite", "X"], "--spec cannot be used with an invite"),
        (["--daily", "--hub", "https://hub.example"], "--hub needs --invite"),
        (["--daily", "--spec", "/nowhere/spec.toml"], "There is no spec file"),
        ([], "Say how often"),
    ],
)
def test_bad_options_are_one_clear_line(args, message):
    result = invoke("schedule", "install", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_interval_comes_from_the_specs_reverify(tmp_path):
    spec = tmp_path / "acme.toml"
    spec.write_text(
        '[employer]\nname = "ACME"\n[rules]\n"memory.total_gb" = { min = 1 }\n'
        "[reverify]\nevery_days = 14\n"
    )
    result = invoke("schedule", "install", "--spec", str(spec), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "a check every 14 days" in result.output
    assert "OnCalendar=*-*-* 10:00:00" in result.output
    assert not schedule_path().exists()  # a dry run changes nothing


def test_install_status_remove_on_linux(tmp_path):
    units = tmp_path / "config" / "systemd" / "user"
    result = invoke(
        "schedule", "install", "--before-shift", "8:30", "--hub", "https://hub.example",
        "--invite", "ABCD-1234",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "a network check before each shift, every day at 08:30" in result.output
    assert "systemctl --user daemon-reload && systemctl --user enable --now" in result.output
    assert (units / "deskready-check.timer").is_file()
    assert (
        systemd.verify([units / "deskready-check.timer", units / "deskready-check.service"]) == []
    )
    saved = schedule_path()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text())["invite"] == "ABCD-1234"

    status = invoke("schedule", "status")
    assert status.exit_code == 0, status.output
    assert "OnCalendar=*-*-* 08:30:00" in status.output
    assert "schedule run" in status.output
    data = json.loads(invoke("schedule", "status", "--json").output)
    assert data["registered"] is True
    assert data["schedule"]["network_only"] is True

    removed = invoke("schedule", "remove")
    assert removed.exit_code == 0, removed.output
    assert not (units / "deskready-check.timer").exists()
    assert not saved.exists()
    after = invoke("schedule", "status")
    assert after.exit_code == 1
    assert "No recurring check is scheduled." in after.output


class Recorder:
    def __init__(self, code: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.envs: list[dict[str, str]] = []
        self.code = code

    def __call__(self, args: list[str], timeout: float, env: Mapping[str, str]) -> int:
        assert timeout > 0
        self.calls.append(args)
        self.envs.append(dict(env))
        return self.code


def test_run_checks_only_when_due():
    save_schedule(Schedule(30, spec="/home/agent/acme.toml"))
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    runner = Recorder()
    first = run_scheduled(now=start, command=["deskready"], runner=runner)
    assert first.ran
    assert runner.calls == [
        ["deskready", "check", "--no-input", "--profile", "/home/agent/acme.toml"]
    ]
    assert last_run() == start
    assert not run_scheduled(
        now=start + timedelta(days=29), command=["deskready"], runner=runner
    ).ran
    assert run_scheduled(now=start + timedelta(days=30), command=["deskready"], runner=runner).ran
    assert len(runner.calls) == 2


def test_a_check_that_could_not_start_is_tried_again_next_time():
    save_schedule(Schedule(30))
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    failing = Recorder(code=2)
    assert run_scheduled(now=now, command=["deskready"], runner=failing).exit_code == 2
    assert last_run() is None
    assert run_scheduled(now=now + timedelta(days=1), command=["deskready"], runner=failing).ran


def test_before_shift_sends_the_outbox_then_checks_the_network_every_day():
    save_schedule(Schedule(1, "08:30", network_only=True, hub="https://hub.example", invite="C0DE"))
    runner = Recorder(code=1)
    now = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    run_scheduled(now=now, command=["deskready"], runner=runner)
    run_scheduled(now=now + timedelta(minutes=5), command=["deskready"], runner=runner)
    check = [
        "deskready", "check", "--no-input", "--hub", "https://hub.example",
        "--only", ",".join(NETWORK_CHECKS),
    ]  # fmt: skip
    assert runner.calls == [["deskready", "submit"], check] * 2
    # the invite code goes by the check's environment, never its command line (/proc/*/cmdline)
    assert runner.envs == [{}, {"DESKREADY_INVITE": "C0DE"}] * 2
    assert not any("C0DE" in arg for call in runner.calls for arg in call)


def test_run_without_a_schedule():
    result = invoke("schedule", "run")
    assert result.exit_code == 2
    assert "No check is scheduled" in result.output


def test_the_real_manager_probe_is_bounded():
    started = datetime.now()
    assert REAL_PROBE() in (True, False)
    assert datetime.now() - started < timedelta(seconds=systemd.COMMAND_TIMEOUT_S + 5)


def test_what_the_timer_starts_runs_a_real_check(deskready_bin, tmp_path):
    """Install with the real command, then run the unit's own ExecStart line twice: the
    first is a real check kept in the history, the second is not due yet."""
    spec = tmp_path / "acme.toml"
    spec.write_text(
        '[employer]\nname = "ACME Calls"\n[rules]\n"memory.total_gb" = { min = 0.5 }\n'
        '"cpu.logical_cores" = { min = 1 }\n[reverify]\nevery_days = 30\n'
    )
    # No XDG_RUNTIME_DIR or session bus: systemctl --user cannot reach anyone's manager.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "DESKREADY_HISTORY": "on",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "LANGUAGE": "",
        "COLUMNS": "120",
    }

    def run(args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)

    installed = run([deskready_bin, "schedule", "install", "--spec", str(spec)])
    assert installed.returncode == 0, installed.stderr
    assert "a check every 30 days" in installed.stdout
    service = (tmp_path / "config" / "systemd" / "user" / "deskready-check.service").read_text()
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    command = shlex.split(exec_start.removeprefix("ExecStart="))
    assert command[-2:] == ["schedule", "run"]

    first = run(command)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Your employer asks for a new check by" in first.stdout
    listed = json.loads(run([deskready_bin, "history", "--json"]).stdout)["runs"]
    assert [(r["employer"], r["verdict"]) for r in listed] == [("ACME Calls", "ready")]
    second = run(command)
    assert second.returncode == 0
    assert "The next scheduled check is not due yet." in second.stdout
    assert len(json.loads(run([deskready_bin, "history", "--json"]).stdout)["runs"]) == 1


def test_a_hand_edited_last_run_without_an_offset_is_local_time():
    save_schedule(Schedule(30))
    path = last_run_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"finished_at": "2026-11-30T10:00:00"}')
    assert last_run() == datetime(2026, 11, 30, 10, 0).astimezone()
    result = invoke("schedule", "run")  # compared with an aware now: no TypeError
    assert result.exit_code == 0, result.output
    assert "not due yet" in result.output


def test_a_last_run_that_cannot_be_written_is_one_clear_line(monkeypatch):
    save_schedule(Schedule(30))

    def full_disk(path, value):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("deskready.schedule.saved.write_private", full_disk)
    with pytest.raises(ScheduleError, match="Cannot note the scheduled check"):
        run_scheduled(command=["deskready"], runner=Recorder())
    # the command turns it into one line and exit 2, not a traceback
    monkeypatch.setattr(
        "deskready.schedule.run.run_scheduled",
        lambda: run_scheduled(command=["deskready"], runner=Recorder()),
    )
    result = invoke("schedule", "run")
    assert result.exit_code == 2
    assert "Cannot note the scheduled check" in result.output
    assert "No space left on device" in result.output


def test_a_scheduler_tool_that_hangs_is_one_clear_line(monkeypatch):
    """systemctl (or schtasks, launchctl) past its time limit: exit 2, not a traceback."""

    def hung(args, env=None):
        raise subprocess.TimeoutExpired(args, systemd.COMMAND_TIMEOUT_S)

    monkeypatch.setattr(systemd, "manager_reachable", lambda: True)
    monkeypatch.setattr(systemd, "_run", hung)
    monkeypatch.setattr("deskready.schedule.system.current_os", lambda: OS.LINUX)
    result = invoke("schedule", "install", "--daily")
    assert result.exit_code == 2, result.output
    assert "Cannot install the schedule" in result.output
    removed = invoke("schedule", "remove")
    assert removed.exit_code == 2, removed.output
    assert "Cannot remove the schedule" in removed.output


def test_a_schedule_edited_by_hand_is_refused_with_the_reason():
    path = schedule_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"version": 1, "every_days": 30, "spec": 5}')
    result = invoke("schedule", "run")
    assert result.exit_code == 2, result.output
    assert "The saved schedule is damaged (spec must be a text)." in result.output
