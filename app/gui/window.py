"""The main window: choose the profile, run the checks, read the results, export.

It only arranges widgets and reacts to signals. Loading checks, running them and writing
files happen in workers (:mod:`deskready.gui.worker`); run events arrive through
:class:`deskready.gui.controller.RunController`. Every handler a native file dialog would call
also takes the path directly, so tests (and the offscreen platform) can drive it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from deskready.checks.api import Category, Question
from deskready.checks.display.screen_info import ScreenInfo
from deskready.checks.i18n import _
from deskready.gui.about import AboutDialog
from deskready.gui.banners import MessageBar, VerdictBanner
from deskready.gui.check_row import CheckRow, category_title, measured_summary
from deskready.gui.controller import RunController
from deskready.gui.details import DetailsView
from deskready.gui.export import ExportError, default_folder, default_name, save_json, save_pdf
from deskready.gui.icons import app_icon, icon
from deskready.gui.language import language_menu
from deskready.gui.recent import recent_files, remember
from deskready.gui.screens import QtScreenInfo
from deskready.gui.worker import run_task

if TYPE_CHECKING:
    from deskready.gui.bridge import AskRequest, Progress
    from deskready.gui.questions import QuestionsDialog
    from deskready.registry import CheckRegistry
    from deskready.runner import CheckResult
    from deskready.session import Session

log = logging.getLogger(__name__)

MIN_SIZE = (760, 560)
DEFAULT_SIZE = (1000, 760)


class MainWindow(QMainWindow):
    """deskready's one window."""

    #: the agent picked another language (code, or None for the system's)
    language_changed = Signal(object)

    def __init__(
        self,
        *,
        registry: CheckRegistry | None = None,
        settings: QSettings | None = None,
        adapters: Mapping[type, object] | None = None,
        profile: str | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.extra_adapters = dict(adapters or {})
        self.registry: CheckRegistry | None = None
        self.rows: dict[str, CheckRow] = {}
        self.report: dict[str, Any] | None = None
        self.last_export: Path | None = None
        self._asked: set[str] = set()
        self._pending_profile = profile
        self._chosen_profile: str | None = None
        self._question_dialog: QuestionsDialog | None = None

        self.setWindowTitle("deskready")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(*MIN_SIZE)
        self.resize(*DEFAULT_SIZE)

        self.controller = RunController(self)
        self.controller.run_started.connect(self._on_run_started)
        self.controller.check_started.connect(self._on_check_started)
        self.controller.check_progressed.connect(self._on_check_progress)
        self.controller.check_finished.connect(self._on_check_finished)
        self.controller.question_asked.connect(self._on_question)
        self.controller.report_ready.connect(self._on_report)
        self.controller.run_failed.connect(self._on_run_failed)

        self._build_ui()
        self._build_menus()
        self._update_buttons()
        self._loading = False
        if registry is not None:
            self._on_registry(registry, None)
        else:
            # Paint first, then load: the checks pull in numpy, sounddevice, pydantic…
            self.banner.show_idle(_("Loading the checks…"))
            self.installEventFilter(self)
            QTimer.singleShot(1000, self._start_loading)  # in case no paint ever comes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self and event.type() == QEvent.Type.Paint and not self._loading:
            QTimer.singleShot(0, self._start_loading)
        return False

    def _start_loading(self) -> None:
        if self._loading:
            return
        self._loading = True
        self.removeEventFilter(self)
        run_task(_load_in_background, self._on_registry)

    # -- building ------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.profile_combo = QComboBox()
        self.profile_combo.setAccessibleName(_("Employer profile"))
        self.profile_combo.setMinimumContentsLength(24)
        self.profile_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.profile_combo.activated.connect(self._on_profile_activated)
        self.open_button = QPushButton(_("&Open spec file…"))
        self.open_button.setAccessibleName(_("Open an employer spec file"))
        self.open_button.clicked.connect(lambda: self.open_spec_file())
        self.agent_name = QLineEdit(str(self.settings.value("agent/name", "") or ""))
        self.agent_name.setAccessibleName(_("Your name (optional)"))
        self.agent_name.setPlaceholderText(_("optional"))
        self.agent_id = QLineEdit(str(self.settings.value("agent/id", "") or ""))
        self.agent_id.setAccessibleName(_("Agent ID (optional)"))
        self.agent_id.setPlaceholderText(_("optional"))

        top = QGridLayout()
        profile_label = QLabel(_("Employer &profile:"))
        profile_label.setBuddy(self.profile_combo)
        top.addWidget(profile_label, 0, 0)
        top.addWidget(self.profile_combo, 0, 1, 1, 3)
        top.addWidget(self.open_button, 0, 4)
        name_label = QLabel(_("Your &name:"))
        name_label.setBuddy(self.agent_name)
        id_label = QLabel(_("Agent &ID:"))
        id_label.setBuddy(self.agent_id)
        top.addWidget(name_label, 1, 0)
        top.addWidget(self.agent_name, 1, 1)
        top.addWidget(id_label, 1, 2)
        top.addWidget(self.agent_id, 1, 3, 1, 2)
        top.setColumnStretch(1, 2)
        top.setColumnStretch(3, 1)

        self.message = MessageBar()
        self.banner = VerdictBanner()

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

        self.run_button = QPushButton(_("&Run all"))
        self.run_button.setAccessibleName(_("Run all checks"))
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run_all)
        self.cancel_button = QPushButton(_("&Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel the run"))
        self.cancel_button.clicked.connect(self.cancel)
        self.overall = QProgressBar()
        self.overall.setAccessibleName(_("Overall progress"))
        self.overall.setFormat(_("%v of %m checks"))
        self.overall.hide()
        self.json_button = QPushButton(_("Save &JSON…"))
        self.json_button.setAccessibleName(_("Save the report as JSON"))
        self.json_button.clicked.connect(lambda: self.export_json())
        self.pdf_button = QPushButton(_("Save P&DF…"))
        self.pdf_button.setAccessibleName(_("Save the report as PDF"))
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.folder_button = QPushButton(_("Open &folder"))
        self.folder_button.setAccessibleName(_("Open the folder of the saved report"))
        self.folder_button.clicked.connect(self.open_folder)

        bottom = QHBoxLayout()
        bottom.addWidget(self.run_button)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.overall, 1)
        bottom.addStretch(0)
        bottom.addWidget(self.json_button)
        bottom.addWidget(self.pdf_button)
        bottom.addWidget(self.folder_button)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        def action(
            text: str,
            slot: Any,
            shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        ) -> QAction:
            act = QAction(text, self)
            act.triggered.connect(slot)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            return act

        file_menu = self.menuBar().addMenu(_("&File"))
        file_menu.addAction(
            action(
                _("&Open spec file…"), lambda: self.open_spec_file(), QKeySequence.StandardKey.Open
            )
        )
        file_menu.addAction(
            action(
                _("Save report as &JSON…"),
                lambda: self.export_json(),
                QKeySequence.StandardKey.Save,
            )
        )
        file_menu.addAction(
            action(
                _("Save report as &PDF…"), lambda: self.export_pdf(), QKeySequence.StandardKey.Print
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(action(_("&Quit"), self.close, QKeySequence.StandardKey.Quit))
        run_menu = self.menuBar().addMenu(_("&Run"))
        self.run_action = action(_("&Run all checks"), self.run_all, "Ctrl+R")
        self.cancel_action = action(_("&Cancel"), self.cancel, "Esc")
        run_menu.addAction(self.run_action)
        run_menu.addAction(self.cancel_action)
        self.language_menu = language_menu(self, self.settings, self.language_changed.emit)
        self.menuBar().addMenu(self.language_menu)
        help_menu = self.menuBar().addMenu(_("&Help"))
        help_menu.addAction(
            action(_("&About deskready"), self.show_about, QKeySequence.StandardKey.HelpContents)
        )

    # -- profiles ------------------------------------------------------------------------
    def _on_registry(self, registry: Any, error: BaseException | None) -> None:
        from deskready.registry import CheckRegistry

        if error is not None or not isinstance(registry, CheckRegistry):
            self.message.show_message(
                _("The checks could not be loaded: {reason}").format(reason=error)
            )
            return
        self.registry = registry
        self._fill_profiles()
        self.choose_profile(self._pending_profile or self.profile_combo.currentData())

    def _fill_profiles(self) -> None:
        from deskready.profiles import bundled_profiles

        combo = self.profile_combo
        combo.clear()
        for profile in bundled_profiles():
            combo.addItem(f"{profile.employer} ({profile.name})", profile.name)
        recent = recent_files(self.settings)
        if recent:
            combo.insertSeparator(combo.count())
            for path in recent:
                combo.addItem(icon("system"), Path(path).name, path)
                combo.setItemData(combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole)

    def _on_profile_activated(self, index: int) -> None:
        value = self.profile_combo.itemData(index)
        if value:
            self.choose_profile(str(value))

    def open_spec_file(self, path: str | None = None) -> bool:
        """Load a spec file (asks with a file dialog when ``path`` is None)."""
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(
                self,
                _("Open employer spec file"),
                str(Path.home()),
                _("Employer spec (*.toml);;All files (*)"),
            )
            if not path:
                return False
        return self.choose_profile(path)  # remembers it in the recent files

    def _select_in_combo(self, value: str) -> None:
        index = self.profile_combo.findData(value)
        if index >= 0:
            self.profile_combo.setCurrentIndex(index)

    def choose_profile(self, name_or_path: str | None) -> bool:
        """Plan a run for a bundled profile or a spec file; errors go to the message bar."""
        if self.registry is None or self.controller.running:
            return False
        from deskready.profiles import load_profile
        from deskready.session import PlanError, Session, select_checks
        from deskready.spec import SpecError

        try:
            spec = load_profile(name_or_path, self.registry)
            checks = select_checks(spec, self.registry)
        except (SpecError, PlanError) as exc:
            self.message.show_message(str(exc))
            return False
        self.message.hide()
        self._chosen_profile = name_or_path
        session = Session(spec, self.registry, checks, agent=None)
        self.controller.set_session(session)
        self._asked = set()
        self.report = None
        self._build_rows(session)
        if name_or_path and not Path(name_or_path).suffix:
            self._select_in_combo(name_or_path)
        elif name_or_path:  # a spec file (e.g. from --profile): show it, remember it
            remember(self.settings, name_or_path)
            self._fill_profiles()
            self._select_in_combo(str(Path(name_or_path).expanduser().resolve()))
        self.banner.show_idle(
            _("Profile: {employer}. Press Run all to check your setup.").format(
                employer=_(spec.employer.name)
            )
        )
        self.details.show_report(None)
        self._update_buttons()
        return True

    def _build_rows(self, session: Session) -> None:
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
                header = QLabel(f"<h3>{category_title(current)}</h3>")
                header.setAccessibleName(category_title(current))
                self.checks_layout.addWidget(header)
            row = CheckRow(check)
            row.run_requested.connect(self.run_one)
            self.rows[check.id] = row
            self.checks_layout.addWidget(row)
        self.checks_layout.addStretch(1)

    # -- running -------------------------------------------------------------------------
    def run_all(self) -> None:
        session = self.controller.session
        if session is None or self.controller.running:
            return
        self._ask_then_start(None, [q for q in session.unanswered() if q.id not in self._asked])

    def run_one(self, check_id: str) -> None:
        session = self.controller.session
        if session is None or self.controller.running:
            return
        check = next((c for c in session.checks if c.id == check_id), None)
        if check is None:
            return
        pending = [
            q for q in check.questions if q.id not in session.answers and q.id not in self._asked
        ]
        self._ask_then_start([check_id], pending)

    def _ask_then_start(self, check_ids: list[str] | None, questions: list[Question]) -> None:
        if not questions:
            self._start(check_ids)
            return
        from deskready.gui.questions import QuestionsDialog

        dialog = QuestionsDialog(questions, self)
        self._question_dialog = dialog

        def finished(result: int) -> None:
            self._question_dialog = None
            self._asked.update(q.id for q in questions)
            session = self.controller.session
            if session is not None and result == QuestionsDialog.DialogCode.Accepted:
                session.answers.update(dialog.answers)
            dialog.deleteLater()
            self._start(check_ids)

        dialog.finished.connect(finished)
        dialog.open()

    def _start(self, check_ids: list[str] | None) -> None:
        session = self.controller.session
        if session is None:
            return
        name, agent_id = self.agent_name.text().strip(), self.agent_id.text().strip()
        self.settings.setValue("agent/name", name)
        self.settings.setValue("agent/id", agent_id)
        agent = {k: v for k, v in (("name", name), ("id", agent_id)) if v}
        session.agent = agent or None
        adapters: dict[type, object] = {ScreenInfo: QtScreenInfo()}
        adapters.update(self.extra_adapters)
        self.controller.start(check_ids, adapters)

    def cancel(self) -> None:
        if self.controller.running:
            self.controller.cancel()
            self.banner.show_running(_("Cancelling… the running checks are stopping."))
            self.cancel_button.setEnabled(False)

    def _on_run_started(self, check_ids: list[str]) -> None:
        for check_id in check_ids:
            self.rows[check_id].set_waiting()
        self.overall.setRange(0, len(check_ids))
        self.overall.setValue(0)
        self.overall.show()
        self.banner.show_running(_("Checking your setup… you can keep using the window."))
        self._update_buttons()

    def _on_check_started(self, check_id: str) -> None:
        if row := self.rows.get(check_id):
            row.set_running()

    def _on_check_progress(self, check_id: str, progress: Progress) -> None:
        if row := self.rows.get(check_id):
            row.show_progress(progress)

    def _on_check_finished(self, check_id: str, result: CheckResult) -> None:
        if row := self.rows.get(check_id):
            status = result.runner_status
            row.set_finished(
                status.value if status else None, result.error, measured_summary(result)
            )
        self.overall.setValue(self.overall.value() + 1)

    def _on_question(self, request: AskRequest) -> None:
        from deskready.gui.questions import AskDialog, QuestionsDialog

        dialog = AskDialog(request.question, self)
        self._question_dialog = dialog
        watch = QTimer(dialog)
        watch.setInterval(200)
        # The check stopped waiting (Cancel or timeout): close the dialog it left behind.
        watch.timeout.connect(lambda: dialog.reject() if request.done.is_set() else None)

        def finished(result: int) -> None:
            watch.stop()
            self._question_dialog = None
            if not request.done.is_set():
                accepted = result == QuestionsDialog.DialogCode.Accepted
                request.reply(dialog.answer() if accepted else None)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        watch.start()
        dialog.open()

    def _on_report(self, report: dict[str, Any]) -> None:
        self.report = report
        rules: dict[str, list[dict[str, Any]]] = {}
        for rule in report["rules"]:
            rules.setdefault(rule["check"], []).append(rule)
        by_check = {r["check"]: r for r in report["results"]}
        for check_id, row in self.rows.items():
            row.set_report(by_check.get(check_id), rules.get(check_id, []))
        self.banner.show_verdict(report["verdict"], bool(report.get("interrupted")))
        self.details.show_report(report)
        self.overall.hide()
        self._update_buttons()

    def _on_run_failed(self, message: str) -> None:
        self.message.show_message(
            _("The run stopped because of a problem: {problem}").format(problem=message)
        )
        self.banner.show_idle(_("The run did not finish. Press Run all to try again."))
        for row in self.rows.values():
            if row.state in ("waiting", "running"):
                row.set_finished("skipped", None)
        self.overall.hide()
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.controller.running
        ready = self.controller.session is not None
        self.run_button.setEnabled(ready and not running)
        self.run_action.setEnabled(ready and not running)
        self.cancel_button.setEnabled(running)
        self.cancel_action.setEnabled(running)
        self.profile_combo.setEnabled(not running)
        self.open_button.setEnabled(not running)
        self.language_menu.setEnabled(not running)
        has_report = self.report is not None and not running
        self.json_button.setEnabled(has_report)
        self.pdf_button.setEnabled(has_report)
        self.folder_button.setEnabled(self.last_export is not None)
        for row in self.rows.values():
            row.set_enabled_to_run(ready and not running)

    # -- export --------------------------------------------------------------------------
    def export_json(self, path: str | Path | None = None) -> None:
        self._export(path, ".json", _("JSON report (*.json)"), save_json)

    def export_pdf(self, path: str | Path | None = None) -> None:
        self._export(path, ".pdf", _("PDF report (*.pdf)"), save_pdf)

    def _export(self, path: str | Path | None, suffix: str, file_filter: str, save: Any) -> None:
        # The file is in the spec's report language, which may not be the screen's.
        report = self.controller.report_to_save or self.report
        if report is None or self.controller.running:
            return
        if path is None:
            folder = self.last_export.parent if self.last_export else default_folder()
            chosen, _f = QFileDialog.getSaveFileName(
                self, _("Save the report"), str(folder / default_name(report, suffix)), file_filter
            )
            if not chosen:
                return
            path = chosen
        target = Path(path)
        self.json_button.setEnabled(False)
        self.pdf_button.setEnabled(False)

        def done(saved: Any, error: BaseException | None) -> None:
            self._update_buttons()
            if error is not None:
                reason = str(error) if isinstance(error, ExportError) else repr(error)
                self.message.show_message(
                    _("The report was not saved. {reason}").format(reason=reason)
                )
                return
            self.last_export = Path(saved)
            self.message.show_message(
                _("Report saved: {path}. Use Open folder to find it.").format(path=saved), "pass"
            )
            self._update_buttons()

        run_task(lambda: save(report, target), done)

    def current_profile(self) -> str | None:
        """The bundled profile name or spec path now chosen."""
        return self._chosen_profile or self._pending_profile

    def take_over(self, old: MainWindow) -> None:
        """Continue where ``old`` stopped (after a language switch): the same answers and
        results, the report judged again so it reads in the new language."""
        mine, theirs = self.controller.session, old.controller.session
        if mine is None or theirs is None or mine.spec.sha256 != theirs.spec.sha256:
            return
        mine.answers.update(theirs.answers)
        self._asked = set(old._asked)
        self.last_export = old.last_export
        self.agent_name.setText(old.agent_name.text())
        self.agent_id.setText(old.agent_id.text())
        if old.controller.results:
            self.controller.results = dict(old.controller.results)
            self.controller.rejudge()

    def open_folder(self) -> None:
        if self.last_export is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_export.parent)))

    def show_about(self) -> None:
        dialog = AboutDialog(self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.controller.cancel()
        event.accept()


def _load_in_background() -> CheckRegistry:
    """Worker: find the checks, and import what planning a run needs, off the GUI thread."""
    from deskready.pdf.qt import ensure_qt_app

    ensure_qt_app()  # the PDF module's guard for PySide6 on Python 3.11 (None refcount)
    import deskready.cli.render
    import deskready.profiles
    import deskready.session  # noqa: F401 - warm the import cache before the GUI thread needs it
    from deskready.registry import discover_checks

    return discover_checks()
