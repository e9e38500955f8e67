"""The display check and its screen sources: recorded OS output, Qt, and no screen at all.

(Kept beside the GUI tests because the Qt-backed source lives in ``app/gui``.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deskready.checks.api import CheckContext
from deskready.checks.display.display_check import DisplayCheck
from deskready.checks.display.parse import parse_system_profiler, parse_xrandr, sizes_from_rects
from deskready.checks.display.screen_info import ScreenInfo

DATA = Path(__file__).resolve().parents[1] / "data" / "display"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("xrandr_laptop_plus_vga.txt", [(1920, 1080), (1280, 1024)]),
        ("xrandr_one_output_off.txt", [(1920, 1080), (2560, 1600)]),  # HDMI-1 is off
    ],
)
def test_xrandr(name, expected):
    assert parse_xrandr((DATA / name).read_text()) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("system_profiler_m3_external.json", [(3600, 2250), (7680, 4320)]),
        ("system_profiler_m1_builtin.json", [(2880, 1800)]),
        ("system_profiler_resolution_only.json", [(2560, 1440), (1920, 1080)]),
    ],
)
def test_system_profiler(name, expected):
    assert parse_system_profiler((DATA / name).read_text()) == expected


def test_windows_rects():
    rects = json.loads((DATA / "windows_monitor_rects.json").read_text())["rects"]
    assert sizes_from_rects(tuple(r) for r in rects) == [(2560, 1440), (1920, 1080)]


def test_garbage_is_unknown_not_a_crash():
    assert parse_xrandr("command not found") is None
    assert parse_system_profiler("{not json") is None
    assert parse_system_profiler('{"other": 1}') is None


class FakeScreens(ScreenInfo):
    def __init__(self, sizes):
        self.sizes = sizes

    def screens(self):
        return self.sizes


def run(sizes):
    ctx = CheckContext(adapters={ScreenInfo: FakeScreens(sizes)})
    return DisplayCheck().run(ctx)


def test_two_screens_pass_case():
    result = run([(1920, 1080), (2560, 1440)])
    assert result.values == {
        "display.count": 2,
        "display.max_width": 2560,
        "display.max_height": 1440,
    }


def test_unknown_screens_are_none_not_an_error():
    result = run(None)
    assert result.values == {
        "display.count": None,
        "display.max_width": None,
        "display.max_height": None,
    }
    assert result.messages


def test_headless_linux_default_is_unknown(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert ScreenInfo().screens() is None


def test_linux_default_reads_xrandr(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    text = (DATA / "xrandr_laptop_plus_vga.txt").read_text()
    monkeypatch.setattr(ScreenInfo, "run", lambda self, args: text if args[0] == "xrandr" else None)
    assert ScreenInfo().screens() == [(1920, 1080), (1280, 1024)]


def test_qt_screen_info_uses_physical_pixels(qapp):
    from PySide6.QtGui import QGuiApplication

    from deskready.gui.screens import QtScreenInfo

    screen = QGuiApplication.primaryScreen()
    ratio = screen.devicePixelRatio()
    expected = (round(screen.geometry().width() * ratio), round(screen.geometry().height() * ratio))
    assert QtScreenInfo().screens()[0] == expected
    assert len(QtScreenInfo().screens()) == len(QGuiApplication.screens())
