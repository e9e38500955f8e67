"""A SystemFacts fed from recordings of real machines (tests/data/system)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from deskready.checks.platform import OS, os_from
from deskready.checks.system.host import SystemFacts

SYSTEM_DATA = Path(__file__).resolve().parents[2] / "data" / "system"


class RecordedFacts(SystemFacts):
    """Answers every SystemFacts question from fixed values; None where not recorded."""

    def __init__(
        self,
        system: str = "Linux",
        *,
        files: dict[str, str] | None = None,
        commands: dict[str, str] | None = None,
        registry: dict[str, dict[str, Any]] | None = None,
        cpu_counts: tuple[int | None, int | None] = (4, 2),
        cpu_max_mhz: float | None = None,
        memory_bytes: int = 8 * 1024**3,
        disk: tuple[int, int] | None = (256 * 1024**3, 100 * 1024**3),
        battery: tuple[float, bool | None] | None = None,
        today: date = date(2026, 11, 23),
    ) -> None:
        self._system = system
        self._files = files or {}
        self._commands = commands or {}
        self._registry = registry or {}
        self._counts = cpu_counts
        self._mhz = cpu_max_mhz
        self._memory = memory_bytes
        self._disk = disk
        self._battery = battery
        self._today = today

    def current_os(self) -> OS:
        return os_from(self._system)

    def system(self) -> str:
        return self._system

    def today(self) -> date:
        return self._today

    def read_text(self, path: str) -> str | None:
        return self._files.get(path)

    def run(self, args: list[str]) -> str | None:
        return self._commands.get(" ".join(args))

    def windows_registry(self, key: str) -> dict[str, Any] | None:
        return self._registry.get(key)

    def cpu_count(self, *, logical: bool) -> int | None:
        return self._counts[0] if logical else self._counts[1]

    def cpu_max_mhz(self) -> float | None:
        return self._mhz

    def memory_total_bytes(self) -> int:
        return self._memory

    def home(self) -> Path:
        return Path("/home/agent")

    def disk_usage(self, path: Path) -> tuple[int, int] | None:
        return self._disk

    def battery(self) -> tuple[float, bool | None] | None:
        return self._battery


def linux(os_release: str, cpuinfo: str = "intel_core_i5_7200u.txt", **kw: Any) -> RecordedFacts:
    files = {
        "/etc/os-release": (SYSTEM_DATA / "linux" / "os-release" / os_release).read_text(),
        "/proc/cpuinfo": (SYSTEM_DATA / "linux" / "cpuinfo" / cpuinfo).read_text(),
    }
    return RecordedFacts("Linux", files=files, **kw)


def macos(folder: str, **kw: Any) -> RecordedFacts:
    base = SYSTEM_DATA / "macos" / folder
    commands = {}
    if (base / "sw_vers.txt").exists():
        commands["sw_vers"] = (base / "sw_vers.txt").read_text()
    if (base / "sysctl_brand_string.txt").exists():
        commands["sysctl -n machdep.cpu.brand_string"] = (
            base / "sysctl_brand_string.txt"
        ).read_text()
    return RecordedFacts("Darwin", commands=commands, **kw)


def windows(folder: str, **kw: Any) -> RecordedFacts:
    values = json.loads((SYSTEM_DATA / "windows" / folder / "values.json").read_text())
    registry: dict[str, dict[str, Any]] = {}
    if values.get("current_version"):
        registry[r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"] = {
            k: v for k, v in values["current_version"].items() if v is not None
        }
    cpu: dict[str, Any] = {}
    if values.get("processor_name_string"):
        cpu["ProcessorNameString"] = values["processor_name_string"]
    if values.get("processor_mhz"):
        cpu["~MHz"] = values["processor_mhz"]
    if cpu:
        registry[r"HARDWARE\DESCRIPTION\System\CentralProcessor\0"] = cpu
    return RecordedFacts("Windows", registry=registry, **kw)
