"""The one function that says which OS this is, and the adapters that let tests choose one."""

from __future__ import annotations

import sys

import pytest

from deskready.checks.audio.classify import Bus
from deskready.checks.platform import OS, current_os, os_from
from deskready.checks.system.cpu_check import cpu_brand
from tests.checks.audio.fakes import ReplayOs, windows_records
from tests.checks.system.fakes import RecordedFacts


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("linux", OS.LINUX),
        ("Linux", OS.LINUX),
        ("linux2", OS.LINUX),
        ("win32", OS.WINDOWS),
        ("Windows", OS.WINDOWS),
        ("cygwin", OS.WINDOWS),
        ("darwin", OS.MACOS),
        ("Darwin", OS.MACOS),
        ("FreeBSD", OS.OTHER),
        ("", OS.OTHER),
    ],
)
def test_os_from_knows_both_spellings(name: str, expected: OS) -> None:
    assert os_from(name) is expected


def test_current_os_is_this_machine_unless_told_otherwise() -> None:
    assert current_os() is os_from(sys.platform)
    assert current_os("win32") is OS.WINDOWS
    assert current_os("darwin") == "macos"  # a StrEnum: reports and logs keep the word


def test_an_adapter_replays_another_os_without_patching_sys_platform() -> None:
    # The Windows path runs on any machine because the adapter says "windows".
    endpoints = ReplayOs("win32", {}, windows_records()).endpoints()
    assert endpoints
    assert any(e.bus is Bus.USB for e in endpoints)
    assert ReplayOs("FreeBSD", {}).endpoints() == []


def test_system_facts_branch_on_the_injected_os() -> None:
    facts = RecordedFacts("Darwin", commands={"sysctl -n machdep.cpu.brand_string": "Apple M2\n"})
    assert facts.current_os() is OS.MACOS
    assert cpu_brand(facts) == "Apple M2"
    assert cpu_brand(RecordedFacts("Linux", files={})) is None
