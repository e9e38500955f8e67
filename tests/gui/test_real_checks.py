"""A full run of the real system checks (and the display check through Qt) in the window."""

from __future__ import annotations

from deskready.registry import discover_checks
from tests.gui.conftest import screenshot, wait_report

SYSTEM_SPEC = """
[employer]
name = "System-only profile"

[rules."memory.total_gb"]
min = 0.5

[rules."disk.free_gb"]
min = 0.1

[rules."cpu.logical_cores"]
min = 1

[rules."power.on_ac"]
equals = true
severity = "recommended"

[rules."display.count"]
min = 1
"""


def test_real_system_and_display_checks(qtbot, make_window):
    registry = discover_checks()
    assert "display" in registry.checks
    window = make_window(registry=registry, spec=SYSTEM_SPEC)
    assert set(window.rows) >= {"cpu", "memory", "disk", "power", "display"}
    window.run_all()
    report = wait_report(qtbot, window, timeout_ms=30000)
    statuses = {r["check"]: r["status"] for r in report["results"]}
    assert statuses["memory"] == "pass"
    assert statuses["disk"] == "pass"
    assert statuses["display"] == "pass"
    measured = {r["check"]: r["measurements"] for r in report["results"]}
    assert measured["display"]["display.count"] >= 1
    assert measured["display"]["display.max_width"] > 0
    screenshot(window, "gui-real-system")


def test_window_paints_first_then_loads_checks_and_the_default_profile(qtbot, settings):
    from deskready.gui.window import MainWindow

    window = MainWindow(settings=settings)  # no registry given: discovered in a worker
    qtbot.addWidget(window)
    assert window.registry is None
    assert "Loading" in window.banner.text()
    window.show()
    qtbot.waitUntil(lambda: window.controller.session is not None, timeout=15000)
    assert window.profile_combo.currentData() == "typical"
    assert {"os", "memory", "bandwidth", "microphone"} <= set(window.rows)
    assert "Typical contact-center employer" in window.banner.text()
    window.close()
