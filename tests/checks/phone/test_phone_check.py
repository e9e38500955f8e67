"""The phone check: declared answers, detection that checks them, and the report."""

from __future__ import annotations

from datetime import datetime

import pytest

from deskready.checks.api import Answer, CheckContext, validate_check_class
from deskready.checks.phone.devices import PhoneDevices
from deskready.checks.phone.phone_check import PhoneCheck
from deskready.registry import discover_checks
from deskready.session import Session, select_checks
from deskready.spec import load_spec_text

from .conftest import FakeDevices, descriptor, uevent

WHEN = datetime(2026, 11, 23, 9, 30).astimezone()


def context(devices: PhoneDevices, settings=None, **answers: str) -> CheckContext:
    return CheckContext(
        settings={"ask_line": False, **(settings or {})},
        answers={
            k.replace("__", "."): Answer(k.replace("__", "."), v, WHEN, "prompt")
            for k, v in answers.items()
        },
        adapters={PhoneDevices: devices},
    )


def nothing_seen() -> FakeDevices:
    """Linux with sysfs and bluetoothctl working, and nothing connected."""
    return FakeDevices(hidraw=[], commands={("bluetoothctl", "devices", "Connected"): ""})


def test_check_class_is_valid_and_questions_explain_cordless():
    assert validate_check_class(PhoneCheck) == []
    for question in PhoneCheck.questions:
        assert "cordless" in question.help
        assert "desk" in question.help
        assert "DECT" in question.help
    kind = PhoneCheck.questions[0]
    assert [c.value for c in kind.choices] == list(PhoneCheck.metric("phone.kind").choices)
    assert kind.choices[0].label == "A phone with a cord between handset and base"


def test_answer_is_the_value_and_is_declared():
    out = PhoneCheck().run(context(nothing_seen(), phone__kind="corded"))
    assert out.values == {"phone.kind": "corded"}
    assert out.declared == {"phone.kind"}
    assert out.details["contradictions"] == []
    assert out.details["detection"] == ["hid", "bluetooth"]
    assert out.messages == []


def test_no_answer_is_unknown_not_guessed_from_devices(redmi_connected):
    out = PhoneCheck().run(context(FakeDevices(hidraw=[], commands=redmi_connected)))
    assert out.values == {"phone.kind": None}
    assert out.declared == set()
    assert any("did not say" in m for m in out.messages)


def test_line_asked_only_when_the_spec_wants_it():
    assert PhoneCheck.questions_for({"ask_line": False}) == (PhoneCheck.questions[0],)
    assert [q.id for q in PhoneCheck.questions_for({"ask_line": True})] == [
        "phone.kind",
        "phone.line",
    ]
    out = PhoneCheck().run(
        context(nothing_seen(), {"ask_line": True}, phone__kind="corded", phone__line="voip")
    )
    assert out.values == {"phone.kind": "corded", "phone.line": "voip"}
    assert out.declared == {"phone.kind", "phone.line"}
    out = PhoneCheck().run(context(nothing_seen(), {"ask_line": True}, phone__kind="corded"))
    assert out.values["phone.line"] is None


def test_declared_corded_but_a_bluetooth_phone_is_connected(redmi_connected):
    out = PhoneCheck().run(
        context(FakeDevices(hidraw=[], commands=redmi_connected), phone__kind="corded")
    )
    assert out.values["phone.kind"] == "corded"  # the answer stands; the report flags it
    [c] = out.details["contradictions"]
    assert (c["declared"], c["detected"], c["device"]) == (
        "corded",
        "bluetooth_phone",
        "Redmi K30 Pro",
    )
    assert out.messages == [c["message"]]
    assert "Redmi K30 Pro" in c["message"]
    assert "a phone with a cord" in c["message"]


def test_declared_mobile_with_a_bluetooth_phone_is_consistent(redmi_connected):
    out = PhoneCheck().run(
        context(FakeDevices(hidraw=[], commands=redmi_connected), phone__kind="mobile")
    )
    assert out.details["contradictions"] == []


def test_declared_usb_handset_but_none_plugged_in():
    keyboard = [(uevent("Logitech USB Keyboard"), descriptor("keyboard_boot_hid111_e6.bin"))]
    out = PhoneCheck().run(context(FakeDevices(hidraw=keyboard), phone__kind="usb_handset"))
    [c] = out.details["contradictions"]
    assert c["detected"] == "no_usb_handset"
    assert "none is plugged" in c["message"]
    headset = [(uevent("Anker PowerConf"), descriptor("anker_powerconf_291a_3301.bin"))]
    out = PhoneCheck().run(context(FakeDevices(hidraw=headset), phone__kind="usb_handset"))
    assert out.details["contradictions"] == []
    assert out.details["telephony_devices"][0]["name"] == "Anker PowerConf"


def test_declared_corded_but_a_dect_base_is_plugged_in():
    dect = [(uevent("Jabra PRO 9470 DECT"), descriptor("anker_powerconf_291a_3301.bin"))]
    out = PhoneCheck().run(context(FakeDevices(hidraw=dect), phone__kind="corded"))
    [c] = out.details["contradictions"]
    assert c["detected"] == "dect_base"
    assert "cordless (DECT)" in c["message"]


def test_declared_no_phone_but_a_bluetooth_cordless_phone():
    info = (
        "Device 00:01:E3:00:00:01 (public)\n\tName: Gigaset\n\tClass: 0x200208\n\tConnected: yes\n"
    )
    commands = {
        ("bluetoothctl", "devices", "Connected"): "Device 00:01:E3:00:00:01 Gigaset\n",
        ("bluetoothctl", "info", "00:01:E3:00:00:01"): info,
    }
    out = PhoneCheck().run(context(FakeDevices(hidraw=[], commands=commands), phone__kind="none"))
    assert [c["detected"] for c in out.details["contradictions"]] == ["bluetooth_cordless_phone"]


def test_nothing_detectable_is_said_honestly():
    out = PhoneCheck().run(context(FakeDevices(system="Windows"), phone__kind="usb_handset"))
    assert out.details["detection"] == "none available"
    assert out.details["contradictions"] == []  # cannot contradict what cannot be seen
    assert any("no way to see" in m for m in out.messages)


SPEC = """
[employer]
name = "T"
[checks.phone]
ask_line = true
[rules]
"phone.kind" = { one_of = ["corded"] }
"phone.line" = { equals = "landline", severity = "recommended" }
"memory.total_gb" = { min = 0.1 }
"""


@pytest.fixture(scope="module")
def registry():
    return discover_checks()


def session(registry, **answers: str) -> Session:
    spec = load_spec_text(SPEC, registry)
    s = Session(spec, registry, select_checks(spec, registry))
    for qid, value in answers.items():
        s.answers[qid.replace("__", ".")] = Answer(
            qid.replace("__", "."), value, WHEN, "answers-file"
        )
    return s


def test_session_asks_line_because_the_spec_sets_ask_line(registry):
    assert [q.id for q in session(registry).questions] == ["phone.kind", "phone.line"]


def test_report_shows_declared_values_and_the_contradiction(registry, redmi_connected):
    s = session(registry, phone__kind="corded", phone__line="landline")
    report = s.report(
        s.run(adapters={PhoneDevices: FakeDevices(hidraw=[], commands=redmi_connected)})
    )
    [phone] = [r for r in report["results"] if r["check"] == "phone"]
    assert phone["declared"]["phone.kind"] == {
        "answered_at": WHEN.isoformat(timespec="seconds"),
        "source": "answers-file",
    }
    assert "phone.line" in phone["declared"]
    assert phone["details"]["contradictions"][0]["device"] == "Redmi K30 Pro"
    assert any("Redmi K30 Pro" in m for m in phone["messages"])
    rules = {r["metric"]: r for r in report["rules"]}
    assert rules["phone.kind"]["outcome"] == "pass"
    assert rules["phone.kind"]["declared"]
    assert report["verdict"] == "ready"


def test_report_unanswered_is_incomplete(registry):
    s = session(registry)
    report = s.report(s.run(adapters={PhoneDevices: nothing_seen()}))
    assert report["verdict"] == "incomplete"
