"""The app's one window, built again when the agent picks another language.

Widgets keep the texts they were given, so rather than re-texting every widget the window
is rebuilt in the new language; it takes over the plan, answers and results of the old
one (:meth:`MainWindow.take_over`), so switching never loses a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from deskready.gui.language import apply_language
from deskready.gui.window import MainWindow

if TYPE_CHECKING:  # importlib.metadata and the registry load after the first paint
    from deskready.registry import CheckRegistry


class WindowKeeper:
    """Opens the window and replaces it on a language change."""

    def __init__(
        self,
        *,
        profile: str | None = None,
        registry: CheckRegistry | None = None,
        settings: QSettings | None = None,
        adapters: Mapping[type, object] | None = None,
    ) -> None:
        self._profile = profile
        self._registry = registry
        self._settings = settings
        self._adapters = adapters
        self.window: MainWindow | None = None

    def open(self) -> MainWindow:
        """Show the window (replacing the current one, if any, in the active language)."""
        previous = self.window
        window = MainWindow(
            profile=previous.current_profile() if previous else self._profile,
            registry=previous.registry if previous else self._registry,
            settings=self._settings,
            adapters=self._adapters,
        )
        window.language_changed.connect(self.switch_language)
        if previous is not None:
            window.setGeometry(previous.geometry())
            window.take_over(previous)
        window.show()
        self.window = window
        if previous is not None:
            previous.close()
            previous.deleteLater()
        return window

    def switch_language(self, code: str | None) -> None:
        """Speak ``code`` (None: the system's language) from now on."""
        apply_language(code)
        self.open()
