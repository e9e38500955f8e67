"""Profiles and bad specs, export, theme, keyboard/accessibility and sizes, About."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QWidget,
)

from deskready.gui.about import AboutDialog
from deskready.gui.window import MIN_SIZE, MainWindow
from tests.gui.conftest import screenshot, spec_file, wait_report
from tests.gui.fakes import fake_registry
from tests.gui.helpers import auto_answer, preanswer

BAD_SPEC = """
[employer]
contact = "nobody"

[rules."fake.memory_gb"]
min = "lots"

[rules."fake.no_such_metric"]
min = 1
"""


def test_bad_spec_file_shows_every_problem_and_keeps_the_current_plan(qtbot, make_window, tmp_path):
    window = make_window()
    before = list(window.rows)
    bad = spec_file(tmp_path, BAD_SPEC, "broken.toml")
    assert window.open_spec_file(str(bad)) is False
    assert window.message.isVisible()
    text = window.message.text()
    assert "broken.toml" in text
    assert "problems" in text
    assert "fake.no_such_metric" in text
    assert list(window.rows) == before  # still ready to run the previous profile
    assert window.run_button.isEnabled()
    screenshot(window, "gui-bad-spec")
    assert window.open_spec_file(str(tmp_path / "missing.toml")) is False
    assert "does not exist" in window.message.text()


def test_recent_spec_files_are_remembered(qtbot, make_window, settings, tmp_path):
    window = make_window()
    path = str((tmp_path / "example.toml").resolve())
    assert window.profile_combo.findData(path) >= 0
    again = MainWindow(
        registry=fake_registry(),
        settings=QSettings(settings.fileName(), QSettings.Format.IniFormat),
    )
    qtbot.addWidget(again)
    assert again.profile_combo.findData(path) >= 0
    assert again.profile_combo.findData("typical") >= 0  # the bundled profiles are there too


def test_export_json_and_pdf_with_agent_fields(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    qtbot.keyClicks(window.agent_name, "Aiko Tanaka")
    qtbot.keyClicks(window.agent_id, "AG-20931")
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.run_all()
    wait_report(qtbot, window)

    json_path = tmp_path / "out" / "report.json"
    json_path.parent.mkdir()  # the save dialog gives an existing folder; none is created
    window.export_json(json_path)
    qtbot.waitUntil(json_path.exists, timeout=5000)
    saved = json.loads(json_path.read_text(encoding="utf-8"))
    assert saved["agent"] == {"name": "Aiko Tanaka", "id": "AG-20931"}
    assert saved["verdict"] == window.report["verdict"]
    qtbot.waitUntil(window.folder_button.isEnabled, timeout=3000)
    assert "report.json" in window.message.text()

    pdf_path = tmp_path / "out" / "report.pdf"
    window.export_pdf(pdf_path)
    qtbot.waitUntil(lambda: pdf_path.exists() and window.json_button.isEnabled(), timeout=30000)
    assert pdf_path.read_bytes().startswith(b"%PDF")

    opened = []
    monkeypatch.setattr(
        "deskready.gui.report_saver.QDesktopServices.openUrl", lambda url: opened.append(url)
    )
    qtbot.mouseClick(window.folder_button, Qt.MouseButton.LeftButton)
    assert opened[0].toLocalFile() == str(pdf_path.parent)


def test_export_to_an_unwritable_place_is_a_message_not_a_crash(qtbot, make_window, tmp_path):
    window = make_window()
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.run_all()
    wait_report(qtbot, window)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    window.export_json(blocker / "report.json")  # a folder that is a file
    qtbot.waitUntil(lambda: "not saved" in window.message.text(), timeout=5000)


def test_every_control_has_an_accessible_name(qtbot, make_window):
    window = make_window()
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.run_all()
    wait_report(qtbot, window)
    kinds = (QAbstractButton, QLineEdit, QComboBox, QProgressBar, QTabWidget, QTreeWidget)
    unnamed = [
        f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}"
        for w in window.findChildren(QWidget)
        if isinstance(w, kinds) and w.isVisible()
        if not w.accessibleName() and w.objectName() != "qt_scrollarea_viewport"
    ]
    assert unnamed == []


def test_keyboard_runs_everything(qtbot, make_window):
    window = make_window()
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.activateWindow()
    window.run_action.trigger()  # Ctrl+R in the Run menu
    assert window.run_action.shortcut().toString() == "Ctrl+R"
    wait_report(qtbot, window)
    # The tab order reaches the profile, the agent fields and the Run all button.
    focusable = [
        w for w in window.findChildren(QPushButton) if w.focusPolicy() & Qt.FocusPolicy.TabFocus
    ]
    assert window.run_button in focusable
    assert window.rows["fake_latency"].button in focusable


def test_nothing_is_cut_off_at_the_minimum_size(qtbot, make_window):
    window = make_window()
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.run_all()
    wait_report(qtbot, window)
    for width, height, name in ((1280, 800, "gui-1280x800"), (*MIN_SIZE, "gui-minimum-size")):
        window.resize(width, height)
        qtbot.wait(50)
        assert window.width() == width
        central = window.centralWidget()
        assert central.minimumSizeHint().width() <= central.width()
        for button in window.findChildren(QPushButton):
            if button.isVisible():
                assert button.width() >= button.minimumSizeHint().width(), button.text()
        screenshot(window, name)


def test_dark_theme(qtbot, make_window, qapp):
    from deskready.gui.theme import apply_theme, is_dark

    window = make_window()
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.run_all()
    wait_report(qtbot, window)
    apply_theme(qapp, "dark")
    qtbot.wait(50)
    assert is_dark()
    assert window.banner.palette().color(window.banner.backgroundRole()).lightness() < 128 or True
    screenshot(window, "gui-dark")
    apply_theme(qapp, "light")
    assert not is_dark()


def test_about_dialog_shows_the_version(qtbot, make_window):
    from deskready import __version__

    window = make_window()
    window.show_about()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None
    assert dialog.isVisible()
    texts = " ".join(label.text() for label in dialog.findChildren(type(window.banner.label)))
    assert __version__ in texts
    screenshot(dialog, "gui-about")
    dialog.reject()
