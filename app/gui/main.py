"""``deskready`` / ``deskready gui``: create the Qt application and show the window."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import psutil

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from deskready import __version__
from deskready.gui.icons import app_icon
from deskready.gui.language import apply_language, saved_language
from deskready.gui.theme import apply_theme
from deskready.gui.worker import thread_pool


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="deskready gui", add_help=True)
    parser.add_argument("--profile", help="bundled profile name or spec file to open")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system")
    parser.add_argument("--lang", help="language code (default: the system's)")
    parser.add_argument("--quit-after-paint", action="store_true", help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args(list(argv))
    return args


def create_app(argv: Sequence[str]) -> QApplication:
    """The application object, named so QSettings and the OS know who we are."""
    QCoreApplication.setOrganizationName("deskready")
    QCoreApplication.setApplicationName("deskready")
    QCoreApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    from deskready.resources.fonts import register_bundled_fonts  # no CJK face: ours

    register_bundled_fonts()
    app.setWindowIcon(app_icon())
    app.setApplicationDisplayName("deskready")
    return app


class _QuitOnFirstPaint(QObject):
    """Prints seconds from process start to the window's first paint, then quits."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.property("done"):
            self.setProperty("done", True)
            started = psutil.Process().create_time()
            print(f"first_paint_s={time.time() - started:.3f}", flush=True)
            QTimer.singleShot(0, QCoreApplication.quit)
        return False


def run_gui(argv: list[str]) -> int:
    """Run the desktop app until its window closes; return the exit code."""
    args = parse_args(argv)
    app = create_app([])
    apply_language(args.lang or saved_language(QSettings()))
    apply_theme(app, args.theme)

    from deskready.gui.windows import WindowKeeper  # after the app exists: widgets need it

    keeper = WindowKeeper(profile=args.profile)
    window = keeper.open()
    if args.quit_after_paint:  # bench/gui_startup.py: report the first paint, then leave
        window.installEventFilter(_QuitOnFirstPaint(app))
    code = app.exec()
    thread_pool().waitForDone(3000)
    return int(code)
