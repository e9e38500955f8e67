"""The system checks' window onto the machine: one adapter a test can replace.

Each method returns raw facts (file text, command output, registry values, psutil
numbers) and parses nothing, so that the parsing — the part that differs between Windows,
macOS and Linux — is pure code tested with recordings from real machines
(``tests/data/system/``). Every method returns None when the fact is not available
rather than raising: "unknown" is a normal answer on real machines.
"""

from __future__ import annotations

import platform
from datetime import date
from pathlib import Path
from typing import Any

import psutil

from deskready.checks.oscommand import run_command
from deskready.checks.platform import OS, current_os

#: No OS command may hold up a check for longer than this.
COMMAND_TIMEOUT_S = 3.0


class SystemFacts:
    """Real OS access for the system checks."""

    def current_os(self) -> OS:
        """Which OS this is; the checks branch on it (tests return another OS)."""
        return current_os()

    def system(self) -> str:
        """The OS's own name (``platform.system()``), shown for an OS deskready does not know."""
        return platform.system()

    def today(self) -> date:
        """Today's date (injected in tests so end-of-support results do not drift)."""
        return date.today()

    def read_text(self, path: str) -> str | None:
        """A small text file such as ``/etc/os-release``, or None."""
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def run(self, args: list[str]) -> str | None:
        """Output of a short OS command (``sw_vers``), or None if it fails or hangs."""
        return run_command(args, timeout=COMMAND_TIMEOUT_S)

    def windows_registry(self, key: str) -> dict[str, Any] | None:
        """All values of an ``HKEY_LOCAL_MACHINE`` key on Windows, else None."""
        if current_os() is not OS.WINDOWS:  # the real machine: winreg exists only there
            return None
        import winreg

        values: dict[str, Any] = {}
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key) as handle:  # type: ignore[attr-defined,unused-ignore]
                index = 0
                while True:
                    try:
                        name, value, _kind = winreg.EnumValue(handle, index)  # type: ignore[attr-defined,unused-ignore]
                    except OSError:
                        break
                    values[name] = value
                    index += 1
        except OSError:
            return None
        return values

    def cpu_count(self, *, logical: bool) -> int | None:
        return psutil.cpu_count(logical=logical)

    def cpu_max_mhz(self) -> float | None:
        """The CPU's rated maximum clock, if the OS tells (often 0 in VMs)."""
        try:
            freq = psutil.cpu_freq()
        except (OSError, NotImplementedError, RuntimeError):
            return None
        if freq is None:
            return None
        return float(freq.max or freq.current or 0) or None

    def memory_total_bytes(self) -> int:
        return int(psutil.virtual_memory().total)

    def home(self) -> Path:
        return Path.home()

    def disk_usage(self, path: Path) -> tuple[int, int] | None:
        """(total, free) bytes of the file system holding ``path``."""
        try:
            usage = psutil.disk_usage(str(path))
        except OSError:
            return None
        return int(usage.total), int(usage.free)

    def battery(self) -> tuple[float, bool | None] | None:
        """(percent, plugged in) or None when there is no battery."""
        try:
            battery = psutil.sensors_battery()
        except (OSError, NotImplementedError, RuntimeError):
            return None
        if battery is None:
            return None
        return float(battery.percent), battery.power_plugged
