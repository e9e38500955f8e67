"""Reads the OS's own description of the sound devices, for :mod:`deskready.checks.audio.classify`.

Linux: ``pactl`` (``--format=json`` where supported, the text output otherwise; always with
``LC_ALL=C`` because pactl translates its headings). macOS: ``system_profiler
SPAudioDataType -json``. Windows: the endpoint property store in the registry
(``HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\MMDevices\\Audio``), read with the
standard library's ``winreg`` — no PowerShell, nothing localised.

Never raises: a missing tool or an unreadable answer gives an empty list, and the checks fall
back to device names (``unknown`` is a first-class answer).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from deskready.checks.audio.classify import (
    Endpoint,
    PulseEntry,
    classify_pulse,
    parse_pactl_json,
    parse_pactl_text,
    parse_system_profiler,
    parse_windows_endpoints,
)
from deskready.checks.oscommand import run_command
from deskready.checks.platform import OS, current_os

log = logging.getLogger(__name__)

_MMDEVICES = r"SOFTWARE\Microsoft\Windows\CurrentVersion\MMDevices\Audio"


class OsAudioAdapter:
    """Real OS access; tests subclass it and override :meth:`run` / :meth:`current_os`."""

    #: Per command; the headset check runs at most four, well inside its 8 s budget.
    TIMEOUT_S = 1.5
    #: system_profiler is slower (it probes hardware); it runs alone.
    SLOW_TIMEOUT_S = 5.0

    def current_os(self) -> OS:
        """Which OS this is (overridable so tests can replay another OS's output)."""
        return current_os()

    def run(self, argv: Sequence[str]) -> str | None:
        """Run a command with ``LC_ALL=C``; its stdout, or None if it failed in any way."""
        timeout = self.SLOW_TIMEOUT_S if argv[0] == "system_profiler" else self.TIMEOUT_S
        return run_command(argv, timeout=timeout)

    def windows_records(self) -> list[dict[str, Any]]:
        """Endpoint records from the registry (see :func:`parse_windows_endpoints`)."""
        try:
            import winreg
        except ImportError:
            return []
        records: list[dict[str, Any]] = []
        for flow in ("Capture", "Render"):
            try:
                root = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, rf"{_MMDEVICES}\{flow}")  # type: ignore[attr-defined,unused-ignore]
            except OSError:
                continue
            with root:
                index = 0
                while True:
                    try:
                        guid = winreg.EnumKey(root, index)  # type: ignore[attr-defined,unused-ignore]
                    except OSError:
                        break
                    index += 1
                    records.append(_read_endpoint(winreg, root, guid, flow.lower()))
        return records

    # -- the one public entry --------------------------------------------------------
    def endpoints(self) -> list[Endpoint]:
        """Every input and output endpoint, classified; [] when the OS says nothing."""
        system = self.current_os()
        try:
            if system is OS.LINUX:
                return self._pulse()
            if system is OS.MACOS:
                text = self.run(["system_profiler", "SPAudioDataType", "-json"])
                return parse_system_profiler(text) if text else []
            if system is OS.WINDOWS:
                return parse_windows_endpoints(self.windows_records())
        except (ValueError, KeyError, TypeError) as exc:  # unexpected output shape
            log.warning("audio: could not read the device list: %s", exc)
        return []

    def _pulse(self) -> list[Endpoint]:
        result: list[Endpoint] = []
        for kind, direction in (("sources", "input"), ("sinks", "output")):
            entries = self._pulse_entries(kind)
            default = self._pulse_default("source" if kind == "sources" else "sink")
            result.extend(classify_pulse(e, direction, default) for e in entries)
        return result

    def _pulse_entries(self, kind: str) -> list[PulseEntry]:
        text = self.run(["pactl", "--format=json", "list", kind])
        if text:
            try:
                return parse_pactl_json(text)
            except ValueError:
                pass  # an older pactl printed text or an error: use the text form
        text = self.run(["pactl", "list", kind])
        return parse_pactl_text(text) if text else []

    def _pulse_default(self, which: str) -> str:
        name = self.run(["pactl", f"get-default-{which}"])  # pactl >= 15
        if name and name.strip():
            return name.strip()
        info = self.run(["pactl", "info"]) or ""
        prefix = f"Default {which.capitalize()}:"
        for line in info.splitlines():
            if line.startswith(prefix):
                return line[len(prefix) :].strip()
        return ""


def _read_endpoint(winreg: Any, root: Any, guid: str, flow: str) -> dict[str, Any]:
    """One endpoint's DeviceState and Properties values (Windows only)."""
    record: dict[str, Any] = {"id": guid, "flow": flow, "state": 0, "properties": {}}
    try:
        with winreg.OpenKey(root, guid) as key:
            record["state"] = int(winreg.QueryValueEx(key, "DeviceState")[0])
            with winreg.OpenKey(key, "Properties") as props:
                i = 0
                while True:
                    try:
                        name, value, _kind = winreg.EnumValue(props, i)
                    except OSError:
                        break
                    i += 1
                    if isinstance(value, str | int):
                        record["properties"][name] = value
    except OSError as exc:
        log.info("audio: endpoint %s unreadable: %s", guid, exc)
    return record
