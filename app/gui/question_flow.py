"""Questions only the agent can answer: before a run (one dialog) and during it.

Before a run, the questions still open go into one :class:`QuestionsDialog`; each is asked
once per plan, and a skipped one stays unknown. During a run a check's thread waits on an
:class:`~deskready.gui.bridge.AskRequest` while an :class:`AskDialog` is on screen; the GUI
thread never waits. Dialogs are opened with ``open()``, so no nested event loop runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

if TYPE_CHECKING:
    from deskready.checks.api import Check, Question
    from deskready.gui.bridge import AskRequest
    from deskready.session import Session


class QuestionFlow(QObject):
    """Asks the agent, on top of ``parent``; remembers which questions were asked."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        #: ids of the questions already put to the agent for this plan (answered or skipped)
        self.asked: set[str] = set()
        #: the question dialog on screen, if any
        self.dialog: QDialog | None = None

    def reset(self) -> None:
        """A new plan: every question may be asked again."""
        self.asked = set()

    def pending_for_all(self, session: Session) -> list[Question]:
        """The questions a run of every check would still need."""
        return [q for q in session.unanswered() if q.id not in self.asked]

    def pending_for(self, session: Session, check: type[Check]) -> list[Question]:
        """The questions a run of ``check`` alone would still need."""
        return [
            q for q in check.questions if q.id not in session.answers and q.id not in self.asked
        ]

    def ask_then(
        self, session: Session, questions: Iterable[Question], then: Callable[[], None]
    ) -> None:
        """Ask ``questions`` in one dialog, store the answers in ``session``, then call
        ``then`` (also when the agent skips them: unanswered stays unknown)."""
        questions = list(questions)
        if not questions:
            then()
            return
        from deskready.gui.questions import QuestionsDialog

        dialog = QuestionsDialog(questions, self._window())
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            self.asked.update(q.id for q in questions)
            if result == QuestionsDialog.DialogCode.Accepted:
                session.answers.update(dialog.answers)
            dialog.deleteLater()
            self._give_back_focus(dialog)
            then()

        dialog.finished.connect(finished)
        dialog.open()

    def answer_during_run(self, request: AskRequest) -> None:
        """Show the question a running check asked; its thread waits for the reply."""
        from deskready.gui.questions import AskDialog, QuestionsDialog

        dialog = AskDialog(request.question, self._window())
        self.dialog = dialog
        watch = QTimer(dialog)
        watch.setInterval(200)
        # The check stopped waiting (Cancel or timeout): close the dialog it left behind.
        watch.timeout.connect(lambda: dialog.reject() if request.done.is_set() else None)

        def finished(result: int) -> None:
            watch.stop()
            self.dialog = None
            if not request.done.is_set():
                accepted = result == QuestionsDialog.DialogCode.Accepted
                request.reply(dialog.answer() if accepted else None)
            dialog.deleteLater()
            self._give_back_focus(dialog)

        dialog.finished.connect(finished)
        watch.start()
        dialog.open()

    def _give_back_focus(self, dialog: QDialog) -> None:
        """The keyboard goes back to the window when a dialog closes (not every platform
        re-activates the parent by itself; a keyboard user would be left nowhere)."""
        window = self._window()
        if window is None or not window.isVisible():
            return
        window.activateWindow()

        def again() -> None:
            # The agent just answered in our dialog, so nothing else had focus: a platform
            # that handed focus to nobody as the dialog went (offscreen, bare X11) is undone.
            if QApplication.activeWindow() is None and window.isVisible():
                window.activateWindow()

        for delay_ms in (0, 150, 400):
            QTimer.singleShot(delay_ms, window, again)

    def _window(self) -> QWidget | None:
        # Asked of Qt each time: a Python reference to the window would keep it alive.
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    def take_over(self, old: QuestionFlow) -> None:
        """Do not ask again what the window this one replaces already asked."""
        self.asked = set(old.asked)
