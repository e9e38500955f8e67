"""The GUI's language: the agent's choice (remembered), Qt's own strings, the menu.

deskready's texts come from :mod:`deskready.checks.i18n`; Qt's built-in texts (the buttons of file
dialogs and message boxes) come from the ``qtbase_<lang>.qm`` catalogues Qt ships, loaded
here for the same language. Qt ships none for Malay, so those few stay English there.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from deskready.checks.i18n import LANGUAGE_NAMES, LANGUAGES, _, normalise_language, set_language

SETTING = "ui/language"
_installed: list[QTranslator] = []


def saved_language(settings: QSettings) -> str | None:
    """The language the agent picked last time, or None for "the system's"."""
    return normalise_language(str(settings.value(SETTING, "") or ""))


def apply_language(code: str | None) -> str:
    """Switch deskready's and Qt's texts to ``code`` (None: the system's); return it."""
    active = set_language(code)
    app = QCoreApplication.instance()
    if app is None:
        return active
    while _installed:
        app.removeTranslator(_installed.pop())
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if active != "en" and translator.load(QLocale(active), "qtbase", "_", folder):
        app.installTranslator(translator)
        _installed.append(translator)
    return active


def language_menu(
    parent: QWidget, settings: QSettings, on_change: Callable[[str | None], object]
) -> QMenu:
    """A menu with "System language" and each language named in itself (日本語, Deutsch…),
    so an agent who cannot read the current language still finds their own."""
    menu = QMenu(_("&Language"), parent)
    group = QActionGroup(menu)
    group.setExclusive(True)
    current = saved_language(settings)
    for code in (None, *LANGUAGES):
        label = _("System language") if code is None else LANGUAGE_NAMES[code]
        act = QAction(label, menu)
        act.setCheckable(True)
        act.setChecked(code == current)
        act.setData(code or "")
        group.addAction(act)
        menu.addAction(act)

    def chosen(act: QAction) -> None:
        code = str(act.data() or "") or None
        settings.setValue(SETTING, code or "")
        on_change(code)

    group.triggered.connect(chosen)
    return menu
