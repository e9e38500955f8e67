"""``deskready schedule run``: what the OS scheduler starts once a day.

It reads the saved schedule, does nothing when the next check is not due yet
(:func:`deskready.schedule.plan.is_due`), first sends reports still waiting in the outbox
(``deskready submit``), then runs the headless ``deskready check`` as a child process with
a time limit: the check is the same command the agent runs, its report is kept in the
history and, with a hub, delivered or kept in the outbox for the next time.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from deskready.checks.i18n import _
from deskready.schedule.plan import (
    RUN_TIMEOUT_S,
    Schedule,
    deskready_command,
    is_due,
    network_checks,
)
from deskready.schedule.saved import last_run, load_schedule, record_last_run

#: Exit codes of a check that finished (READY, NOT_READY, INCOMPLETE): it counts as done.
FINISHED = (0, 1, 3)
SUBMIT_TIMEOUT_S = 120


@dataclass(frozen=True)
class Ran:
    """What one ``schedule run`` did."""

    ran: bool
    exit_code: int
    reason: str


#: Runs a command line within a time, with variables added to its environment.
Runner = Callable[[list[str], float, Mapping[str, str]], int]


def _subprocess(args: list[str], timeout: float, env: Mapping[str, str]) -> int:
    try:
        return subprocess.run(
            args,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
            env={**os.environ, **env},
        ).returncode
    except subprocess.TimeoutExpired:
        return 124  # what timeout(1) says for "ran out of time"
    except OSError:
        return 127


def run_scheduled(
    *,
    now: datetime | None = None,
    command: list[str] | None = None,
    runner: Runner = _subprocess,
    schedule: Schedule | None = None,
) -> Ran:
    """One scheduled start; ``runner`` runs a command line (a test passes a recorder)."""
    schedule = schedule or load_schedule()
    if schedule is None:
        return Ran(False, 2, _("No check is scheduled; see 'deskready schedule install'."))
    now = now or datetime.now(UTC)
    if not is_due(schedule, last_run(), now):
        return Ran(False, 0, _("The next scheduled check is not due yet."))
    command = command or deskready_command()
    if schedule.invite:
        runner([*command, "submit"], SUBMIT_TIMEOUT_S, {})  # what waits goes first
    network = network_checks() if schedule.network_only else ()
    code = runner([*command, *schedule.check_args(network)], RUN_TIMEOUT_S, schedule.check_env())
    if code in FINISHED:
        record_last_run(code, now)
    return Ran(True, code, "")
