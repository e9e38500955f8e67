"""When the employer wants the next check: the last complete run against the spec plus the
spec's ``[reverify] every_days`` (docs/spec.md, docs/history.md).

Only a run that covered the whole spec counts (``scope.complete``): a quick before-shift
network check or a run with ``--only`` is no re-verification. The spec is matched by the
sha256 of its exact bytes, so a changed spec asks for a check against the new one. The
verdict does not matter here: a NOT READY run is still the check the employer asked for,
and its own report says what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from deskready.checks.i18n import _, ngettext
from deskready.checks.l10n import format_date
from deskready.history.store import HistoryError, HistoryStore, Run, enabled


@dataclass(frozen=True)
class Due:
    """The re-verification state of one spec.

    Attributes:
        every_days: the spec's interval.
        last: the last complete run against the spec, or None (never checked).
        due: the day the next check is due (None: never checked, due now).
    """

    every_days: int
    last: datetime | None
    due: date | None

    def overdue_days(self, today: date) -> int:
        """Days past the due date (0 when not yet due; never checked counts as due today)."""
        if self.due is None:
            return 0
        return max(0, (today - self.due).days)

    def sentence(self, today: date | None = None) -> str:
        """The one sentence the CLI, the GUI banner and ``deskready history due`` show."""
        today = today or date.today()
        if self.due is None:
            return ngettext(
                "Your employer asks for a complete check every {days} day; there is none yet "
                "against this spec, so one is due now.",
                "Your employer asks for a complete check every {days} days; there is none yet "
                "against this spec, so one is due now.",
                self.every_days,
            ).format(days=self.every_days)
        when = format_date(datetime.combine(self.due, datetime.min.time()))
        late = self.overdue_days(today)
        if late > 0:
            return ngettext(
                "Your employer asked for a new check by {date}; it is {days} day overdue.",
                "Your employer asked for a new check by {date}; it is {days} days overdue.",
                late,
            ).format(date=when, days=late)
        if self.due == today:
            return _("Your employer asks for a new check by today, {date}.").format(date=when)
        return _("Your employer asks for a new check by {date}.").format(date=when)


def due_from(every_days: int, last: Run | None) -> Due:
    """The due date ``every_days`` after the last complete run (in its own local date)."""
    if last is None:
        return Due(every_days, None, None)
    moment = last.created_at.astimezone()
    return Due(every_days, moment, moment.date() + timedelta(days=every_days))


def due_for(
    spec_sha256: str, every_days: int | None, store: HistoryStore | None = None
) -> Due | None:
    """The re-verification state of a spec, or None when it asks for none, the history is
    off (``DESKREADY_HISTORY=off``: nothing to count from) or cannot be read."""
    if every_days is None or not enabled():
        return None
    try:
        last = (store or HistoryStore()).last_complete(spec_sha256)
    except HistoryError:
        return None
    return due_from(every_days, last)


def due_of_latest(store: HistoryStore | None = None) -> Due | None:
    """The state for the spec of the newest kept run that asked for re-verification (what
    ``deskready history due`` says without ``--profile``)."""
    store = store or HistoryStore()
    for run in store.runs(limit=50):
        if run.reverify_days is not None:
            return due_from(run.reverify_days, store.last_complete(run.spec_sha256))
    return None
