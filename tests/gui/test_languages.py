"""The window in each language: switching keeps the run, Qt's own texts follow, and no
label or button is cut off (German is long; Japanese needs CJK glyphs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QPushButton, QTabWidget

from deskready.checks.i18n import LANGUAGE_NAMES, active_language, catalogue
from deskready.gui.language import SETTING, apply_language
from deskready.gui.window import MIN_SIZE, MainWindow
from deskready.gui.windows import WindowKeeper
from deskready.registry import discover_checks
from tests.gui.conftest import screenshot, spec_file, wait_report

SPEC = """
[employer]
name = "Example Contact Center"
name_ja = "サンプル・コンタクトセンター"
contact = "it-support@example.com"

[rules."memory.total_gb"]
min = 0.5

[rules."disk.free_gb"]
min = 0.1

[rules."cpu.logical_cores"]
min = 64
severity = "recommended"
advice = "A computer with more cores keeps calls smooth."
advice_de = "Ein Computer mit mehr Kernen hält Anrufe flüssig."
advice_ja = "コア数の多いコンピューターなら通話が安定します。"

[rules."display.count"]
min = 1
"""


@pytest.fixture(autouse=True)
def english_again() -> Iterator[None]:
    yield
    apply_language("en")


def tr(language: str, msgid: str) -> str:
    return catalogue(language).gettext(msgid)


def assert_nothing_cut_off(window: MainWindow) -> None:
    """Every visible button and one-line label has room for its text."""
    for button in window.findChildren(QPushButton):
        if button.isVisible():
            assert button.width() >= button.minimumSizeHint().width(), button.text()
    for label in window.findChildren(QLabel):
        if label.isVisible() and not label.wordWrap() and label.text():
            assert label.width() >= label.minimumSizeHint().width(), label.text()
    for tabs in window.findChildren(QTabWidget):
        bar = tabs.tabBar()
        for index in range(bar.count()):
            assert bar.tabRect(index).width() >= bar.tabSizeHint(index).width() - 1


def choose_language(window: MainWindow, code: str) -> None:
    """Pick ``code`` from the Language menu, as the agent would."""
    action = next(a for a in window.language_menu.actions() if a.data() == code)
    assert action.text() == LANGUAGE_NAMES[code]  # each language named in itself
    action.trigger()


def test_switching_language_rebuilds_the_window_and_keeps_the_run(qtbot, settings, tmp_path):
    keeper = WindowKeeper(
        profile=str(spec_file(tmp_path, SPEC)), registry=discover_checks(), settings=settings
    )
    window = keeper.open()
    qtbot.addWidget(window)
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.controller.session is not None, timeout=10000)
    window.run_all()
    english = wait_report(qtbot, window, timeout_ms=30000)
    assert english["language"] == "en"

    for code in ("de", "ja"):
        old = keeper.window
        assert old is not None
        choose_language(old, code)
        window = keeper.window
        assert window is not None
        assert window is not old
        qtbot.addWidget(window)
        assert active_language() == code
        assert settings.value(SETTING) == code
        assert window.run_button.text() == tr(code, "&Start")
        report = wait_report(qtbot, window)  # judged again from the kept results
        assert report["language"] == code
        assert report["verdict"] == english["verdict"]
        titles = {r["check"]: r["title"] for r in report["results"]}
        assert titles["memory"] == tr(code, "Memory") != "Memory"
        banner = window.banner.text()
        assert tr(code, "READY") in banner or tr(code, "NOT READY") in banner, banner
        # Qt's own dialogs speak the language too (Qt ships qtbase_de/ja catalogues).
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") != "Cancel"
        for width, height in ((1280, 800), MIN_SIZE):
            window.resize(width, height)
            qtbot.wait(50)
            assert_nothing_cut_off(window)
        window.resize(1280, 800)
        window.tabs.setCurrentIndex(0)
        screenshot(window, f"gui-{code}")
        window.tabs.setCurrentIndex(2)
        screenshot(window, f"gui-{code}-details")
        window.tabs.setCurrentIndex(0)
    assert window is not None
    window.close()


def test_the_saved_choice_and_system_language(settings, monkeypatch):
    from deskready.gui.language import saved_language

    assert saved_language(settings) is None
    settings.setValue(SETTING, "nl")
    assert saved_language(settings) == "nl"
    settings.setValue(SETTING, "klingon")
    assert saved_language(settings) is None
    monkeypatch.setenv("LANGUAGE", "ms")
    assert apply_language(None) == "ms"
