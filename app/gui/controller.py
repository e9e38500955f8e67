"""Runs all checks, or one again after a fix, and keeps the latest result of each.

The report always covers the whole plan: re-running one check replaces that check's
result and the report is judged again from the full set, so the verdict follows the fix.
All the work happens in a worker (:func:`deskready.gui.worker.run_task`); this object only
starts runs and relays what the bridge delivers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from deskready.checks.i18n import active_language
from deskready.gui.worker import run_task

if TYPE_CHECKING:
    from deskready.checks.api import Check
    from deskready.gui.bridge import RunBridge
    from deskready.runner import CheckResult
    from deskready.session import Session

log = logging.getLogger(__name__)


def judge(
    session: Session, results: list[CheckResult], interrupted: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report to show (the agent's language) and to save (the spec's report language)."""
    saved = session.report(results, interrupted=interrupted)
    if saved["language"] == active_language():
        return saved, saved
    return session.report(results, interrupted=interrupted, language=active_language()), saved


class RunController(QObject):
    """Owns the planned session and the latest result per check."""

    run_started = Signal(object)  # list of check ids in this run
    check_started = Signal(str)
    check_progressed = Signal(str, object)
    check_finished = Signal(str, object)
    question_asked = Signal(object)  # AskRequest
    report_ready = Signal(object)  # report dict
    run_failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.results: dict[str, CheckResult] = {}
        self.report: dict[str, Any] | None = None
        #: the same report in the spec's report language, for saving (None: same as shown)
        self.report_to_save: dict[str, Any] | None = None
        self._bridge: RunBridge | None = None
        self._running: Session | None = None

    @property
    def running(self) -> bool:
        return self._bridge is not None

    def set_session(self, session: Session) -> None:
        """A new plan (another profile): forget earlier results."""
        self.session = session
        self.results = {}
        self.report = None
        self.report_to_save = None

    def start(self, check_ids: Sequence[str] | None, adapters: Mapping[type, object]) -> bool:
        """Run ``check_ids`` (all when None). False if a run is already going."""
        session = self.session
        if session is None or self._bridge is not None:
            return False
        # Imported here, not at the top: the window must paint before these load.
        from deskready.gui.bridge import RunBridge
        from deskready.runner import CheckResult
        from deskready.session import Session

        wanted = set(check_ids) if check_ids is not None else None
        checks: list[type[Check]] = [c for c in session.checks if wanted is None or c.id in wanted]
        bridge = RunBridge(self)
        bridge.started.connect(self.check_started)
        bridge.progressed.connect(self.check_progressed)
        bridge.finished.connect(self.check_finished)
        bridge.asked.connect(self.question_asked)
        self._bridge = bridge
        sub = Session(session.spec, session.registry, checks, session.answers, session.agent)
        self._running = sub
        adapters = dict(adapters)

        def on_event(event: Any) -> None:
            bridge.on_event(event)
            if bridge.cancelled.is_set():
                sub.cancel()  # Cancel pressed before the runner existed

        def work() -> tuple[dict[str, Any], dict[str, Any]]:
            sub.run(on_event=on_event, ask=bridge.ask, adapters=adapters)
            merged = dict(self.results)
            merged.update(bridge.results)
            ordered = [merged.get(c.id) or CheckResult(c, skipped=True) for c in session.checks]
            return judge(session, ordered, bridge.cancelled.is_set())

        def done(report: Any, error: BaseException | None) -> None:
            self._bridge = None
            self._running = None
            if self.session is not session:
                return  # the profile changed while this run went on
            self.results.update(bridge.results)
            if error is not None:
                log.error("run failed", exc_info=error)
                self.run_failed.emit(str(error) or type(error).__name__)
                return
            self._publish(report)

        self.run_started.emit([c.id for c in checks])
        run_task(work, done)
        return True

    def rejudge(self) -> None:
        """Build the report again from the kept results (e.g. in a new language)."""
        session = self.session
        if session is None or not self.results or self._bridge is not None:
            return
        from deskready.runner import CheckResult

        ordered = [self.results.get(c.id) or CheckResult(c, skipped=True) for c in session.checks]

        def done(reports: Any, error: BaseException | None) -> None:
            if error is not None:
                log.error("judging again failed", exc_info=error)
                self.run_failed.emit(str(error) or type(error).__name__)
            elif self.session is session:
                self._publish(reports)

        run_task(lambda: judge(session, ordered, False), done)

    def _publish(self, reports: tuple[dict[str, Any], dict[str, Any]]) -> None:
        shown, saved = reports
        self.report = shown
        self.report_to_save = saved
        self.report_ready.emit(shown)

    def cancel(self) -> None:
        """Stop the run in progress (checks not started are skipped)."""
        if self._bridge is not None:
            self._bridge.cancelled.set()
        if self._running is not None:
            self._running.cancel()
