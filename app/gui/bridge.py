"""Carries a run's events and questions from worker threads to the GUI thread.

Runner events arrive on check threads. Started/finished become queued signals as they
are; progress is *coalesced* — a bandwidth check may report fifty times a second, and the
window only needs the latest fraction and message plus every live value since the last
repaint (the latency chart wants them all). So at most one flush is queued at a time and
the GUI thread drains what accumulated (friture: emit only what changed).

A question asked during the run blocks its check thread on a ``threading.Event`` while the
dialog is shown on the GUI thread; the wait is bounded and ends early on Cancel.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from deskready.checks.api import Answer, Question
from deskready.runner import CheckFinished, CheckProgress, CheckResult, CheckStarted, RunEvent

#: A question unanswered this long is given up (None: "nobody answered").
ASK_TIMEOUT_S = 300.0


@dataclass
class Progress:
    """What a check reported since the last flush."""

    fraction: float | None
    message: str
    live: list[dict[str, float]] = field(default_factory=list)


@dataclass
class AskRequest:
    """A question waiting on the GUI thread; the check thread waits on ``done``."""

    question: Question
    done: threading.Event = field(default_factory=threading.Event)
    answer: Answer | None = None

    def reply(self, answer: Answer | None) -> None:
        """Called on the GUI thread when the dialog closes (None: skipped)."""
        self.answer = answer
        self.done.set()


class RunBridge(QObject):
    """One per run. ``on_event`` and ``ask`` are handed to :meth:`Session.run`."""

    started = Signal(str)
    progressed = Signal(str, object)  # check id, Progress
    finished = Signal(str, object)  # check id, CheckResult
    asked = Signal(object)  # AskRequest
    _flush_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: dict[str, Progress] = {}
        self._flush_queued = False
        self.cancelled = threading.Event()
        self.results: dict[str, CheckResult] = {}
        self._flush_requested.connect(self._flush)

    # -- worker threads ----------------------------------------------------------------
    def on_event(self, event: RunEvent) -> None:
        """Runner event sink (any thread)."""
        if isinstance(event, CheckProgress):
            with self._lock:
                entry = self._pending.get(event.check_id)
                if entry is None:
                    entry = self._pending[event.check_id] = Progress(event.fraction, event.message)
                else:
                    entry.fraction, entry.message = event.fraction, event.message
                if event.live:
                    entry.live.append(dict(event.live))
                queue = not self._flush_queued
                self._flush_queued = True
            if queue:
                self._flush_requested.emit()
        elif isinstance(event, CheckStarted):
            self.started.emit(event.check_id)
        elif isinstance(event, CheckFinished):
            with self._lock:
                self.results[event.check_id] = event.result
                self._pending.pop(event.check_id, None)
            self.finished.emit(event.check_id, event.result)

    def ask(self, question: Question) -> Answer | None:
        """Show ``question`` on the GUI thread and wait (bounded) for the agent's answer."""
        if self.cancelled.is_set():
            return None
        request = AskRequest(question)
        self.asked.emit(request)
        waited = 0.0
        while not request.done.wait(0.1):
            waited += 0.1
            if self.cancelled.is_set() or waited >= ASK_TIMEOUT_S:
                request.reply(None)  # the GUI sees ``done`` set and closes the dialog
        return request.answer

    # -- GUI thread --------------------------------------------------------------------
    def _flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
            self._flush_queued = False
        for check_id, progress in pending.items():
            self.progressed.emit(check_id, progress)
