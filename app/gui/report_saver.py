"""Saving the report from the window: *Save JSON…*, *Save PDF…* and *Open folder*.

The file is written in a worker (:mod:`deskready.gui.export` does the writing) and holds
the report in the spec's report language, which may not be the screen's. The outcome,
saved or not and why, goes to the message bar. Each handler also takes the path directly,
so tests (and the offscreen platform) need no native file dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from deskready.checks.i18n import _
from deskready.gui.export import ExportError, default_folder, default_name, save_json, save_pdf
from deskready.gui.worker import run_task

if TYPE_CHECKING:
    from deskready.gui.banners import MessageBar
    from deskready.gui.controller import RunController

Report = dict[str, Any]
log = logging.getLogger(__name__)


class ReportSaver(QObject):
    """The three save buttons and where the last report went."""

    #: a save started or ended: the window's buttons may change
    changed = Signal()

    def __init__(
        self,
        parent: QWidget,
        controller: RunController,
        shown_report: Callable[[], Report | None],
        message: MessageBar,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._shown_report = shown_report
        self._message = message
        #: the file saved last (its folder is what Open folder opens)
        self.last_export: Path | None = None
        self.json_button = QPushButton(_("Save &JSON…"))
        self.json_button.setAccessibleName(_("Save the report as JSON"))
        self.json_button.clicked.connect(lambda: self.export_json())
        self.pdf_button = QPushButton(_("Save P&DF…"))
        self.pdf_button.setAccessibleName(_("Save the report as PDF"))
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.folder_button = QPushButton(_("Open &folder"))
        self.folder_button.setAccessibleName(_("Open the folder of the saved report"))
        self.folder_button.clicked.connect(self.open_folder)

    def set_state(self, *, has_report: bool) -> None:
        """Saving needs a finished report; Open folder needs a saved one."""
        self.json_button.setEnabled(has_report)
        self.pdf_button.setEnabled(has_report)
        self.folder_button.setEnabled(self.last_export is not None)

    def export_json(self, path: str | Path | None = None) -> None:
        self._export(path, ".json", _("JSON report (*.json)"), save_json)

    def export_pdf(self, path: str | Path | None = None) -> None:
        self._export(path, ".pdf", _("PDF report (*.pdf)"), save_pdf)

    def open_folder(self) -> None:
        if self.last_export is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_export.parent)))

    def take_over(self, old: ReportSaver) -> None:
        """Open folder keeps pointing where the replaced window saved."""
        self.last_export = old.last_export

    def _export(self, path: str | Path | None, suffix: str, file_filter: str, save: Any) -> None:
        # The file is in the spec's report language, which may not be the screen's.
        report = self._controller.report_to_save or self._shown_report()
        if report is None or self._controller.running:
            return
        if path is None:
            folder = self.last_export.parent if self.last_export else default_folder()
            parent = self.parent()
            chosen, _f = QFileDialog.getSaveFileName(
                parent if isinstance(parent, QWidget) else None,
                _("Save the report"),
                str(folder / default_name(report, suffix)),
                file_filter,
            )
            if not chosen:
                return
            path = chosen
        target = Path(path)
        self.json_button.setEnabled(False)
        self.pdf_button.setEnabled(False)

        def done(saved: Any, error: BaseException | None) -> None:
            self.changed.emit()
            if error is not None:
                reason = str(error) if isinstance(error, ExportError) else repr(error)
                self._message.show_message(
                    _("The report was not saved. {reason}").format(reason=reason)
                )
                return
            self.last_export = Path(saved)
            self._message.show_message(
                _("Report saved: {path}. Use Open folder to find it.").format(path=saved), "pass"
            )
            self.changed.emit()

        def work() -> Path:
            saved = Path(save(report, target))
            if report.get("hub") is not None and report.get("attestation") is None:
                # Waiting in the outbox: this file gets the attestation when it is sent.
                from deskready.gui.hub_join import note_saved_file

                try:
                    note_saved_file(report, "json" if suffix == ".json" else "pdf", saved)
                except OSError as exc:
                    log.warning("the outbox entry could not name %s: %s", saved, exc)
            return saved

        run_task(work, done)
