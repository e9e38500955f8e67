"""A one-line banner: "Your employer asks for a new check by <date>" (or that it is
overdue), when the spec asks for re-verification (``[reverify] every_days``).

The sentence is :meth:`deskready.history.due.Due.sentence`, the one ``deskready check``
and ``deskready history due`` print. The banner hides itself when the spec asks for none
or the history is off. The history is read on the worker pool.

API: ``banner = ReverifyBanner(parent)``; ``banner.show_for(spec)`` after a spec is chosen
and again after each finished run (``RunController.report_ready``); ``banner.set_due(due)``
to show a state already at hand. Place it under the verdict banner.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from deskready.checks.i18n import _
from deskready.gui.worker import run_task
from deskready.history.due import Due, due_for

if TYPE_CHECKING:
    from deskready.spec.model import Spec

#: Amber when overdue, as the verdict banner's "incomplete" (deskready.outcomes AMBER).
_OVERDUE = ("#fef7e0", "#7d4e00")
_PLAIN = ("#f1f3f4", "#24292f")


class ReverifyBanner(QFrame):
    """When the employer wants the next check; hidden when it does not ask."""

    #: emitted on the GUI thread with the shown Due (or None) after each update
    updated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reverify")
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # a date and words: never markup
        self.label.setWordWrap(True)
        self.setAccessibleName(_("Next check"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 14, 6)
        layout.addWidget(self.label)
        self.due: Due | None = None
        self._asked = 0
        self.hide()

    def show_for(self, spec: Spec | None) -> None:
        """Look up when ``spec`` wants its next check (on the pool), then show it."""
        self._asked += 1
        asked = self._asked
        if spec is None or spec.reverify.every_days is None:
            self.set_due(None)
            return
        sha, every = spec.sha256, spec.reverify.every_days

        def done(due: Any, error: BaseException | None) -> None:
            if asked == self._asked:  # a later spec was chosen meanwhile
                self.set_due(None if error is not None else due)

        run_task(lambda: due_for(sha, every), done)

    def set_due(self, due: Due | None, today: date | None = None) -> None:
        self.due = due
        if due is None:
            self.label.clear()
            self.hide()
        else:
            today = today or date.today()
            text = due.sentence(today)
            back, ink = _OVERDUE if due.overdue_days(today) or due.due is None else _PLAIN
            self.setStyleSheet(
                f"QFrame#reverify {{ background: {back}; border-radius: 6px; }}"
                f" QFrame#reverify QLabel {{ color: {ink}; }}"
            )
            self.label.setText(text)
            self.label.setAccessibleDescription(text)
            self.show()
        self.updated.emit(due)

    def text(self) -> str:
        return self.label.text()
