"""The guided run: the start page, one step at a time, results first — by keyboard alone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from deskready.gui.questions import AskDialog, QuestionsDialog
from deskready.gui.results_page import ResultsPage
from deskready.gui.steps import plan_steps
from deskready.report.fixes import FixKind
from tests.gui.conftest import wait_report
from tests.gui.fakes import FAST, FakeBroken, FakeLatency
from tests.gui.helpers import auto_answer, preanswer


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def press(qtbot, key: Qt.Key, text: str = "") -> None:
    widget = focused()
    assert widget is not None, "nothing has keyboard focus"
    qtbot.keyClick(widget, key)


def test_steps_are_the_plans_categories_in_order_and_only_audio_waits():
    steps = plan_steps(FAST)
    assert [s.category.value for s in steps] == ["system", "audio", "network", "phone"]
    assert [s.check_ids for s in steps][1] == ("fake_headset", "fake_microphone", "fake_speaker")
    assert [bool(s.gate) for s in steps] == [False, True, False, False]
    assert not any(s.gate for s in plan_steps(FAST, gates=False))  # a re-run does not wait


def test_a_whole_run_from_the_keyboard_alone(qtbot, make_window):
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.profile_combo.setFocus()
    # Tab follows reading order on the start page, up to the one Start button.
    visited = []
    for _i in range(10):
        if focused() is window.run_button:
            break
        press(qtbot, Qt.Key.Key_Tab)
        visited.append(focused())
    bar = window.profile_bar
    assert visited == [
        bar.open_button,
        bar.code,
        bar.join_button,
        bar.agent_name,
        bar.agent_id,
        window.run_button,
    ]
    headings: list[str] = []
    window.controller.step_started.connect(lambda i: headings.append(window.guided.heading.text()))
    press(qtbot, Qt.Key.Key_Space)  # Start

    # Before the run: the phone question, answered with the arrow keys and Enter.
    qtbot.waitUntil(lambda: isinstance(window._question_dialog, QuestionsDialog), timeout=3000)
    qtbot.waitUntil(lambda: focused() is not None and focused().window() is window._question_dialog)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)

    # The audio step waits: "Put on your headset", I'm ready has focus; Enter presses it.
    qtbot.waitUntil(lambda: window.guided.gate is not None, timeout=5000)
    assert "headset" in window.guided.instruction.text()
    assert window.guided.heading.text() == "Step 3 of 5 — Audio"
    qtbot.waitUntil(lambda: focused() is window.guided.ready_button, timeout=2000)
    press(qtbot, Qt.Key.Key_Return)

    # During the step: how many beeps? Typed, then Enter.
    qtbot.waitUntil(lambda: isinstance(window._question_dialog, AskDialog), timeout=10000)
    qtbot.waitUntil(lambda: focused() is not None and focused().window() is window._question_dialog)
    qtbot.keyClicks(focused(), "3")
    press(qtbot, Qt.Key.Key_Return)

    report = wait_report(qtbot, window)
    assert headings == [
        "Step 1 of 5 — Computer",
        "Step 2 of 5 — Network",
        "Step 3 of 5 — Audio",
        "Step 4 of 5 — Phone",
    ]
    rules = {r["metric"]: r["outcome"] for r in report["rules"]}
    assert rules["fake.phone_kind"] == "pass"  # the arrow key chose "A corded phone"
    assert rules["fake.beeps_ok"] == "pass"  # "3" was typed

    # Results first: the page lists what to fix, and focus is on its first Run again.
    assert window.pages.currentWidget() is window.results_page
    page = window.results_page
    first = page.items[0]
    assert first.fix.kind is FixKind.FAILED
    assert first.fix.check_id == "fake_latency"
    qtbot.waitUntil(lambda: focused() is first.button, timeout=2000)
    FakeLatency.rtt = 40.0  # the agent restarted the router, then presses Enter
    window.report = None
    press(qtbot, Qt.Key.Key_Return)
    again = wait_report(qtbot, window)
    assert {r["metric"]: r["outcome"] for r in again["rules"]}["fake.rtt_ms"] == "pass"
    assert [i.fix.check_id for i in window.results_page.items] == ["fake_headset"]


def test_results_first_orders_what_to_fix_and_each_item_runs_its_check_again(qtbot, make_window):
    window = make_window()
    preanswer(window)
    auto_answer(window, {"fake.beeps": "0"})  # heard nothing: that requirement fails too
    window.run_all()
    wait_report(qtbot, window)
    page = window.results_page
    kinds = [i.fix.kind for i in page.items]
    assert kinds == sorted(kinds, key=list(FixKind).index)  # failed, could not check, …
    assert [h.text() for h in page.headings] == [
        FixKind.FAILED.heading(),
        FixKind.COULD_NOT_CHECK.heading(),
    ]
    by_check = {i.fix.check_id: i for i in page.items}
    assert set(by_check) == {"fake_latency", "fake_speaker", "fake_headset"}
    assert by_check["fake_latency"].found.text() == "212 ms — needs at most 150 ms"
    assert by_check["fake_latency"].advice.text() == "Stop downloads and restart your router."
    assert "No headset was found" in by_check["fake_headset"].advice.text()
    # Tabbing from button to button, a screen reader hears what each item is about.
    button = by_check["fake_latency"].button
    assert button.accessibleName() == "Run the Call quality check again"
    assert "Stop downloads and restart your router." in button.accessibleDescription()

    FakeBroken.missing = False  # plugged in
    window.report = None
    qtbot.mouseClick(by_check["fake_headset"].button, Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is window.guided  # the re-run shows its step
    assert window.guided.gate is None  # and does not wait: the agent just fixed it
    report = wait_report(qtbot, window)
    assert {r["check"]: r["status"] for r in report["results"]}["fake_headset"] == "pass"
    assert "fake_headset" not in {i.fix.check_id for i in window.results_page.items}

    page.details_button.click()
    assert window.tabs.currentWidget() is window.checks_scroll
    page.restart_button.click()
    assert window.pages.currentWidget() is window.start_page


def test_the_countdown_after_im_ready(qtbot, make_window):
    window = make_window()
    window.guided.countdown_s = 2
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"}, delay_ms=10)
    seen: list[str] = []
    window.guided._tick.timeout.connect(lambda: seen.append(window.guided.countdown.text()))
    window.run_all()
    qtbot.waitUntil(lambda: window.guided.countdown.isVisible(), timeout=5000)
    assert window.guided.countdown.text() == "Starting in 2 seconds…"
    window.resize(1000, 720)  # the docs' size, where German wrapped it over two lines
    window.guided.countdown.setText("Start in 1 Sekunde…")
    qtbot.wait(20)
    countdown = window.guided.countdown
    assert countdown.width() >= countdown.fontMetrics().horizontalAdvance(countdown.text())
    assert window.controller.running
    assert window.rows["fake_microphone"].state == "waiting"  # nothing records yet
    wait_report(qtbot, window)
    assert seen[0] == "Starting in 1 second…"


def test_cancel_at_the_gate_stops_the_run(qtbot, make_window):
    window = make_window()
    preanswer(window)
    window.run_all()
    qtbot.waitUntil(lambda: window.guided.gate is not None, timeout=5000)
    window.cancel()
    report = wait_report(qtbot, window)
    assert report["interrupted"]
    assert report["verdict"] != "ready"
    statuses = {r["check"]: r["status"] for r in report["results"]}
    assert statuses["fake_memory"] == "pass"  # the step before the gate ran
    assert statuses["fake_microphone"] == "skipped"
    assert not window.guided.ready_button.isVisible()


def test_the_reverify_banner_sits_under_the_verdict_and_follows_the_runs(
    qtbot, make_window, monkeypatch, tmp_path
):
    from tests.gui.fakes import SPEC

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # a history of its own
    monkeypatch.setenv("DESKREADY_HISTORY", "on")
    window = make_window(spec=SPEC + "\n[reverify]\nevery_days = 30\n")
    banner = window.reverify
    assert banner is not None
    column = window._column
    assert column.indexOf(banner) == column.indexOf(window.banner) + 1
    qtbot.waitUntil(banner.isVisible, timeout=5000)
    before = banner.label.text()
    assert before
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.run_all()
    wait_report(qtbot, window)
    qtbot.waitUntil(lambda: banner.label.text() != before, timeout=5000)
    assert banner.due is not None
    assert banner.due.due is not None  # a complete run: the next check has a date


def test_a_run_with_nothing_left_to_fix_is_proof_only_when_it_is_ready(qtbot):
    # An interrupted run whose last item Run again fixed lists nothing, yet stays incomplete.
    page = ResultsPage()
    qtbot.addWidget(page)
    page.show_report({"verdict": "incomplete", "interrupted": True, "rules": [], "results": []})
    assert page.items == []
    assert "proof" in page.summary.text()
    assert "no readiness proof" in page.summary.text()
    assert "meets every requirement" not in page.summary.text()
    assert page.restart_button.text().replace("&", "") in page.summary.text()
    page.show_report({"verdict": "ready", "interrupted": False, "rules": [], "results": []})
    assert "meets every requirement checked" in page.summary.text()
    assert "no readiness proof" not in page.summary.text()


def test_start_begins_afresh_and_run_again_keeps_an_interrupted_run_interrupted(qtbot, make_window):
    window = make_window()
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.run_all()
    first = wait_report(qtbot, window)
    assert not first["interrupted"]
    assert {r["check"]: r["status"] for r in first["results"]}["fake_microphone"] == "pass"

    # Start again, then Cancel at the gate: the microphone never ran in this run, so it
    # is not shown with the first run's result.
    window.report = None
    window.run_all()
    qtbot.waitUntil(lambda: window.guided.gate is not None, timeout=5000)
    window.cancel()
    cancelled = wait_report(qtbot, window)
    assert cancelled["interrupted"]
    assert {r["check"]: r["status"] for r in cancelled["results"]}["fake_microphone"] == "skipped"

    # Run again of one item does not make the interrupted run whole.
    window.report = None
    window.run_one("fake_memory")
    again = wait_report(qtbot, window)
    assert again["interrupted"] is True
    assert again["verdict"] != "ready"
