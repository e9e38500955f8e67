"""The display check's screens as Qt sees them, injected in place of the OS commands.

Qt knows every screen on every platform (including Wayland, where ``xrandr`` sees only
XWayland), but may only be asked on the GUI thread, while checks run on worker threads.
So the list is read once, when the run starts, and the check gets that snapshot.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from deskready.checks.display.parse import Size
from deskready.checks.display.screen_info import ScreenInfo


class QtScreenInfo(ScreenInfo):
    """Screens from ``QGuiApplication.screens()``, in physical pixels (HiDPI-aware)."""

    def __init__(self) -> None:
        self._sizes: list[Size] = []
        for screen in QGuiApplication.screens():
            geometry = screen.geometry()  # device-independent pixels
            ratio = screen.devicePixelRatio()
            self._sizes.append((round(geometry.width() * ratio), round(geometry.height() * ratio)))

    def screens(self) -> list[Size] | None:
        return list(self._sizes)
