"""The one call a finished run makes to be kept (from :meth:`deskready.session.Session.reports`).

Keeping the history must never cost the agent a run: any problem (a full disk, a locked or
damaged file, a Python built without sqlite3) is one warning in the log, and the report is
shown and saved as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)


def record_finished(report: Mapping[str, Any], *, reverify_days: int | None = None) -> int | None:
    """Keep ``report`` in the history; its number, or None (opted out, or a problem)."""
    try:
        from deskready.history.store import HistoryError, HistoryStore, enabled
    except ImportError as exc:  # no sqlite3 in this Python: there is no history to keep
        log.warning("the run history is not available: %s", exc)
        return None
    if not enabled():
        return None
    try:
        return HistoryStore().record(report, reverify_days=reverify_days)
    except HistoryError as exc:
        log.warning("%s", exc)
    except Exception as exc:  # a bug here must not cost the agent the run it just made
        log.warning("the run was not kept in the history: %s", exc, exc_info=True)
    return None
