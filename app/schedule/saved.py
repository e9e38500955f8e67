"""Where a schedule and its last run are kept: ``<config dir>/deskready/schedule.json``
(the schedule, with the invite: mode 0600) and ``<data dir>/deskready/schedule-last.json``
(when the last scheduled check finished, and how). Both written atomically and read
bounded, through :mod:`deskready.hubclient.store`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deskready.checks.i18n import _
from deskready.hubclient.store import (
    ReadProblem,
    config_dir,
    data_dir,
    read_json,
    write_private,
)
from deskready.schedule.plan import Schedule, ScheduleError


def schedule_path() -> Path:
    return config_dir() / "schedule.json"


def last_run_path() -> Path:
    return data_dir() / "schedule-last.json"


def save_schedule(schedule: Schedule) -> Path:
    path = schedule_path()
    try:
        write_private(path, schedule.to_json())
    except OSError as exc:
        raise ScheduleError(
            _("Cannot save the schedule in {path}: {reason}").format(path=path, reason=exc)
        ) from None
    return path


def load_schedule() -> Schedule | None:
    """The saved schedule, or None when there is none."""
    try:
        data = read_json(schedule_path())
    except FileNotFoundError:
        return None
    except ReadProblem as exc:
        raise ScheduleError(
            _("Cannot read the schedule in {path}: {reason}").format(
                path=schedule_path(), reason=exc.reason
            )
        ) from None
    if not isinstance(data, dict):
        raise ScheduleError(_("The saved schedule is damaged ({reason}).").format(reason="json"))
    return Schedule.from_json(data)


def forget_schedule() -> None:
    schedule_path().unlink(missing_ok=True)
    last_run_path().unlink(missing_ok=True)


def last_run() -> datetime | None:
    """When the last scheduled check finished (None: never, or not readable).

    A time without a UTC offset (the file edited by hand: deskready always writes one) is
    taken as the computer's local time, so :func:`~deskready.schedule.plan.is_due` can
    compare it with the aware ``now`` instead of failing with a TypeError.
    """
    try:
        data: Any = read_json(last_run_path())
        moment = datetime.fromisoformat(str(data["finished_at"]))
    except (FileNotFoundError, ReadProblem, KeyError, TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.astimezone()


def record_last_run(exit_code: int, when: datetime | None = None) -> None:
    """Note that a scheduled check finished (atomically, 0600).

    Raises:
        ScheduleError: the file cannot be written (a full disk, a read-only folder).
    """
    moment = when or datetime.now(UTC)
    path = last_run_path()
    try:
        write_private(
            path, {"finished_at": moment.isoformat(timespec="seconds"), "exit": exit_code}
        )
    except OSError as exc:
        raise ScheduleError(
            _("Cannot note the scheduled check in {path}: {reason}").format(path=path, reason=exc)
        ) from None
