"""The run and its results in detail: one row per check (the *Checks* tab), the *Details*
tab, the Start button (the window puts it on the start page), Cancel and the overall
progress, the verdict banner while running and after.

It shows what :class:`~deskready.gui.controller.RunController` reports (its signals are
connected here by the window) and never starts anything itself: the buttons are wired by
the window, which asks the questions first.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from deskready.checks.i18n import _
from deskready.gui.check_row import CheckRow, category_title, measured_summary
from deskready.gui.details import DetailsView

if TYPE_CHECKING:
    from deskready.checks.api import Category
    from deskready.gui.banners import MessageBar, VerdictBanner
    from deskready.gui.bridge import Progress
    from deskready.runner import CheckResult
    from deskready.session import Session


class RunView(QObject):
    """Owns the rows, the tabs and the run controls; keeps the report on screen."""

    #: a row's Run / Re-run button was pressed (the check's id)
    run_requested = Signal(str)

    def __init__(
        self, banner: VerdictBanner, message: MessageBar, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.banner = banner
        self.message = message
        self.rows: dict[str, CheckRow] = {}
        #: the report on screen (in the agent's language); None until a run finished
        self.report: dict[str, Any] | None = None

        self.checks_box = QWidget()
        self.checks_layout = QVBoxLayout(self.checks_box)
        self.checks_layout.setContentsMargins(4, 4, 4, 4)
        self.checks_layout.addStretch(1)
        self.checks_scroll = QScrollArea()
        self.checks_scroll.setWidgetResizable(True)
        self.checks_scroll.setWidget(self.checks_box)
        self.checks_scroll.setAccessibleName(_("Checks"))
        self.details = DetailsView()
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("Results and details"))
        self.tabs.addTab(self.checks_scroll, _("Checks"))
        self.tabs.addTab(self.details, _("Details"))

        self.run_button = QPushButton(_("&Start"))
        self.run_button.setAccessibleName(_("Start the check"))
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton(_("&Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel the run"))
        self.overall = QProgressBar()
        self.overall.setAccessibleName(_("Overall progress"))
        self.overall.setFormat(_("%v of %m checks"))
        self.overall.hide()

    def show_plan(self, session: Session) -> None:
        """A new plan: one row per check under its category, nothing judged yet."""
        self.report = None
        while self.checks_layout.count():
            item = self.checks_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = {}
        current: Category | None = None
        for check in session.checks:
            if check.category is not current:
                current = check.category
                header = QLabel(f"<h3>{escape(category_title(current))}</h3>")
                header.setAccessibleName(category_title(current))
                self.checks_layout.addWidget(header)
            row = CheckRow(check)
            row.run_requested.connect(self.run_requested)
            self.rows[check.id] = row
            self.checks_layout.addWidget(row)
        self.checks_layout.addStretch(1)
        # Rows made now would come last in the focus chain: put them after the list.
        before: QWidget = self.checks_scroll
        for row in self.rows.values():
            QWidget.setTabOrder(before, row.button)
            before = row.button
        self.details.show_report(None)

    def set_state(self, *, ready: bool, running: bool) -> None:
        """Run all and each Re-run while a plan is ready and idle; Cancel while running."""
        self.run_button.setEnabled(ready and not running)
        self.cancel_button.setEnabled(running)
        for row in self.rows.values():
            row.set_enabled_to_run(ready and not running)

    def cancelling(self) -> None:
        self.banner.show_running(_("Cancelling… the running checks are stopping."))
        self.cancel_button.setEnabled(False)

    # -- the controller's signals --------------------------------------------------------
    def run_started(self, check_ids: list[str]) -> None:
        for check_id in check_ids:
            self.rows[check_id].set_waiting()
        self.overall.setRange(0, len(check_ids))
        self.overall.setValue(0)
        self.overall.show()
        self.banner.show_running(_("Checking your setup… you can keep using the window."))

    def check_started(self, check_id: str) -> None:
        if row := self.rows.get(check_id):
            row.set_running()

    def check_progressed(self, check_id: str, progress: Progress) -> None:
        if row := self.rows.get(check_id):
            row.show_progress(progress)

    def check_finished(self, check_id: str, result: CheckResult) -> None:
        if row := self.rows.get(check_id):
            status = result.runner_status
            row.set_finished(
                status.value if status else None, result.error, measured_summary(result)
            )
        self.overall.setValue(self.overall.value() + 1)

    def show_report(self, report: dict[str, Any]) -> None:
        """The judged report: each row's requirements and outcome, the verdict, details."""
        self.report = report
        rules: dict[str, list[dict[str, Any]]] = {}
        for rule in report["rules"]:
            rules.setdefault(rule["check"], []).append(rule)
        by_check = {r["check"]: r for r in report["results"]}
        for check_id, row in self.rows.items():
            row.set_report(by_check.get(check_id), rules.get(check_id, []))
        self.banner.show_verdict(
            report["verdict"],
            bool(report.get("interrupted")),
            partial=(report.get("scope") or {}).get("complete") is False,
        )
        self.details.show_report(report)
        self.overall.hide()

    def run_failed(self, message: str) -> None:
        self.message.show_message(
            _("The run stopped because of a problem: {problem}").format(problem=message)
        )
        self.banner.show_idle(_("The run did not finish. Press Start to try again."))
        for row in self.rows.values():
            if row.state in ("waiting", "running"):
                row.set_finished("skipped", None)
        self.overall.hide()
