"""Icons from ``resources/icons`` (SVG, so they stay sharp on HiDPI screens)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from deskready.resources import resource


@cache
def icon(name: str) -> QIcon:
    """``resources/icons/<name>.svg`` as an icon (an empty icon if it is missing)."""
    path = resource("icons", f"{name}.svg")
    if not path.is_file():
        return QIcon()
    return QIcon(str(path))


def app_icon() -> QIcon:
    """The application icon (window title bar, task bar, About dialog)."""
    return icon("deskready")
