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
from tests.hubclient.conftest import fake_hub, hub_home, registry  # noqa: F401 (fixtures)
from tests.hubclient.test_outbox import hub_report


def test_the_outbox_is_sent_off_the_gui_thread_after_the_first_paint(
    qtbot,
    fake_hub,
    registry,
    monkeypatch,  # noqa: F811 (the fixtures imported above)
):
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
