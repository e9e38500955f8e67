"""Parses OS identity from each platform's own sources (pure functions, no I/O).

Windows: the registry's CurrentVersion values — and the build number, not ProductName,
decides Windows 11, because Windows 11 still writes "Windows 10 Pro" there. macOS:
``sw_vers``. Linux: ``/etc/os-release``. Support dates come from
``resources/os_support.toml``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from deskready.resources import resource

WINDOWS_11_FIRST_BUILD = 22000
_HOME_PRO_EDITIONS = ("Core", "Professional")
_LTSC_EDITIONS = ("EnterpriseS", "IoTEnterpriseS", "EnterpriseSN")


@dataclass(frozen=True)
class OsInfo:
    """What the `os` check reports. ``family`` is windows, macos, linux or other."""

    family: str
    name: str  # "Windows 11 Pro", "macOS Sonoma", "Ubuntu 24.04.1 LTS"
    version: str  # "11 24H2", "14.5", "24.04"
    major: int | None = None
    build: str = ""
    edition: str = ""  # Windows EditionID
    distro: str = ""  # os-release ID


def parse_key_values(text: str, separator: str) -> dict[str, str]:
    """``KEY=value`` / ``Key: value`` lines into a dict, quotes stripped."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if separator not in line or line.lstrip().startswith("#"):
            continue
        key, value = line.split(separator, 1)
        out[key.strip()] = value.strip().strip('"').strip("'")
    return out


def _int_prefix(text: str) -> int | None:
    digits = ""
    for ch in text:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else None


def windows_os(values: dict[str, Any]) -> OsInfo:
    """From ``HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion`` values."""
    build_text = str(values.get("CurrentBuild") or values.get("CurrentBuildNumber") or "")
    build = _int_prefix(build_text) or 0
    major = 11 if build >= WINDOWS_11_FIRST_BUILD else 10
    product = str(values.get("ProductName") or f"Windows {major}")
    if major == 11:
        product = product.replace("Windows 10", "Windows 11")
    release = str(values.get("DisplayVersion") or values.get("ReleaseId") or "")
    ubr = values.get("UBR")
    full_build = f"{build}.{ubr}" if isinstance(ubr, int) else str(build)
    return OsInfo(
        family="windows",
        name=product,
        version=f"{major} {release}".strip(),
        major=major,
        build=full_build,
        edition=str(values.get("EditionID") or ""),
    )


def macos_os(sw_vers: str) -> OsInfo:
    """From ``sw_vers`` output."""
    values = parse_key_values(sw_vers, ":")
    version = values.get("ProductVersion", "")
    major = _int_prefix(version)
    entry = next((m for m in support_table()["macos"] if m["major"] == major), None)
    name = entry["name"] if entry else values.get("ProductName", "macOS")
    return OsInfo("macos", name, version, major, values.get("BuildVersion", ""))


def linux_os(os_release: str | None) -> OsInfo:
    """From ``/etc/os-release`` (None when the file is missing)."""
    values = parse_key_values(os_release or "", "=")
    version = values.get("VERSION_ID", "")
    return OsInfo(
        family="linux",
        name=values.get("PRETTY_NAME") or values.get("NAME") or "Linux",
        version=version,
        major=_int_prefix(version),
        distro=values.get("ID", ""),
    )


@cache
def support_table() -> dict[str, Any]:
    """The parsed ``resources/os_support.toml``."""
    return tomllib.loads(resource("os_support.toml").read_text(encoding="utf-8"))


def support_end(info: OsInfo) -> date | None:
    """Last day of security updates for this OS, if the table knows it."""
    table = support_table()
    if info.family == "windows":
        build = _int_prefix(info.build) or 0
        entry = next((w for w in table["windows"] if w["build"] == build), None)
        if entry is None:
            return None
        if info.edition in _LTSC_EDITIONS and "ends_ltsc" in entry:
            return date.fromisoformat(entry["ends_ltsc"])
        if info.edition and not info.edition.startswith(_HOME_PRO_EDITIONS):
            return date.fromisoformat(entry["ends_enterprise"])
        return date.fromisoformat(entry["ends"])
    if info.family == "linux":
        for entry in table["linux"]:
            if entry["id"] != info.distro:
                continue
            if entry["version"] in (info.version, info.version.split(".")[0]):
                return date.fromisoformat(entry["ends"])
    return None


def is_supported(info: OsInfo, today: date) -> bool | None:
    """True / False when known; None when the table cannot tell (not a silent pass)."""
    if info.family == "macos":
        return _macos_supported(info.major, today)
    if info.family == "windows":
        build = _int_prefix(info.build) or 0
        newest = max(w["build"] for w in support_table()["windows"])
        if build > newest:  # newer than our table: a fresh release is supported
            return True
    end = support_end(info)
    if end is None:
        return None
    return today <= end


def _macos_supported(major: int | None, today: date) -> bool | None:
    if major is None:
        return None
    released = sorted(
        (
            m["major"]
            for m in support_table()["macos"]
            if date.fromisoformat(m["released"]) <= today
        ),
        reverse=True,
    )
    if not released:
        return None
    if major > released[0]:
        return True  # newer than the table (or a beta): supported
    return major in released[:3]
