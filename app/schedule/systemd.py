"""Linux: a systemd user timer and the oneshot service it starts.

The files go to ``$XDG_CONFIG_HOME/systemd/user/`` (``~/.config/systemd/user``), where the
user's own systemd manager reads them; no root needed. ``OnCalendar`` fires daily at the
schedule's time and ``Persistent=true`` catches a day the computer was off
(systemd.timer(5)). ``systemctl --user`` is only called when a user manager answers (a
desktop session has one; a container, an SSH login without lingering, or CI often does
not); otherwise the agent is told the two commands to run.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from deskready.checks.i18n import _
from deskready.schedule.plan import (
    NAME,
    RUN_TIMEOUT_S,
    Schedule,
    ScheduleError,
    write_atomically,
)

SERVICE = f"{NAME}.service"
TIMER = f"{NAME}.timer"
#: Timeout of each systemctl / systemd-analyze call.
COMMAND_TIMEOUT_S = 20.0
#: States of ``systemctl --user is-system-running`` that mean a manager answers.
_MANAGER_UP = {"running", "degraded", "starting", "initializing", "maintenance"}
_PLAIN = re.compile(r"^[A-Za-z0-9_@%+=:,./-]+$")


def unit_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def quote(arg: str) -> str:
    """One ExecStart word (systemd.service(5) "Command lines"): ``%`` and ``$`` doubled
    (specifiers, variables), and double quotes around anything not plain."""
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if _PLAIN.match(arg):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(schedule: Schedule, command: list[str]) -> dict[str, str]:
    """File name -> contents of the service and the timer.

    Raises:
        ScheduleError: the program's path has a character systemd refuses in an
            executable path (quotes, backslashes, control characters).
    """
    if any(c in command[0] for c in "'\"\\") or not command[0].isprintable():
        raise ScheduleError(
            _(
                "systemd cannot start a program whose path holds quotes or backslashes: {path}. "
                "Install deskready in another folder."
            ).format(path=command[0])
        )
    exec_start = " ".join(quote(a) for a in [*command, "schedule", "run"])
    service = "\n".join(
        [
            "[Unit]",
            "Description=deskready: check this home office against the employer's spec",
            "",
            "[Service]",
            "Type=oneshot",
            f"ExecStart={exec_start}",
            f"TimeoutStartSec={RUN_TIMEOUT_S // 60}min",
            "Nice=10",
            "",
        ]
    )
    # Before a shift the check must run at the time asked; a regular check may wait up
    # to half an hour, so not every agent's computer tests the hub at the same minute.
    delay = "0" if schedule.network_only else "30min"
    timer = "\n".join(
        [
            "[Unit]",
            f"Description=deskready: {schedule.describe()}",
            "",
            "[Timer]",
            f"OnCalendar=*-*-* {schedule.hour:02d}:{schedule.minute:02d}:00",
            "Persistent=true",
            f"RandomizedDelaySec={delay}",
            "AccuracySec=1min",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]
    )
    return {SERVICE: service, TIMER: timer}


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        env=env,
        check=False,
    )


def manager_reachable() -> bool:
    """True when ``systemctl --user`` reaches a running user manager."""
    try:
        done = _run(["systemctl", "--user", "is-system-running"])
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.stdout.strip() in _MANAGER_UP


def verify(paths: list[Path]) -> list[str]:
    """What ``systemd-analyze --user verify`` says about the unit files (empty: fine).

    It needs ``XDG_RUNTIME_DIR`` even when no user manager runs (root in CI, a container);
    a private one is made for the call when the session has none.

    Raises:
        FileNotFoundError: systemd-analyze is not installed.
    """
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="deskready-runtime-") as runtime:
        if not env.get("XDG_RUNTIME_DIR") or not Path(env["XDG_RUNTIME_DIR"]).is_dir():
            env["XDG_RUNTIME_DIR"] = runtime
        env.setdefault("XDG_CONFIG_HOME", str(unit_dir().parent.parent))
        done = _run(["systemd-analyze", "--user", "verify", *map(str, paths)], env)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    if done.returncode != 0 and not lines:
        lines = [f"systemd-analyze exited with {done.returncode}"]
    return lines


@dataclass
class Outcome:
    """What install/remove did: the files, and lines for the agent."""

    files: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    active: bool = False


def install(schedule: Schedule, command: list[str]) -> Outcome:
    where = unit_dir()
    outcome = Outcome()
    for name, text in render(schedule, command).items():
        write_atomically(where / name, text.encode("utf-8"))
        outcome.files.append(where / name)
    if not manager_reachable():
        outcome.lines.append(
            _(
                "No systemd user manager answers in this session, so the timer is not started "
                "yet. In your desktop session, run: {command}"
            ).format(
                command=f"systemctl --user daemon-reload && systemctl --user enable --now {TIMER}"
            )
        )
        return outcome
    for args in (["daemon-reload"], ["enable", "--now", TIMER]):
        done = _run(["systemctl", "--user", *args])
        if done.returncode != 0:
            outcome.lines.append(
                _("systemctl --user {args} failed: {reason}").format(
                    args=" ".join(args), reason=done.stderr.strip() or done.returncode
                )
            )
            return outcome
    outcome.active = True
    return outcome


def remove() -> Outcome:
    outcome = Outcome()
    if manager_reachable():
        _run(["systemctl", "--user", "disable", "--now", TIMER])
    for name in (TIMER, SERVICE):
        path = unit_dir() / name
        if path.exists():
            path.unlink()
            outcome.files.append(path)
    if manager_reachable():
        _run(["systemctl", "--user", "daemon-reload"])
    return outcome


def installed() -> dict[str, str]:
    """The unit files as they are on disk (name -> text), empty when none."""
    out = {}
    for name in (SERVICE, TIMER):
        path = unit_dir() / name
        if path.is_file():
            with path.open("rb") as unit:  # bounded: a unit is a few hundred bytes
                out[name] = unit.read(65536).decode("utf-8", errors="replace")
    return out


def timer_state() -> str | None:
    """``active``/``inactive``… of the timer, or None when no user manager answers."""
    if not manager_reachable():
        return None
    done = _run(["systemctl", "--user", "is-active", TIMER])
    return done.stdout.strip() or None
