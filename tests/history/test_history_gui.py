"""The GUI's history dialog and re-verification banner over real kept runs (offscreen Qt)."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

from deskready.checks.l10n import format_date
from deskready.gui.history_view import HistoryDialog
from deskready.gui.menus import MenuHandlers, build_menus
from deskready.gui.reverify_banner import ReverifyBanner
from deskready.history.due import Due
from deskready.history.store import HistoryStore
from deskready.spec import load_spec_text
from tests.history.runs import history_env, registry, run_once, spec_text

pytestmark = pytest.mark.gui


@pytest.fixture
def history(monkeypatch, tmp_path):
    return history_env(monkeypatch, tmp_path)


def open_dialog(qtbot, store: HistoryStore, **options) -> HistoryDialog:
    dialog = HistoryDialog(store=store, **options)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.diff_shown, timeout=10_000):
        pass
    return dialog


def test_the_dialog_lists_runs_and_says_what_changed(qtbot, history):
    run_once(20.0, "usb")
    run_once(4.0, "bluetooth")
    dialog = open_dialog(qtbot, HistoryStore(history))
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 0).text() == "2"
    assert dialog.table.item(0, 2).text() == "ACME Calls"
    assert dialog.table.item(0, 3).text() == "✘ NOT READY"
    assert "Upload speed: 4 Mbps (needs at least 5 Mbps)" in dialog.table.item(0, 4).text()
    lines = dialog.change_lines()
    assert lines[0].startswith("Compared with run 1 (")
    assert "Verdict: READY → NOT READY" in lines
    assert "Upload speed: 20 Mbps → 4 Mbps (Pass → Fail)" in lines
    assert "How the headset is connected: USB → Bluetooth (Pass → Fail)" in lines
    with qtbot.waitSignal(dialog.diff_shown, timeout=10_000):
        dialog.table.selectRow(1)
    assert dialog.change_lines() == [
        "This is the first run kept; there is nothing to compare it with."
    ]


def test_delete_asks_and_deletes(qtbot, history):
    run_once(20.0)
    run_once(4.0)
    answers = []

    def confirm(_parent, question):
        answers.append(question)
        return len(answers) > 1  # "no" the first time

    dialog = open_dialog(qtbot, HistoryStore(history), confirm=confirm)
    dialog.delete_selected()
    assert answers == ["Delete run 2?"]
    assert len(HistoryStore(history).runs()) == 2
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.delete_selected()
    assert [r.id for r in HistoryStore(history).runs()] == [1]
    assert dialog.table.rowCount() == 1
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.delete_all()
    assert dialog.table.rowCount() == 0
    assert not history.exists()
    assert dialog.note.text() == "No runs kept yet: each finished check is kept here."


def test_the_banner_says_when_the_next_check_is_due(qtbot, history):
    run_once()
    spec = load_spec_text(spec_text(30), registry(), file_name="acme.toml")
    banner = ReverifyBanner()
    qtbot.addWidget(banner)
    banner.show()
    with qtbot.waitSignal(banner.updated, timeout=10_000):
        banner.show_for(spec)
    due_day = date.today() + timedelta(days=30)
    words = format_date(datetime.combine(due_day, datetime.min.time()))
    assert banner.text() == f"Your employer asks for a new check by {words}."
    assert banner.isVisible()
    # Overdue: the same sentence as the CLI's.
    late = Due(30, datetime.now() - timedelta(days=33), date.today() - timedelta(days=3))
    banner.set_due(late)
    assert banner.text().endswith("it is 3 days overdue.")
    # A spec that asks for nothing hides the banner.
    banner.show_for(load_spec_text(spec_text(None), registry(), file_name="acme.toml"))
    assert not banner.isVisible()
    assert banner.text() == ""


def test_the_file_menu_opens_the_history(qtbot, history):
    window = QMainWindow()
    qtbot.addWidget(window)

    def nothing(*_args):
        return None

    handlers = MenuHandlers(*([nothing] * 8))
    build_menus(window, QSettings("deskready-tests", "menus"), handlers)
    file_menu = window.menuBar().actions()[0].menu()
    entry = next(a for a in file_menu.actions() if a.text() == "Run &history…")
    entry.trigger()
    dialogs = window.findChildren(HistoryDialog)
    assert len(dialogs) == 1
    assert dialogs[0].isVisible()
    with qtbot.waitSignal(dialogs[0].loaded, timeout=10_000, raising=False):
        pass
    dialogs[0].close()


def test_a_delete_that_fails_says_why(qtbot, history, monkeypatch):
    from deskready.history.store import HistoryError

    run_once(20.0)
    store = HistoryStore(history)
    dialog = open_dialog(qtbot, store, confirm=lambda _parent, _question: True)

    def locked(_run_id):
        raise HistoryError("Cannot use the run history: database is locked")

    monkeypatch.setattr(store, "delete", locked)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.delete_selected()
    assert dialog.table.rowCount() == 1
    assert dialog.note.text() == "Cannot use the run history: database is locked"
