"""``deskready`` / ``deskready gui``: create the Qt application and show the window."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

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


def create_app(argv: Sequence[str], *, fonts: bool = True) -> QApplication:
    """The application object, named so QSettings and the OS know who we are.

    ``fonts`` False leaves the bundled fonts to :func:`register_fonts_later` (after the
    window's first paint), as the app itself does when its language needs none of them.
    """
    QCoreApplication.setOrganizationName("deskready")
    QCoreApplication.setApplicationName("deskready")
    QCoreApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    if fonts:
        from deskready.resources.fonts import register_bundled_fonts  # no CJK face: ours

        register_bundled_fonts()
    app.setWindowIcon(app_icon())
    app.setApplicationDisplayName("deskready")
    return app


#: Languages whose text needs the bundled CJK faces on the very first paint.
CJK_LANGUAGES = frozenset({"ja", "zh", "ko"})

#: Set by a launcher (bench/gui_startup.py) to ``time.time()`` just before it starts us.
LAUNCHED_AT = "DESKREADY_LAUNCHED_AT"


def register_fonts_later(window: QObject) -> None:
    """Register the bundled fonts once ``window`` has painted (16 ms that the first
    paint does without when the language is written in Latin script)."""
    from deskready.resources.fonts import register_bundled_fonts

    class _AfterPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                QTimer.singleShot(0, register_bundled_fonts)
            return False

    window.installEventFilter(_AfterPaint(window))


class _QuitOnFirstPaint(QObject):
    """Prints seconds from launch to the window's first paint, then quits.

    Launch is ``$DESKREADY_LAUNCHED_AT`` when the launcher gives it; otherwise the process's
    creation time, which Linux derives from the boot time in whole seconds, so that figure
    can be up to a second too high (constant per boot).
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.property("done"):
            painted = time.time()
            self.setProperty("done", True)
            launched = os.environ.get(LAUNCHED_AT)
            if launched:
                started = float(launched)
            else:
                import psutil  # after the paint: it costs ~25 ms to import

                started = psutil.Process().create_time()
            print(f"first_paint_s={painted - started:.3f}", flush=True)
            print(f"first_paint_at={painted:.6f}", flush=True)
            QTimer.singleShot(0, QCoreApplication.quit)
        return False


def run_gui(argv: list[str]) -> int:
    """Run the desktop app until its window closes; return the exit code."""
    args = parse_args(argv)
    app = create_app([], fonts=False)
    language = apply_language(args.lang or saved_language(QSettings()))
    cjk = language.split("_")[0] in CJK_LANGUAGES
    if cjk:  # the first paint needs them (a system without CJK faces would show boxes)
        from deskready.resources.fonts import register_bundled_fonts

        register_bundled_fonts()
    apply_theme(app, args.theme)

    from deskready.gui.windows import WindowKeeper  # after the app exists: widgets need it

    keeper = WindowKeeper(profile=args.profile)
    window = keeper.open()
    if not cjk:
        register_fonts_later(window)
    if args.quit_after_paint:  # bench/gui_startup.py: report the first paint, then leave
        window.installEventFilter(_QuitOnFirstPaint(app))
    code = app.exec()
    thread_pool().waitForDone(3000)
    return int(code)
