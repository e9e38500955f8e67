"""Results first: after a run, what to fix — in order, one line of advice each.

The verdict banner above says ready / not ready / incomplete; this page answers the next
question, "what do I do now?", with :func:`deskready.report.fixes.what_to_fix` (the list
the terminal and the PDF show too): requirements not met, what could not be checked,
recommendations, what the run left out. Each item has a button that runs its check again
after the fix; *Show every check* opens the detailed list.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from deskready.checks.i18n import _
from deskready.format import join_sentences
from deskready.gui.plain_label import plain_label
from deskready.gui.theme import status_color, theme_changed


class FixItem(QFrame):
    """One thing to fix: what, what was found, the advice, and *Run again*."""

    def __init__(self, fix: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fix = fix
        self.setObjectName("fix")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.title = plain_label(fix.title, bold=True)
        self.found = plain_label(fix.found)
        self.found.setVisible(bool(fix.found))
        self.advice = plain_label(fix.advice)
        self.advice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        check = fix.check_title or fix.title
        self.button = QPushButton(_("Run again"))
        self.button.setAccessibleName(_("Run the {check} check again").format(check=check))
        self.button.setAutoDefault(True)  # Enter presses it, as Space does
        self.setAccessibleName(fix.title)
        said = join_sentences([fix.title, fix.found, fix.advice])
        self.setAccessibleDescription(said)
        # A screen reader tabbing through the page meets the buttons only: each says what
        # its item is about and what to do, not just "Run again".
        self.button.setAccessibleDescription(said)
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 8, 10, 8)
        grid.setVerticalSpacing(3)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.button, 0, 1, 3, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.found, 1, 0)
        grid.addWidget(self.advice, 2, 0)
        grid.setColumnStretch(0, 1)
        self.restyle()

    def restyle(self) -> None:
        ink = status_color(self.fix.kind.outcome).name()
        self.setStyleSheet(
            f"QFrame#fix {{ border: 1px solid {ink}; border-left: 5px solid {ink}; }}"
        )


class ResultsPage(QWidget):
    """The page after a run. ``run_requested`` carries the check id of *Run again*."""

    run_requested = Signal(str)
    #: *Show every check*: open the detailed list
    details_requested = Signal()
    #: *Check again from the start*: back to the start page
    restart_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[FixItem] = []
        self.headings: list[QLabel] = []
        self.heading = plain_label(_("What to fix"), bold=True, scale=1.4)
        self.heading.setAccessibleName(_("What to fix"))
        self.summary = plain_label("")
        self.box = QWidget()
        self.list_layout = QVBoxLayout(self.box)
        self.list_layout.setContentsMargins(0, 0, 4, 0)
        self.list_layout.addStretch(1)
        self.fix_scroll = QScrollArea()
        self.fix_scroll.setWidgetResizable(True)
        self.fix_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.fix_scroll.setWidget(self.box)
        # The list sits on the page's own background, not on a second, differently grey one.
        self.fix_scroll.viewport().setAutoFillBackground(False)
        self.box.setAutoFillBackground(False)
        self.fix_scroll.setAccessibleName(_("What to fix"))
        self.details_button = QPushButton(_("Show &every check"))
        self.details_button.setAccessibleName(_("Show every check with its results"))
        self.details_button.setAutoDefault(True)
        self.details_button.clicked.connect(self.details_requested)
        self.restart_button = QPushButton(_("Check &again from the start"))
        self.restart_button.setAccessibleName(_("Check again from the start"))
        self.restart_button.setAutoDefault(True)
        self.restart_button.clicked.connect(self.restart_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.details_button)
        buttons.addStretch(1)
        buttons.addWidget(self.restart_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.fix_scroll, 1)
        layout.addLayout(buttons)
        theme_changed().connect(self._restyle)

    def show_report(self, report: dict[str, Any]) -> None:
        """Fill the list from ``report`` (the one on screen, in the agent's language)."""
        from deskready.report.fixes import what_to_fix

        while self.list_layout.count():
            item = self.list_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.items, self.headings = [], []
        fixes = what_to_fix(report)
        if not fixes and report.get("verdict") != "ready":
            # An interrupted run whose last item was fixed by Run again lists nothing, yet
            # stays incomplete: never call it proof (the banner says "Partial check" too).
            self.summary.setText(
                _(
                    "Nothing is listed to fix, but this run did not check everything, so it "
                    "is no readiness proof. To check everything, press Check again from the "
                    "start, then Start."
                )
            )
        elif not fixes:
            self.summary.setText(
                _("Nothing to fix: your setup meets every requirement checked.")
                + " "
                + _("Save the report as PDF or JSON if your employer asks for proof.")
            )
        else:
            self.summary.setText(
                _("Start at the top: each item says what to do. Then press Run again.")
            )
        kind = None
        for fix in fixes:
            if fix.kind is not kind:
                kind = fix.kind
                heading = plain_label(kind.heading(), bold=True, scale=1.1)
                self.headings.append(heading)
                self.list_layout.addWidget(heading)
            row = FixItem(fix)
            row.button.clicked.connect(lambda _c=False, c=fix.check_id: self.run_requested.emit(c))
            self.items.append(row)
            self.list_layout.addWidget(row)
        self.list_layout.addStretch(1)
        # New buttons join the end of the window's focus chain; Tab should meet them in
        # reading order, between the page's top and its bottom buttons.
        before: QWidget = self.details_button.previousInFocusChain() or self.details_button
        for fix_item in self.items:
            QWidget.setTabOrder(before, fix_item.button)
            before = fix_item.button

    def set_enabled_to_run(self, enabled: bool) -> None:
        for item in self.items:
            item.button.setEnabled(enabled)
        self.restart_button.setEnabled(enabled)

    def first_control(self) -> QWidget:
        """Where focus goes when the page appears: the first *Run again*, else *Show every check*."""
        return self.items[0].button if self.items else self.details_button

    def _restyle(self) -> None:
        for item in self.items:
            item.restyle()
