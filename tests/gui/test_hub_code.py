"""The *Employer code* field: join the hub, run against its spec, submit, the outbox.

Against the fake hub of tests/hubclient/fake_hub.py on 127.0.0.1, with the fast fake
checks of tests/gui/fakes.py (the hub's spec names their metrics).
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import pytest

from PySide6.QtCore import Qt, QTimer

from deskready.gui.hub_join import LAST_HUB, HubLink
from deskready.gui.window import MainWindow
from deskready.hubclient import attest, outbox
from tests.gui.conftest import screenshot, spec_file, wait_report
from tests.gui.fakes import fake_registry
from tests.hubclient.fake_hub import FakeHub

HUB_SPEC = b"""[employer]
name = "ACME Calls"

[rules]
"fake.memory_gb" = { min = 4 }
"""


class SlowHub(FakeHub):
    """Every answer takes a while: a GUI thread that waited on the network would stall."""

    delay_s = 0.0

    def handle(self, h: Any, method: str) -> None:
        time.sleep(self.delay_s)
        super().handle(h, method)


@pytest.fixture(autouse=True)
def hub_home(tmp_path, monkeypatch):
    """Pins and outbox in this test's own folders (platformdirs reads XDG_* each call)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def hub():
    server = SlowHub(spec=HUB_SPEC).start()
    yield server
    server.stop()


def link(hub: FakeHub) -> str:
    return f"{hub.url}/join/{hub.invite()}"


def enter_code(qtbot, window: MainWindow, text: str) -> None:
    window.code_field.clear()
    qtbot.keyClicks(window.code_field, text)
    qtbot.keyClick(window.code_field, Qt.Key.Key_Return)


def joined(qtbot, window: MainWindow, text: str) -> None:
    enter_code(qtbot, window, text)
    qtbot.waitUntil(lambda: window.hub.joined is not None, timeout=10000)


def wait_sent(qtbot, window: MainWindow) -> str:
    qtbot.waitUntil(lambda: not window.hub.busy and window.report is not None, timeout=15000)
    qtbot.waitUntil(lambda: "Sending" not in window.message.text(), timeout=15000)
    return window.message.text()


def test_the_code_field_is_named_and_says_what_goes_in_it(make_window):
    window = make_window()
    assert window.code_field.accessibleName() == "Employer code"
    assert window.code_field.placeholderText() == "Code or link from your employer"
    assert window.join_button.accessibleName()
    assert window.join_button.isEnabled()
    shot = screenshot(window, "gui-employer-code")
    assert shot.stat().st_size > 0


def test_entering_the_link_joins_and_plans_the_hubs_spec(qtbot, make_window, hub):
    window = make_window()
    assert "fake_speed" in window.rows  # the profile's plan first
    joined(qtbot, window, link(hub))
    assert set(window.rows) == {"fake_memory"}
    assert "ACME Calls" in window.banner.text()
    assert "Joined ACME Calls hub" in window.message.text()
    screenshot(window, "gui-employer-hub-joined")
    assert "First contact" in window.message.text()
    assert not window.profile_combo.isEnabled()
    assert not window.open_button.isEnabled()
    assert window.agent_id.text() == "AG-7"
    assert window.agent_id.isReadOnly()
    assert window.join_button.text().replace("&", "") == "Leave"
    assert window.settings.value(LAST_HUB) == hub.url
    session = window.controller.session
    assert session is not None
    assert session.spec.sha256 == window.hub.joined.spec.sha256
    # another spec file cannot be loaded while the hub's spec is in use
    assert not window.choose_profile(None)
    assert "Leave" in window.message.text()


def test_a_run_is_submitted_and_the_saved_files_carry_the_attestation(
    qtbot, make_window, hub, tmp_path
):
    window = make_window()
    window.agent_name.setText("Aiko Tanaka")
    joined(qtbot, window, link(hub))
    window.run_all()
    wait_report(qtbot, window)
    message = wait_sent(qtbot, window)
    assert "Sent to your employer and signed" in message
    assert "/verify/" in message
    screenshot(window, "gui-employer-hub-sent")
    assert hub.report_posts == 1
    # the nonce is used: no further run goes to this session
    assert not window.run_button.isEnabled()
    out = tmp_path / "signed.json"
    window.export_json(out)
    qtbot.waitUntil(lambda: window.last_export == out, timeout=10000)
    saved = json.loads(out.read_text(encoding="utf-8"))
    session = saved["hub"]["session"]
    assert saved["attestation"] == hub.reports[session]["attestation"]
    assert saved["verify_url"] == hub.reports[session]["verify_url"]
    assert saved["agent"] == {"id": "AG-7", "name": "Aiko Tanaka"}
    result = attest.check(saved, window.hub.joined.keys)
    assert result.ok, result.problems
    pdf = tmp_path / "signed.pdf"
    window.export_pdf(pdf)
    qtbot.waitUntil(lambda: window.last_export == pdf, timeout=20000)
    from deskready.pdf.embedded import extract_embedded_report

    assert extract_embedded_report(pdf)["verify_url"] == saved["verify_url"]


def test_the_hub_down_keeps_the_report_in_the_outbox_and_says_so(qtbot, make_window, hub):
    window = make_window()
    joined(qtbot, window, link(hub))
    hub.report_status = 503
    window.run_all()
    wait_report(qtbot, window)
    message = wait_sent(qtbot, window)
    assert "Not sent yet — it waits and is sent when the hub can be reached" in message
    (entry,) = outbox.pending()
    assert entry.session == window.controller.session.hub["session"]
    assert window.run_button.isEnabled()  # not signed: the session is still open
    # a re-run once the hub is back is sent; the report that waited is superseded
    hub.report_status = None
    window.run_all()
    qtbot.waitUntil(
        lambda: (
            hub.report_posts == 2 and not window.hub.busy and "Sending" not in window.message.text()
        ),
        timeout=15000,
    )
    assert "Sent to your employer and signed" in window.message.text()
    assert outbox.pending() == []


def test_a_report_that_waits_is_sent_at_the_next_start_into_the_files_saved(
    qtbot, make_window, hub, tmp_path
):
    window = make_window()
    joined(qtbot, window, link(hub))
    hub.report_status = 503
    window.run_all()
    wait_report(qtbot, window)
    assert "Not sent yet" in wait_sent(qtbot, window)
    out = tmp_path / "waiting.json"
    window.export_json(out)
    qtbot.waitUntil(lambda: window.last_export == out, timeout=10000)
    assert "attestation" not in json.loads(out.read_text(encoding="utf-8"))
    (entry,) = outbox.pending()
    assert entry.files == {"json": str(out)}
    # next start: the outbox goes out on a worker, the saved file gets the signature
    hub.report_status = None
    from deskready.gui import startup

    outcomes = startup.send_outbox()
    window._on_outbox_sent(outcomes, None)
    assert "sent to your employer and signed" in window.message.text()
    assert outbox.pending() == []
    assert "attestation" in json.loads(out.read_text(encoding="utf-8"))


def test_the_window_sends_the_outbox_at_start_and_says_so(
    qtbot, settings, tmp_path, monkeypatch, hub
):
    from deskready.gui import startup
    from tests.hubclient.test_outbox import hub_report

    registry = fake_registry()
    hub.report_status = 503
    outbox.save(hub_report(hub, registry))
    outbox.save(hub_report(hub, registry))
    hub.report_status = None
    monkeypatch.setattr(startup, "load_checks", lambda: registry)
    window = MainWindow(settings=settings, profile=str(spec_file(tmp_path)))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "sent to your employer" in window.message.text(), timeout=15000)
    assert "2 reports that waited" in window.message.text()
    assert window.registry is registry
    assert outbox.pending() == []


def test_a_bad_code_shows_its_error_and_keeps_the_profile(qtbot, make_window, hub):
    window = make_window()
    enter_code(qtbot, window, "not a code")
    qtbot.waitUntil(lambda: not window.hub.busy, timeout=10000)
    assert "is not an invite code" in window.message.text()
    assert window.hub.joined is None
    assert window.profile_combo.isEnabled()
    assert "fake_speed" in window.rows
    # a well-formed code the hub does not know
    enter_code(qtbot, window, f"{hub.url}/join/{'A' * 32}")
    qtbot.waitUntil(
        lambda: not window.hub.busy and "Joining" not in window.message.text(), timeout=10000
    )
    assert "does not know this invite code" in window.message.text()
    assert "\n" not in window.message.text()  # one line
    # a bare code before any hub was joined: it needs the link
    enter_code(qtbot, window, hub.invite())
    qtbot.waitUntil(
        lambda: not window.hub.busy and "Joining" not in window.message.text(), timeout=10000
    )
    assert "whole link" in window.message.text()
    assert window.hub.joined is None


def test_a_bare_code_goes_to_the_hub_joined_last_and_leave_returns_to_profiles(
    qtbot, make_window, hub
):
    window = make_window()
    joined(qtbot, window, link(hub))
    qtbot.mouseClick(window.join_button, Qt.MouseButton.LeftButton)  # Leave
    assert window.hub.joined is None
    assert window.profile_combo.isEnabled()
    assert "fake_speed" in window.rows
    assert window.agent_id.text() == ""
    assert not window.agent_id.isReadOnly()
    assert window.join_button.text().replace("&", "") == "Join"
    joined(qtbot, window, hub.invite().lower())  # a code alone, in any case
    assert set(window.rows) == {"fake_memory"}


def test_the_gui_thread_never_stalls_while_joining_running_and_submitting(qtbot, make_window, hub):
    hub.delay_s = 0.3  # each of join's three requests and the submission
    window = make_window()
    beats: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: beats.append(time.monotonic()))
    timer.start()
    qtbot.wait(100)
    started = time.monotonic()
    joined(qtbot, window, link(hub))
    assert time.monotonic() - started > 0.8  # the network really was slow
    window.run_all()
    wait_report(qtbot, window)
    assert "Sent to your employer and signed" in wait_sent(qtbot, window)
    qtbot.wait(60)
    timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert len(gaps) > 40
    assert max(gaps) < 0.100, f"GUI thread stalled for {max(gaps) * 1000:.0f} ms"


def test_a_cancelled_run_is_not_sent(qtbot, make_window, hub):
    window = make_window()
    joined(qtbot, window, link(hub))
    window._submit_next = True
    report = dict(window.controller.session.report(window.controller.session.run()))
    report["interrupted"] = True
    window.controller.report_to_save = report
    window._on_report(report)
    assert "only a complete run counts" in window.message.text()
    # it names the buttons the agent has (there is no "Run all" button any more)
    for button in (window.results_page.restart_button, window.run_button):
        assert button.text().replace("&", "") in window.message.text()
    assert not window.hub.busy
    assert hub.report_posts == 0


def test_a_language_switch_keeps_the_hub_and_the_signed_report(qtbot, make_window, hub, settings):
    from deskready.checks.i18n import set_language

    window = make_window()
    joined(qtbot, window, link(hub))
    window.run_all()
    wait_report(qtbot, window)
    wait_sent(qtbot, window)
    signed = window.controller.report_to_save
    assert signed is not None
    assert "attestation" in signed
    new = MainWindow(registry=window.registry, settings=settings)
    qtbot.addWidget(new)
    try:
        set_language("de")
        new.take_over(window)
        qtbot.waitUntil(lambda: new.report is not None, timeout=10000)
    finally:
        set_language("en")
    assert isinstance(new.hub, HubLink)
    assert new.hub.joined is window.hub.joined
    assert new.controller.report_to_save is signed
    assert not new.profile_combo.isEnabled()
    assert not new.run_button.isEnabled()
    new.close()
