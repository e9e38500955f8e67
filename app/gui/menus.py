"""The menu bar: File, Run, Language and Help, with the usual shortcuts.

Every action calls a handler the window passes in; the menus hold no state of their own
beyond the Run actions and the Language menu, which the window enables and disables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from deskready.checks.i18n import _
from deskready.gui.language import language_menu

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None


@dataclass(frozen=True)
class MenuHandlers:
    """What the menu entries do."""

    open_spec_file: Callable[[], object]
    save_json: Callable[[], object]
    save_pdf: Callable[[], object]
    quit: Callable[[], object]
    run_all: Callable[[], object]
    cancel: Callable[[], object]
    about: Callable[[], object]
    #: the agent picked a language (its code, or None for the system's)
    language: Callable[[str | None], object]


@dataclass(frozen=True)
class Menus:
    """The entries whose state follows the run."""

    run_action: QAction
    cancel_action: QAction
    language_menu: QMenu

    def set_state(self, *, ready: bool, running: bool) -> None:
        """Run while a plan is ready and idle; Cancel and no language switch while running."""
        self.run_action.setEnabled(ready and not running)
        self.cancel_action.setEnabled(running)
        self.language_menu.setEnabled(not running)


def build_menus(window: QMainWindow, settings: QSettings, on: MenuHandlers) -> Menus:
    """Fill ``window``'s menu bar."""

    def action(text: str, slot: Callable[[], object], shortcut: Shortcut = None) -> QAction:
        act = QAction(text, window)
        act.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        return act

    bar = window.menuBar()
    file_menu = bar.addMenu(_("&File"))
    file_menu.addAction(
        action(_("&Open spec file…"), on.open_spec_file, QKeySequence.StandardKey.Open)
    )
    file_menu.addAction(
        action(_("Save report as &JSON…"), on.save_json, QKeySequence.StandardKey.Save)
    )
    file_menu.addAction(
        action(_("Save report as &PDF…"), on.save_pdf, QKeySequence.StandardKey.Print)
    )
    file_menu.addSeparator()
    file_menu.addAction(action(_("Run &history…"), lambda: _open_history(window), "Ctrl+H"))
    file_menu.addSeparator()
    file_menu.addAction(action(_("&Quit"), on.quit, QKeySequence.StandardKey.Quit))
    run_menu = bar.addMenu(_("&Run"))
    run_action = action(_("&Run all checks"), on.run_all, "Ctrl+R")
    cancel_action = action(_("&Cancel"), on.cancel, "Esc")
    run_menu.addAction(run_action)
    run_menu.addAction(cancel_action)
    languages = language_menu(window, settings, on.language)
    bar.addMenu(languages)
    help_menu = bar.addMenu(_("&Help"))
    help_menu.addAction(
        action(_("&About deskready"), on.about, QKeySequence.StandardKey.HelpContents)
    )
    return Menus(run_action, cancel_action, languages)


def _open_history(window: QMainWindow) -> None:
    """The run history (deskready.gui.history_view), loaded only when asked for."""
    from deskready.gui.history_view import show_history

    show_history(window)
