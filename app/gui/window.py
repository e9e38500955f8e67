"""The main window: the parts of deskready's one window, put together and wired.

Each part has one job: :class:`~deskready.gui.profile_bar.ProfileBar` picks the profile
(bundled or a recent spec file), takes an employer code, and holds the agent's name and ID;
:class:`~deskready.gui.hub_join.HubLink` joins the employer's hub and submits the report;
:class:`~deskready.gui.question_flow.QuestionFlow` asks what only the agent can answer;
:class:`~deskready.gui.run_view.RunView` shows the run and its results per check;
the *Overview* tab holds the guided run's pages — :class:`~deskready.gui.start_page.StartPage`,
:class:`~deskready.gui.guided_view.GuidedView` (one step at a time, see
:mod:`deskready.gui.steps`) and :class:`~deskready.gui.results_page.ResultsPage` (what to
fix, first);
:class:`~deskready.gui.report_saver.ReportSaver` saves the report;
:mod:`deskready.gui.menus` builds the menus; :mod:`deskready.gui.handover` carries a run
into the window rebuilt after a language switch. The window only lays them out, turns a
choice of profile into a plan, and starts runs through
:class:`deskready.gui.controller.RunController`. Loading checks, running them and writing
files happen in workers (:mod:`deskready.gui.worker`), so the GUI thread never waits.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from deskready.checks.display.screen_info import ScreenInfo
from deskready.checks.i18n import _
from deskready.gui import handover
from deskready.gui.about import AboutDialog
from deskready.gui.banners import MessageBar, VerdictBanner
from deskready.gui.controller import RunController
from deskready.gui.guided_view import GuidedView
from deskready.gui.hub_join import HubLink, delivery_message, outbox_message
from deskready.gui.icons import app_icon
from deskready.gui.menus import MenuHandlers, build_menus
from deskready.gui.profile_bar import ProfileBar, ProfileError, plan_profile
from deskready.gui.question_flow import QuestionFlow
from deskready.gui.report_saver import ReportSaver
from deskready.gui.results_page import ResultsPage
from deskready.gui.run_view import RunView
from deskready.gui.screens import QtScreenInfo
from deskready.gui.start_page import StartPage
from deskready.gui.startup import LoadAfterPaint
from deskready.gui.steps import plan_steps

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

    from deskready.gui.check_row import CheckRow
    from deskready.gui.reverify_banner import ReverifyBanner
    from deskready.registry import CheckRegistry

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
        self._pending_profile = profile
        self._chosen_profile: str | None = None
        #: the run started goes to the employer's hub when it is judged
        self._submit_next = False
        #: what the outbox sent at start, shown once the first profile is loaded
        self._outbox_notice: tuple[str, str] | None = None

        #: "check again by …" (``[reverify]``), placed once the checks are loaded
        self.reverify: ReverifyBanner | None = None
        self.setWindowTitle("deskready")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(*MIN_SIZE)
        self.resize(*DEFAULT_SIZE)

        self.controller = RunController(self)
        self.message = MessageBar()
        self.banner = VerdictBanner()
        self.profile_bar = ProfileBar(self.settings)
        self.hub = HubLink(self.settings, self)
        self.questions = QuestionFlow(self)
        # No part holds a Python reference to the window (it would outlive its C++ side).
        view = self.run_view = RunView(self.banner, self.message, self)
        self.saver = ReportSaver(self, self.controller, lambda: view.report, self.message)
        self.start_page = StartPage(self.profile_bar, view.run_button)
        self.guided = GuidedView()
        self.results_page = ResultsPage()
        self.pages = QStackedWidget()
        self.pages.setAccessibleName(_("Overview"))
        for page in (self.start_page, self.guided, self.results_page):
            self.pages.addWidget(page)
        view.tabs.insertTab(0, self.pages, _("Overview"))
        view.tabs.setCurrentIndex(0)
        self._expose_parts()
        self._lay_out()
        self.menus = build_menus(
            self,
            self.settings,
            MenuHandlers(
                open_spec_file=self.open_spec_file,
                save_json=self.export_json,
                save_pdf=self.export_pdf,
                quit=self.close,
                run_all=self.run_all,
                cancel=self.cancel,
                about=self.show_about,
                language=self.language_changed.emit,
            ),
        )
        self.run_action = self.menus.run_action
        self.cancel_action = self.menus.cancel_action
        self.language_menu = self.menus.language_menu
        self._wire()
        self._update_buttons()
        if registry is not None:
            from deskready.gui.startup import warm_up

            warm_up()  # a registry at hand: the modules are (nearly all) loaded already
            self._on_registry(registry, None)
        else:
            self.banner.show_idle(_("Loading the checks…"))
            loader = LoadAfterPaint(self)
            loader.loaded.connect(self._on_registry)
            loader.outbox_sent.connect(self._on_outbox_sent)

    # -- composition ---------------------------------------------------------------------
    def _expose_parts(self) -> None:
        """The parts' widgets under the names the window has always had."""
        bar, view, saver = self.profile_bar, self.run_view, self.saver
        self.profile_combo = bar.profile_combo
        self.open_button = bar.open_button
        self.agent_name = bar.agent_name
        self.agent_id = bar.agent_id
        self.code_field = bar.code
        self.join_button = bar.join_button
        self.checks_scroll = view.checks_scroll
        self.details = view.details
        self.tabs = view.tabs
        self.run_button = view.run_button
        self.cancel_button = view.cancel_button
        self.overall = view.overall
        self.json_button = saver.json_button
        self.pdf_button = saver.pdf_button
        self.folder_button = saver.folder_button

    def _lay_out(self) -> None:
        bottom = QHBoxLayout()
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.overall, 1)
        bottom.addStretch(0)
        bottom.addWidget(self.json_button)
        bottom.addWidget(self.pdf_button)
        bottom.addWidget(self.folder_button)

        central = QWidget()
        layout = self._column = QVBoxLayout(central)
        layout.addWidget(self.message)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.setCentralWidget(central)
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        """Tab follows reading order: the message, the tabs, the page, then the bottom bar
        (widgets would otherwise be visited in the order they were made)."""
        bar, guided, results = self.profile_bar, self.guided, self.results_page
        chain: list[QWidget] = [
            self.message.close_button,
            self.tabs.tabBar(),
            bar.profile_combo,
            bar.open_button,
            bar.code,
            bar.join_button,
            bar.agent_name,
            bar.agent_id,
            self.run_button,
            guided.ready_button,
            results.details_button,
            results.restart_button,
            self.checks_scroll,
            self.details,
            self.cancel_button,
            self.json_button,
            self.pdf_button,
            self.folder_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _wire(self) -> None:
        view, controller = self.run_view, self.controller
        self.profile_bar.chosen.connect(self.choose_profile)
        self.profile_bar.code_entered.connect(self.join_hub)
        self.profile_bar.leave_requested.connect(self.leave_hub)
        self.hub.join_done.connect(self._on_joined)
        self.hub.sent.connect(self._on_sent)
        self.hub.changed.connect(self._update_buttons)
        view.run_requested.connect(self.run_one)
        results, guided = self.results_page, self.guided
        results.run_requested.connect(self.run_one)
        results.details_requested.connect(lambda: self.tabs.setCurrentIndex(1))
        results.restart_requested.connect(self.start_over)
        controller.step_started.connect(guided.step_started)
        controller.gate_reached.connect(guided.show_gate)
        controller.check_started.connect(guided.check_started)
        controller.check_progressed.connect(guided.check_progressed)
        controller.report_ready.connect(self._show_results)
        controller.run_failed.connect(lambda _message: self._after_failed_run())
        self.open_button.clicked.connect(lambda: self.open_spec_file())
        self.run_button.clicked.connect(self.run_all)
        self.cancel_button.clicked.connect(self.cancel)
        self.saver.changed.connect(self._update_buttons)
        controller.run_started.connect(view.run_started)
        controller.run_started.connect(lambda _ids: self._update_buttons())
        controller.check_started.connect(view.check_started)
        controller.check_progressed.connect(view.check_progressed)
        controller.check_finished.connect(view.check_finished)
        controller.question_asked.connect(self.questions.answer_during_run)
        controller.report_ready.connect(view.show_report)
        controller.report_ready.connect(self._on_report)
        controller.report_ready.connect(lambda _report: self._update_buttons())
        controller.run_failed.connect(view.run_failed)
        controller.run_failed.connect(lambda _message: self._update_buttons())

    def _update_buttons(self) -> None:
        running = self.controller.running
        hub = self.hub
        # A report the hub signed used the session's nonce: a new run needs a new code.
        ready = self.controller.session is not None and not hub.busy and not hub.signed
        self.run_view.set_state(ready=ready, running=running)
        self.results_page.set_enabled_to_run(ready and not running)
        self.menus.set_state(ready=ready, running=running)
        self.menus.language_menu.setEnabled(not running and not hub.busy)
        self.profile_bar.set_choosable(not running and not hub.busy)
        self.saver.set_state(has_report=self.report is not None and not running and not hub.busy)

    # -- state the parts hold, under the window's names ----------------------------------
    @property
    def rows(self) -> dict[str, CheckRow]:
        """One row per planned check, by check id."""
        return self.run_view.rows

    @property
    def report(self) -> dict[str, Any] | None:
        """The report on screen (the agent's language); None until a run finished."""
        return self.run_view.report

    @report.setter
    def report(self, report: dict[str, Any] | None) -> None:
        self.run_view.report = report

    @property
    def last_export(self) -> Path | None:
        return self.saver.last_export

    @property
    def _question_dialog(self) -> QDialog | None:
        """The question dialog on screen, if any (tests answer it)."""
        return self.questions.dialog

    # -- profiles ------------------------------------------------------------------------
    def _on_registry(self, registry: Any, error: BaseException | None) -> None:
        from deskready.registry import CheckRegistry

        if error is not None or not isinstance(registry, CheckRegistry):
            self.message.show_message(
                _("The checks could not be loaded: {reason}").format(reason=error)
            )
            return
        self.registry = registry
        self._place_reverify_banner()
        self.profile_bar.fill()
        self.choose_profile(self._pending_profile or self.profile_bar.current())
        if self._outbox_notice is not None:  # came before the checks: shown now
            self.message.show_message(*self._outbox_notice)
            self._outbox_notice = None

    def open_spec_file(self, path: str | None = None) -> bool:
        """Load a spec file (asks with a file dialog when ``path`` is None)."""
        if path is None:
            path = self.profile_bar.ask_for_spec_file()
            if path is None:
                return False
        return self.choose_profile(path)  # remembers it in the recent files

    def choose_profile(self, name_or_path: str | None) -> bool:
        """Plan a run for a bundled profile or a spec file; errors go to the message bar."""
        if self.registry is None or self.controller.running:
            return False
        if self.hub.joined is not None:
            self.message.show_message(
                _("The employer's hub gave the requirements; press Leave to choose a profile.")
            )
            return False
        try:
            session = plan_profile(name_or_path, self.registry)
        except ProfileError as exc:
            self.message.show_message(str(exc))
            return False
        self.message.hide()
        self._chosen_profile = name_or_path
        self.controller.set_session(session)
        self.questions.reset()
        self.run_view.show_plan(session)
        self._show_start(session)
        self.profile_bar.show_chosen(name_or_path)
        self.banner.show_idle(
            _("Profile: {employer}. Press Start to check your setup.").format(
                employer=_(session.spec.employer.name)
            )
        )
        self._update_buttons()
        return True

    # -- the employer's hub ----------------------------------------------------------------
    def join_hub(self, text: str) -> bool:
        """Join the hub of an employer code or link, in a worker (see :meth:`_on_joined`)."""
        if self.registry is None or self.controller.running:
            return False
        if not self.hub.join(text, self.registry):
            return False
        self.message.show_message(_("Joining your employer's hub…"), "not_checked")
        return True

    def _on_joined(self, plan: Any, problem: str | None) -> None:
        if problem is not None or plan is None:
            self.message.show_message(problem or "")
            return
        self._use_hub_plan(plan.session)
        from deskready.hubclient.pins import Trust

        joined = plan.joined
        text = _("Joined {name} ({hub}) as agent {agent}.").format(
            name=joined.name, hub=joined.hub, agent=joined.agent_id
        )
        kind = "pass"
        if joined.trust is Trust.FIRST_CONTACT:
            kind = "warn"
            text += "\n" + _(
                "First contact with this hub: its key {key} is now trusted on this "
                "computer (check it with your employer if in doubt)."
            ).format(key=joined.key_id)
        self.message.show_message(text, kind)

    def _use_hub_plan(self, session: Any) -> None:
        """Check against the hub's spec from now on (the profile list is disabled)."""
        joined = self.hub.joined
        if joined is None:
            return
        self.controller.set_session(session)
        self.questions.reset()
        self.run_view.show_plan(session)
        self._show_start(session)
        self.profile_bar.show_hub(joined.name, joined.agent_id)
        self.banner.show_idle(
            _("Your employer's hub: {employer}. Press Start to check your setup.").format(
                employer=_(session.spec.employer.name)
            )
        )
        self._update_buttons()

    def leave_hub(self) -> None:
        """Back to the profiles (a report sent or waiting stays so)."""
        if self.controller.running or self.hub.busy or self.hub.joined is None:
            return
        self.hub.leave()
        self.profile_bar.show_hub(None)
        self.choose_profile(self._chosen_profile or self.profile_bar.current())

    def _on_report(self, _report: Any) -> None:
        """A run was judged: with a hub, a complete run's report goes to it."""
        if self.hub.joined is None:
            return
        submit, self._submit_next = self._submit_next, False
        if not submit:  # judged again (a language switch): the report sent stays the one saved
            if self.hub.final is not None:
                self.controller.report_to_save = self.hub.final
            return
        report = self.controller.report_to_save
        if report is None:
            return
        if report.get("interrupted") or (report.get("scope") or {}).get("complete") is False:
            self.message.show_message(
                _(
                    "Not sent to your employer: only a complete run counts. To check "
                    "everything, press Check again from the start, then Start."
                ),
                "warn",
            )
            return
        self.message.show_message(_("Sending the report to your employer's hub…"), "not_checked")
        self.hub.submit(report)

    def _on_sent(self, sent: Any) -> None:
        if not sent.delivery.refused:
            self.controller.report_to_save = sent.report
        self.message.show_message(*delivery_message(sent))

    def _on_outbox_sent(self, outcomes: Any, error: BaseException | None) -> None:
        notice = outbox_message(outcomes, error)
        if notice is None:
            return
        if self.registry is None:  # the first profile's plan would hide it
            self._outbox_notice = notice
        else:
            self.message.show_message(*notice)

    def current_profile(self) -> str | None:
        """The bundled profile name or spec path now chosen."""
        return self._chosen_profile or self._pending_profile

    # -- running -------------------------------------------------------------------------
    def run_all(self) -> None:
        session = self.controller.session
        if session is None or self.controller.running:
            return
        self.questions.ask_then(
            session, self.questions.pending_for_all(session), lambda: self._start(None)
        )

    def run_one(self, check_id: str) -> None:
        session = self.controller.session
        if session is None or self.controller.running:
            return
        check = next((c for c in session.checks if c.id == check_id), None)
        if check is None:
            return
        self.questions.ask_then(
            session, self.questions.pending_for(session, check), lambda: self._start([check_id])
        )

    def _start(self, check_ids: list[str] | None) -> None:
        session = self.controller.session
        if session is None:
            return
        if self.hub.joined is not None:
            self.hub.bind(session, self.profile_bar.agent_name_text())
            self._submit_next = True
        else:
            session.agent = self.profile_bar.agent()
        adapters: dict[type, object] = {ScreenInfo: QtScreenInfo()}
        adapters.update(self.extra_adapters)
        wanted = None if check_ids is None else set(check_ids)
        checks = [c for c in session.checks if wanted is None or c.id in wanted]
        # A run of everything waits for the agent where a step needs them; a re-run after
        # a fix does not (they pressed Run again with the headset on).
        steps = plan_steps(checks, gates=check_ids is None)
        self.guided.show_steps(steps, {c.id: _(c.title) for c in checks})
        self.pages.setCurrentWidget(self.guided)
        if check_ids is None:
            self.tabs.setCurrentIndex(0)
        self.controller.start(check_ids, adapters, steps)

    # -- the pages -----------------------------------------------------------------------
    def _place_reverify_banner(self) -> None:
        """Under the verdict: when the employer wants the next check (``[reverify]``).

        Made once the checks are loaded, not before the first paint: it reads the run
        history (sqlite3, hashlib: ~20 ms of imports)."""
        if self.reverify is not None:
            return
        from deskready.gui.reverify_banner import ReverifyBanner

        self.reverify = ReverifyBanner()
        self._column.insertWidget(self._column.indexOf(self.banner) + 1, self.reverify)
        self.controller.report_ready.connect(lambda _report: self._refresh_reverify())

    def _refresh_reverify(self) -> None:
        session = self.controller.session
        if self.reverify is not None:
            self.reverify.show_for(session.spec if session is not None else None)

    def _show_start(self, session: Any) -> None:
        self._refresh_reverify()
        self.start_page.show_steps(plan_steps(session.checks))
        self.pages.setCurrentWidget(self.start_page)
        if self.focusWidget() is None:  # the keyboard starts at the top of the page
            self.profile_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_results(self, report: Any) -> None:
        """Results first: the verdict is in the banner; the page says what to fix."""
        self.guided.run_over()
        self.results_page.show_report(report)
        self.pages.setCurrentWidget(self.results_page)
        if self.tabs.currentIndex() == 0:
            # After the event loop shows the new items (a layout shows children queued).
            QTimer.singleShot(0, self._focus_results)

    def _focus_results(self) -> None:
        if self.pages.currentWidget() is self.results_page:
            self.results_page.first_control().setFocus(Qt.FocusReason.OtherFocusReason)

    def _after_failed_run(self) -> None:
        self.guided.run_over()
        has_results = self.report is not None
        self.pages.setCurrentWidget(self.results_page if has_results else self.start_page)

    def start_over(self) -> None:
        """Back to the start page (to choose another employer or run everything again)."""
        if self.controller.running:
            return
        self.pages.setCurrentWidget(self.start_page)
        self.tabs.setCurrentIndex(0)
        self.run_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def cancel(self) -> None:
        if self.controller.running:
            self.controller.cancel()
            self.run_view.cancelling()

    # -- export, language, about ---------------------------------------------------------
    def export_json(self, path: str | Path | None = None) -> None:
        self.saver.export_json(path)

    def export_pdf(self, path: str | Path | None = None) -> None:
        self.saver.export_pdf(path)

    def open_folder(self) -> None:
        self.saver.open_folder()

    def take_over(self, old: MainWindow) -> None:
        """Continue where ``old`` stopped (after a language switch): the same answers and
        results, the report judged again so it reads in the new language."""
        if old.hub.joined is not None and old.controller.session is not None:
            self.hub.take_over(old.hub)
            # The same session object the old window planned: its hub binding and answers.
            self._use_hub_plan(old.controller.session)
        handover.take_over(self, old)

    def show_about(self) -> None:
        dialog = AboutDialog(self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.controller.cancel()
        event.accept()
