"""Clicking through runs with fast fake checks: questions, live views, results, Re-run."""

from __future__ import annotations

import itertools
import time

from PySide6.QtCore import Qt, QTimer

from deskready.gui.questions import AskDialog, QuestionsDialog
from tests.gui.conftest import screenshot, wait_report
from tests.gui.fakes import FakeBroken, FakeLatency
from tests.gui.helpers import answer_dialog, auto_answer, auto_ready, preanswer


def test_full_run_click_through_with_questions_and_failures(qtbot, make_window):
    window = make_window()
    auto_ready(window)  # "Put on your headset": the audio step waits for the agent
    screenshot(window, "gui-idle")
    shots: dict[str, bool] = {}

    live_mbps: list[str] = []

    def on_progress(check_id, _progress):
        if check_id == "fake_speed":
            live_mbps.append(window.rows["fake_speed"].live_label.text())
        # The microphone runs last: by then the latency chart and Mbps are on screen too.
        meter = window.rows["fake_microphone"].meter
        if check_id == "fake_microphone" and meter is not None and "running" not in shots:
            shots["running"] = True
            window.checks_scroll.verticalScrollBar().setValue(window.rows["fake_latency"].y() - 40)
            screenshot(window, "gui-running")

    window.controller.check_progressed.connect(on_progress)
    qtbot.mouseClick(window.run_button, Qt.MouseButton.LeftButton)

    # Before the run: the phone question (only the agent knows).
    qtbot.waitUntil(lambda: isinstance(window._question_dialog, QuestionsDialog), timeout=3000)
    before = window._question_dialog
    assert not isinstance(before, AskDialog)
    assert [f.question.id for f in before.fields] == ["fake.phone_kind"]
    screenshot(before, "gui-question-before")
    answer_dialog(before, {"fake.phone_kind": "corded"})

    # During the run: the speaker check asks how many beeps were heard; its thread waits.
    qtbot.waitUntil(lambda: isinstance(window._question_dialog, AskDialog), timeout=10000)
    asked = window._question_dialog
    assert window.controller.running
    screenshot(asked, "gui-question")
    answer_dialog(asked, {"fake.beeps": "3"})

    report = wait_report(qtbot, window)
    assert shots.get("running")
    assert any("Mbps" in text for text in live_mbps)  # the speed shows as it goes
    assert report["verdict"] == "not_ready"
    outcomes = {r["metric"]: r["outcome"] for r in report["rules"]}
    assert outcomes["fake.rtt_ms"] == "fail"
    assert outcomes["fake.phone_kind"] == "pass"
    assert outcomes["fake.beeps_ok"] == "pass"
    assert outcomes["fake.headset"] == "unknown"

    latency = window.rows["fake_latency"]
    assert "Fail" in latency.outcome_label.text()
    assert latency.button.text() == "Re-run"
    texts = [w.text() for w in latency.results.findChildren(type(latency.status_label))]
    assert any("Stop downloads and restart your router." in t for t in texts)
    assert any("212 ms" in t for t in texts)
    assert latency.chart is not None
    assert len(latency.chart.values()) > 5
    assert window.rows["fake_microphone"].meter is not None
    assert "No headset was found" in window.rows["fake_headset"].status_label.text()
    assert "NOT READY" in window.banner.text()
    assert window.details.topLevelItemCount() == len(report["results"]) + 1
    assert window.json_button.isEnabled()
    assert window.pdf_button.isEnabled()
    window.checks_scroll.verticalScrollBar().setValue(window.rows["fake_latency"].y() - 40)
    screenshot(window, "gui-results")
    window.tabs.setCurrentIndex(2)
    screenshot(window, "gui-details")
    window.tabs.setCurrentIndex(0)


def test_rerun_one_check_after_a_fix_updates_the_verdict(qtbot, make_window):
    window = make_window()
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.run_all()
    first = wait_report(qtbot, window)
    assert first["verdict"] == "not_ready"

    FakeLatency.rtt = 40.0  # the agent restarted the router
    FakeBroken.missing = False  # and plugged in the headset
    window.report = None
    qtbot.mouseClick(window.rows["fake_latency"].button, Qt.MouseButton.LeftButton)
    second = wait_report(qtbot, window)
    assert {r["metric"]: r["outcome"] for r in second["rules"]}["fake.rtt_ms"] == "pass"
    assert second["verdict"] == "incomplete"  # the headset still could not be checked

    window.report = None
    qtbot.mouseClick(window.rows["fake_headset"].button, Qt.MouseButton.LeftButton)
    third = wait_report(qtbot, window)
    assert third["verdict"] == "ready", [r for r in third["rules"] if r["outcome"] != "pass"]
    # The other checks kept their results from the first run.
    assert {r["check"] for r in third["results"]} == {r["check"] for r in first["results"]}
    assert "READY" in window.banner.text()
    assert "Pass" in window.rows["fake_latency"].outcome_label.text()


def test_gui_thread_never_stalls_during_a_full_run(qtbot, make_window, qapp):
    window = make_window()
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    beats: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: beats.append(time.monotonic()))
    timer.start()
    qtbot.wait(100)
    window.run_all()
    wait_report(qtbot, window)
    qtbot.wait(60)
    timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert len(gaps) > 20
    assert max(gaps) < 0.100, f"GUI thread stalled for {max(gaps) * 1000:.0f} ms"


def test_cancel_mid_run_stops_promptly_and_reports_what_finished(qtbot, make_window):
    window = make_window(slow=True)
    preanswer(window)
    auto_answer(window, {"fake.beeps": "3"})
    window.run_all()
    qtbot.waitUntil(lambda: window.rows["fake_slow"].state == "running", timeout=10000)
    assert window.cancel_button.isEnabled()
    pressed = time.monotonic()
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    report = wait_report(qtbot, window, timeout_ms=5000)
    assert time.monotonic() - pressed < 3.0
    assert report["interrupted"] is True
    statuses = {r["check"]: r["status"] for r in report["results"]}
    assert statuses["fake_slow"] == "skipped"
    assert statuses["fake_memory"] == "pass"
    assert "cancelled" in window.banner.text()
    assert window.run_button.isEnabled()
    assert not window.cancel_button.isEnabled()


def test_an_interrupted_run_stays_incomplete_when_judged_again_in_another_language(
    qtbot, make_window
):
    from deskready.checks.i18n import set_language

    # Everything that finishes passes, so only the interruption keeps this from READY.
    spec = '[employer]\nname = "X"\n[rules."fake.memory_gb"]\nmin = 3.5\n'
    spec += '[rules."fake.slow_mbps"]\nmin = 5\n'
    window = make_window(slow=True, spec=spec)
    window.run_all()
    qtbot.waitUntil(lambda: window.rows["fake_slow"].state == "running", timeout=10000)
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    first = wait_report(qtbot, window, timeout_ms=5000)
    assert first["verdict"] == "incomplete"
    assert {r["metric"]: r["outcome"] for r in first["rules"]}["fake.memory_gb"] == "pass"
    try:
        set_language("de")
        window.report = None
        window.controller.rejudge()  # what a language switch does in the same window
        again = wait_report(qtbot, window)
        assert again["language"] == "de"
        assert again["interrupted"] is True
        assert again["verdict"] == "incomplete"
        successor = make_window(slow=True, spec=spec)  # the window a language switch builds
        successor.take_over(window)
        continued = wait_report(qtbot, successor)
        assert continued["interrupted"] is True
        assert continued["verdict"] == "incomplete"
        assert continued["scope"]["complete"] is False
    finally:
        set_language("en")
