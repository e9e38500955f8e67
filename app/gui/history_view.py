"""The run history dialog: the runs kept on this computer, what changed in the selected one
since the run before it, and Delete (docs/history.md).

The same words as ``deskready history``: the list's columns and the diff lines come from
:mod:`deskready.history` (each report's own texts), so the GUI and the terminal agree.
Every read and delete runs on the worker pool (:func:`deskready.gui.worker.run_task`);
every text is plain (table items and list items never read markup).

API: ``HistoryDialog(parent, store=None, confirm=None)``; :func:`show_history` opens it
(the File menu's "Run history…").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from deskready.checks.i18n import _
from deskready.format import format_timestamp
from deskready.gui.worker import run_task
from deskready.history.diff import diff_reports, failed_rules
from deskready.history.store import ENV_SWITCH, HistoryStore, Run, enabled
from deskready.outcomes import verdict_look

Confirm = Callable[[QWidget, str], bool]


def ask_yes_no(parent: QWidget, question: str) -> bool:
    answer = QMessageBox.question(
        parent,
        _("Delete"),
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def diff_texts(older: Run | None, newer: Run) -> list[str]:
    """The lines under the list for the selected run (``history diff`` words)."""
    if older is None:
        return [_("This is the first run kept; there is nothing to compare it with.")]
    changes = diff_reports(older.report, newer.report)
    heading = _("Compared with run {old} ({old_date}):").format(
        old=older.id, old_date=format_timestamp(older.created_at.isoformat())
    )
    if not changes:
        return [heading, _("Nothing changed.")]
    return [heading, *(change.text for change in changes)]


class HistoryDialog(QDialog):
    """The list of runs, the selected run's changes, and Delete / Delete all."""

    #: emitted on the GUI thread after each (re)load, with the runs shown
    loaded = Signal(object)
    #: emitted after the changes of the selected run are shown
    diff_shown = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        store: HistoryStore | None = None,
        confirm: Confirm | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store or HistoryStore()
        self.confirm = confirm or ask_yes_no
        self.runs: list[Run] = []
        #: why the last delete failed, shown above the list once it is read again
        self._delete_error: BaseException | None = None
        self.setWindowTitle(_("Run history"))
        self.setAccessibleName(self.windowTitle())
        self.resize(820, 520)

        self.note = QLabel()
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [_("No."), _("When"), _("Employer"), _("Verdict"), _("What failed")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName(_("Runs kept on this computer"))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.changes = QListWidget()
        self.changes.setAccessibleName(_("What changed since the run before"))
        self.delete_button = QPushButton(_("&Delete"))
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.delete_selected)
        self.delete_all_button = QPushButton(_("Delete &all"))
        self.delete_all_button.clicked.connect(self.delete_all)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.delete_all_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 3)
        layout.addWidget(QLabel(_("What changed since the run before:")))
        layout.addWidget(self.changes, 2)
        layout.addLayout(buttons)
        self.reload()

    # -- loading -------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the runs again (on the pool), then fill the table."""
        store = self.store
        run_task(lambda: store.runs(), self._show_runs)

    def _show_runs(self, runs: Any, error: BaseException | None) -> None:
        self.runs = [] if error is not None else list(runs)
        if error is not None:
            self.note.setText(str(error))
        elif not enabled():
            self.note.setText(
                _("The run history is off ({var}=off): new runs are not kept.").format(
                    var=ENV_SWITCH
                )
            )
        elif not self.runs:
            self.note.setText(_("No runs kept yet: each finished check is kept here."))
        else:
            self.note.setText(_("Each finished check is kept on this computer only."))
        if self._delete_error is not None:
            self.note.setText(str(self._delete_error))
            self._delete_error = None
        self.table.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            look = verdict_look(run.verdict)
            verdict = look.text() + ("" if run.complete else " " + _("(partial)"))
            cells = [
                str(run.id),
                format_timestamp(run.created_at.isoformat()),
                run.employer,
                verdict,
                "\n".join(failed_rules(run.report)),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, run.id)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        self.delete_all_button.setEnabled(bool(self.runs))
        self.changes.clear()
        if self.runs:
            self.table.selectRow(0)
        else:
            self.delete_button.setEnabled(False)
        self.loaded.emit(self.runs)

    def selected(self) -> Run | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.runs):
            return None
        return self.runs[rows[0].row()]

    def _selection_changed(self) -> None:
        run = self.selected()
        self.delete_button.setEnabled(run is not None)
        if run is None:
            return
        store = self.store
        run_task(lambda: diff_texts(store.previous(run), run), self._show_diff)

    def _show_diff(self, lines: Any, error: BaseException | None) -> None:
        self.changes.clear()
        self.changes.addItems([str(error)] if error is not None else list(lines))
        self.diff_shown.emit(self.change_lines())

    def change_lines(self) -> list[str]:
        return [self.changes.item(i).text() for i in range(self.changes.count())]

    # -- deleting ------------------------------------------------------------------------------
    def delete_selected(self) -> None:
        run = self.selected()
        if run is None:
            return
        if not self.confirm(self, _("Delete run {number}?").format(number=run.id)):
            return
        store = self.store
        run_task(lambda: store.delete(run.id), self._deleted)

    def delete_all(self) -> None:
        if not self.runs or not self.confirm(self, _("Delete every run kept on this computer?")):
            return
        store = self.store
        run_task(store.delete_all, self._deleted)

    def _deleted(self, _result: Any, error: BaseException | None) -> None:
        """Read the list again; a delete that failed (a locked or damaged file) says why
        above it instead of leaving the run there without a word."""
        self._delete_error = error
        self.reload()


def show_history(parent: QWidget | None = None) -> HistoryDialog:
    """Open the history dialog (not modal: the main window stays usable)."""
    dialog = HistoryDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
