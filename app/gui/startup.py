"""Paint first, then load: the checks pull in numpy, sounddevice, psutil, pydantic…

:class:`LoadAfterPaint` waits for the window's first paint (or one second, in case no
paint ever comes) and then finds the checks in a worker, so the agent sees a window at
once and the GUI thread never imports the heavy modules itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from deskready.gui.worker import run_task

if TYPE_CHECKING:
    from deskready.registry import CheckRegistry


class LoadAfterPaint(QObject):
    """Emits :attr:`loaded` on the GUI thread once the checks are found."""

    #: (registry, None) or (None, the error)
    loaded = Signal(object, object)
    #: (the outcomes of deskready.hubclient.outbox.send_pending, None) or (None, the error)
    outbox_sent = Signal(object, object)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._loading = False
        window.installEventFilter(self)
        QTimer.singleShot(1000, self._start)  # in case no paint ever comes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Paint and not self._loading:
            QTimer.singleShot(0, self._start)
        return False

    def _start(self) -> None:
        if self._loading:
            return
        self._loading = True
        window = self.parent()
        if window is not None:
            window.removeEventFilter(self)
        run_task(load_checks, self._done)
        # Reports that waited for the employer's hub go out now, on a worker (network).
        run_task(send_outbox, self.outbox_sent.emit)

    def _done(self, registry: Any, error: BaseException | None) -> None:
        self.loaded.emit(registry, error)


def send_outbox() -> list[Any]:
    """Worker: send the reports waiting for an employer's hub (docs/hub-protocol.md §7)."""
    from deskready.gui.hub_join import write_report_file
    from deskready.hubclient import outbox

    if not outbox.pending():
        return []
    # The files the run wrote get the attestation: the JSON, and the PDF rendered again.
    return outbox.send_pending(writer=write_report_file)


def load_checks() -> CheckRegistry:
    """Worker: find the checks, and import what planning a run needs, off the GUI thread."""
    from deskready.pdf.qt import ensure_qt_app

    ensure_qt_app()  # the PDF module's guard for PySide6 on Python 3.11 (None refcount)
    import deskready.cli.render
    import deskready.profiles
    import deskready.session  # noqa: F401 - warm the import cache before the GUI thread needs it
    from deskready.registry import discover_checks

    warm_up()
    return discover_checks()


def warm_up() -> None:
    """Import what a run needs on the GUI thread, before the run: the first import of a
    module that uses PySide makes shiboken read its source (``inspect.getsource``), and
    babel loads a locale's number data on first use, and the details tree's words come
    with rich — together 100-300 ms on a loaded machine, which the GUI thread would otherwise spend in the middle of the first run."""
    import deskready.answers
    import deskready.cli.render  # rich, for the details tree's outcome words
    import deskready.gui.bridge
    import deskready.gui.questions
    import deskready.report.fixes  # noqa: F401
    from deskready.format import format_number

    format_number(1.5)
