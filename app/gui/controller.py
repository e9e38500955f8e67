"""Runs all checks, or one again after a fix, and keeps the latest outcome.

The report always covers the whole plan: re-running one check merges into the last
:class:`~deskready.session.RunOutcome` through :meth:`Session.run` (``previous=``), and
:meth:`Session.reports` judges it — the same code the CLI uses, so the GUI never judges on
its own. All the work happens in a worker (:func:`deskready.gui.worker.run_task`); this
object only starts runs and relays what the bridge delivers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from deskready.checks.i18n import active_language
from deskready.gui.steps import StepGate
from deskready.gui.worker import run_task

if TYPE_CHECKING:
    from deskready.gui.bridge import RunBridge
    from deskready.gui.steps import Step
    from deskready.runner import CheckResult
    from deskready.session import RunOutcome, Session

log = logging.getLogger(__name__)


class RunController(QObject):
    """Owns the planned session and the latest outcome of its run."""

    run_started = Signal(object)  # list of check ids in this run
    check_started = Signal(str)
    check_progressed = Signal(str, object)
    check_finished = Signal(str, object)
    question_asked = Signal(object)  # AskRequest
    #: a guided run began a step (its index in the steps given to :meth:`start`)
    step_started = Signal(int)
    #: a guided run waits for the agent before a step (a :class:`~deskready.gui.steps.StepGate`)
    gate_reached = Signal(object)
    report_ready = Signal(object)  # report dict
    run_failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        #: the last run's outcome, merged over re-runs (None before the first run)
        self.outcome: RunOutcome | None = None
        self.report: dict[str, Any] | None = None
        #: the same report in the spec's report language, for saving (None: same as shown)
        self.report_to_save: dict[str, Any] | None = None
        self._bridge: RunBridge | None = None

    @property
    def running(self) -> bool:
        return self._bridge is not None

    @property
    def results(self) -> dict[str, CheckResult]:
        """The latest result of each check that has one."""
        if self.outcome is None:
            return {}
        return {r.check.id: r for r in self.outcome.results if not r.skipped}

    def set_session(self, session: Session) -> None:
        """A new plan (another profile): forget earlier results."""
        self.session = session
        self.outcome = None
        self.report = None
        self.report_to_save = None

    def start(
        self,
        check_ids: Sequence[str] | None,
        adapters: Mapping[type, object],
        steps: Sequence[Step] | None = None,
    ) -> bool:
        """Run ``check_ids`` (all when None). False if a run is already going.

        With ``steps`` the checks run one step after another, each a
        :meth:`Session.run` over the step's checks merged into the outcome so far (so the
        report still covers the whole plan); before a step with a gate the worker waits
        for the agent (:attr:`gate_reached`). One report comes at the end, as for one run.
        """
        session = self.session
        if session is None or self._bridge is not None:
            return False
        # Imported here, not at the top: the window must paint before these load.
        from deskready.gui.bridge import RunBridge

        wanted = set(check_ids) if check_ids is not None else None
        ids = [c.id for c in session.checks if wanted is None or c.id in wanted]
        bridge = RunBridge(self)
        bridge.started.connect(self.check_started)
        bridge.progressed.connect(self.check_progressed)
        bridge.finished.connect(self.check_finished)
        bridge.asked.connect(self.question_asked)
        self._bridge = bridge
        # Run again of some checks merges into the last outcome; Start begins afresh, so a
        # check this run never reached (Cancel at the gate) is not shown with a result
        # from an earlier run under "this covers only what finished".
        previous = self.outcome if check_ids is not None else None
        adapters = dict(adapters)
        shown_language = active_language()

        def on_event(event: Any) -> None:
            bridge.on_event(event)
            if bridge.cancelled.is_set():
                session.cancel()  # Cancel pressed before the runner existed

        groups = [ids] if steps is None else [[i for i in s.check_ids if i in ids] for s in steps]

        def work() -> tuple[RunOutcome, tuple[dict[str, Any], dict[str, Any]]]:
            outcome = previous
            ran = False
            for index, group in enumerate(groups):
                if bridge.cancelled.is_set():
                    break
                step = steps[index] if steps is not None else None
                if step is not None and step.gate:
                    gate = StepGate(index, step)
                    self.gate_reached.emit(gate)  # queued to the GUI thread
                    if not gate.wait(bridge.cancelled):
                        bridge.cancelled.set()
                        break
                if step is not None:
                    self.step_started.emit(index)
                outcome = session.run(
                    only=group,
                    previous=outcome,
                    on_event=on_event,
                    ask=bridge.ask,
                    adapters=adapters,
                )
                ran = True
                if outcome.interrupted:
                    break
            if outcome is None or not ran:  # stopped before the first step: nothing ran
                outcome = session.run(only=(), previous=outcome, adapters=adapters)
            # Cancelled now, or re-running part of an interrupted run: the results an
            # interruption cut short are still in the outcome, so it stays interrupted
            # (incomplete) until a run from the start.
            cut_short = previous is not None and previous.interrupted
            if (bridge.cancelled.is_set() or cut_short) and not outcome.interrupted:
                outcome = replace(outcome, interrupted=True)
            if session.hub is not None:  # the employer's hub: STUN probes sent, sealed in
                from deskready.hubclient.run import record_stun_sent

                record_stun_sent(session, outcome)
            return outcome, session.reports(outcome, shown_language)

        def done(value: Any, error: BaseException | None) -> None:
            self._bridge = None
            bridge.cancelled.set()  # a gate still on screen is released
            if self.session is not session:
                return  # the profile changed while this run went on
            if error is not None:
                log.error("run failed", exc_info=error)
                self.run_failed.emit(str(error) or type(error).__name__)
                return
            outcome, reports = value
            self.outcome = outcome
            self._publish(reports)

        self.run_started.emit(ids)
        run_task(work, done)
        return True

    def take_over(self, outcome: RunOutcome | None) -> None:
        """Continue another window's run (a language switch) and judge it again."""
        if outcome is None or self.session is None:
            return
        self.outcome = outcome
        self.rejudge()

    def rejudge(self) -> None:
        """Build the report again from the kept outcome (e.g. in a new language).

        The outcome keeps whether the run was interrupted, so an interrupted run stays
        incomplete however often it is judged again.
        """
        session, outcome = self.session, self.outcome
        if session is None or outcome is None or self._bridge is not None:
            return
        shown_language = active_language()

        def done(reports: Any, error: BaseException | None) -> None:
            if error is not None:
                log.error("judging again failed", exc_info=error)
                self.run_failed.emit(str(error) or type(error).__name__)
            elif self.session is session:
                self._publish(reports)

        run_task(lambda: session.reports(outcome, shown_language), done)

    def _publish(self, reports: tuple[dict[str, Any], dict[str, Any]]) -> None:
        shown, saved = reports
        self.report = shown
        self.report_to_save = saved
        self.report_ready.emit(shown)

    def cancel(self) -> None:
        """Stop the run in progress (checks not started are skipped)."""
        if self._bridge is not None:
            self._bridge.cancelled.set()
        if self.session is not None and self._bridge is not None:
            self.session.cancel()
