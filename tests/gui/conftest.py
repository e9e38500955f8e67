"""GUI test fixtures: offscreen Qt, a window over fake checks, screenshots.

Native file dialogs cannot be clicked offscreen, so tests call the window's handlers
with a path (the handlers take one for exactly this reason). Screenshots go to
``build/gui-screenshots`` (or ``$DESKREADY_SCREENSHOTS``) for people to look at.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from deskready.gui.main import create_app
from deskready.gui.theme import apply_theme
from deskready.gui.window import MainWindow
from deskready.gui.worker import pending_tasks
from tests.gui.fakes import SLOW_SPEC, SPEC, FakeBroken, FakeLatency, fake_registry

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("DESKREADY_SCREENSHOTS", ROOT / "build" / "gui-screenshots"))


@pytest.fixture(scope="session")
def qapp_cls():
    return QApplication


@pytest.fixture(scope="session")
def qapp(qapp_args, qapp_cls):  # pytest-qt's fixture, made through our own factory
    existing = QApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        # Qt allows one application per process, and a headless one (made by rendering a
        # PDF in-process) cannot host widgets. Failing, not skipping: a silent skip would
        # drop every GUI test from the full run. Render PDFs in a subprocess before tests/gui
        # (tests/pdf runs after it), or run the PDF tests on their own.
        pytest.fail(
            "a headless QGuiApplication already runs in this process (a test before tests/gui "
            "rendered a PDF in-process); the GUI tests need a QApplication"
        )
    app = create_app([])
    apply_theme(app, "light")
    return app


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(autouse=True)
def _reset_fakes(qapp):
    FakeLatency.rtt = 212.0
    FakeBroken.missing = True
    apply_theme(qapp, "light")
    return


def spec_file(tmp_path: Path, text: str = SPEC, name: str = "example.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def make_window(qtbot, settings, tmp_path) -> Iterator[Callable[..., MainWindow]]:
    windows: list[MainWindow] = []

    def make(*, slow: bool = False, registry=None, spec: str | None = None) -> MainWindow:
        window = MainWindow(registry=registry or fake_registry(slow=slow), settings=settings)
        window.guided.countdown_s = 0  # the countdown has its own test
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        text = spec if spec is not None else (SLOW_SPEC if slow else SPEC)
        assert window.open_spec_file(str(spec_file(tmp_path, text)))
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.controller.cancel()
        window.close()
    deadline = time.monotonic() + 5
    while pending_tasks() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


def screenshot(widget: QWidget, name: str) -> Path:
    """Save ``widget`` as ``<SHOTS>/<name>.png`` and return the path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), path
    return path


def wait_report(qtbot, window: MainWindow, timeout_ms: int = 15000) -> dict:
    qtbot.waitUntil(
        lambda: window.report is not None and not window.controller.running, timeout=timeout_ms
    )
    assert window.report is not None
    return window.report
