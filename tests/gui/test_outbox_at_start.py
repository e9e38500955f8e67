"""The window sends the outbox on a worker after its first paint.

Here, under tests/gui, so it shares the one QApplication of the GUI tests: a QWidget made
after another test's headless QGuiApplication would abort the interpreter.
"""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QWidget

from deskready.gui import startup
from deskready.hubclient import outbox
from deskready.registry import discover_checks
from tests.hubclient.fake_hub import FakeHub
from tests.hubclient.test_outbox import hub_report


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """The fake hub, with pins and outbox in this test's own folders (as tests/hubclient)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    started = FakeHub().start()
    yield started
    started.stop()


def test_the_outbox_is_sent_off_the_gui_thread_after_the_first_paint(qtbot, hub, monkeypatch):
    fake_hub, registry = hub, discover_checks()
    fake_hub.report_status = 503
    report = hub_report(fake_hub, registry)
    outbox.save(report)
    fake_hub.report_status = None
    threads: list[threading.Thread] = []
    real = outbox.send_pending

    def recording(**kwargs):
        threads.append(threading.current_thread())
        return real(**kwargs)

    monkeypatch.setattr(outbox, "send_pending", recording)
    monkeypatch.setattr(startup, "load_checks", lambda: registry)
    window = QWidget()
    qtbot.addWidget(window)
    loader = startup.LoadAfterPaint(window)
    with qtbot.waitSignal(loader.outbox_sent, timeout=15000) as signal:
        window.show()
    outcomes, error = signal.args
    assert error is None
    assert [o.sent.status for o in outcomes] == [201]
    assert threads
    assert threads[0] is not threading.main_thread()
    assert outbox.pending() == []
