"""The `os` check on recorded Linux, macOS and Windows machines."""

from __future__ import annotations

from datetime import date

import pytest

from deskready.checks.system.os_check import OsCheck
from tests.checks.system.fakes import RecordedFacts, linux, macos, windows


@pytest.mark.parametrize(
    ("fixture", "family", "version", "supported"),
    [
        ("ubuntu_24_04.txt", "linux", "24.04", True),
        ("ubuntu_22_04.txt", "linux", "22.04", True),
        ("ubuntu_20_04.txt", "linux", "20.04", False),  # standard support ended 2025-05-31
        ("debian_12.txt", "linux", "12", True),
        ("debian_11.txt", "linux", "11", False),  # LTS ended 2026-08-31
        ("fedora_40.txt", "linux", "40", False),
        ("linuxmint_21_3.txt", "linux", "21.3", True),
        ("alpine_3_23_unsupported.txt", "linux", "3.23.0", None),  # not in the table: unknown
    ],
)
def test_linux_distributions(run_check, fixture, family, version, supported):
    m = run_check(OsCheck, linux(fixture))
    assert m.values["os.name"] == family
    assert str(m.values["os.version"]).startswith(version.split(".0")[0])
    assert m.values["os.supported"] is supported


def test_unknown_support_says_so_instead_of_passing(run_check):
    m = run_check(OsCheck, linux("alpine_3_23_unsupported.txt"))
    assert m.values["os.supported"] is None
    assert any("does not know" in message for message in m.messages)


@pytest.mark.parametrize(
    ("folder", "major", "supported"),
    [
        ("m1_sonoma_14_0", 14, True),  # newest three on 2026-11-23: 26, 15, 14
        ("sequoia_15_7_4_unknown_model", 15, True),
        ("mac_mini_m4_tahoe_26_3", 26, True),
        ("intel_i5_10400_hackintosh_ventura_13_0", 13, False),
    ],
)
def test_macos_versions(run_check, folder, major, supported):
    m = run_check(OsCheck, macos(folder))
    assert m.values["os.name"] == "macos"
    assert m.values["os.major_version"] == major
    assert m.values["os.supported"] is supported


def test_windows_11_is_recognised_although_registry_says_windows_10(run_check):
    m = run_check(OsCheck, windows("win11_23h2_pro"))
    assert m.values["os.name"] == "windows"
    assert m.values["os.major_version"] == 11
    assert m.values["os.version"] == "11 23H2"
    assert m.details["name"].startswith("Windows 11")
    # 23H2 Home/Pro left servicing on 2025-11-11
    assert m.values["os.supported"] is False
    assert any("2025-11-11" in message for message in m.messages)


def test_windows_10_ended_on_2025_10_14(run_check):
    before = run_check(OsCheck, windows("win10_22h2_enterprise", today=date(2025, 10, 14)))
    after = run_check(OsCheck, windows("win10_22h2_enterprise", today=date(2025, 10, 15)))
    assert before.values["os.supported"] is True
    assert after.values["os.supported"] is False


def test_windows_24h2_pro_supported_until_october_2026(run_check):
    assert (
        run_check(OsCheck, windows("win11_24h2_pro", today=date(2026, 10, 13))).values[
            "os.supported"
        ]
        is True
    )
    assert (
        run_check(OsCheck, windows("win11_24h2_pro", today=date(2026, 10, 14))).values[
            "os.supported"
        ]
        is False
    )


def test_windows_build_newer_than_table_counts_as_supported(run_check):
    facts = RecordedFacts(
        "Windows",
        registry={
            r"SOFTWARE\Microsoft\Windows NT\CurrentVersion": {
                "ProductName": "Windows 10 Pro",
                "CurrentBuild": "27000",
                "DisplayVersion": "26H2",
                "EditionID": "Professional",
            }
        },
    )
    assert run_check(OsCheck, facts).values["os.supported"] is True


def test_unknown_platform_is_other(run_check):
    m = run_check(OsCheck, RecordedFacts("FreeBSD"))
    assert m.values["os.name"] == "other"
    assert m.values["os.supported"] is None
