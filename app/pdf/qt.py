"""One place that makes sure a Qt application object exists before any painting.

Rendering a PDF needs fonts, and Qt only loads fonts once a QGuiApplication exists. The CLI
renders PDFs without any window, so the library creates the application itself, on the
offscreen platform when there is no display, instead of making every caller remember.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication


def _has_display() -> bool:
    """True when a windowing system is reachable (always on Windows and macOS)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


_none_guarded = False


def _guard_none_refcount() -> None:
    """Work around PySide6 6.12 dropping a reference to None on Python 3.11.

    Each call of a Qt method that returns nothing (``setPen``, ``drawLine``…) decrements
    None's reference count without having incremented it. On Python 3.11 None is not yet
    immortal (PEP 683, 3.12), so a few renderings bring the count to zero and the
    interpreter aborts ("none_dealloc: deallocating None"), usually at exit. Giving None
    a very large count makes it effectively immortal, as it is on 3.12+.
    """
    global _none_guarded
    # 3.12+: None is immortal. Py_TRACE_REFS builds (sys.getobjects) put other fields first.
    if _none_guarded or sys.version_info >= (3, 12) or hasattr(sys, "getobjects"):
        return
    import ctypes

    # ob_refcnt is the first field of every object in CPython 3.11 (non-debug build).
    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
    _none_guarded = True


def ensure_qt_app() -> QCoreApplication:
    """Return the running Qt application, creating a headless QGuiApplication if none.

    An existing application (the GUI's QApplication, pytest-qt's) is reused: Qt allows only
    one per process. A bare QCoreApplication cannot render fonts, so it is rejected loudly
    rather than producing a PDF without text.

    Raises:
        RuntimeError: a QCoreApplication without GUI support is already running.
    """
    _guard_none_refcount()
    app = QCoreApplication.instance()
    if app is not None:
        if not isinstance(app, QGuiApplication):
            raise RuntimeError("A QCoreApplication is running; PDF rendering needs a GUI one.")
        return app
    if not _has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QGuiApplication([sys.argv[0] if sys.argv else "deskready"])
