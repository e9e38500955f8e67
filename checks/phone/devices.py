"""The phone check's window onto the machine: one adapter a test replaces.

Each method returns raw facts (sysfs bytes, command output) and parses nothing; parsing is
in :mod:`deskready.checks.phone.detect`. Every method returns None when the fact cannot be read
("this way of looking is not available here") rather than raising.
"""

from __future__ import annotations

from pathlib import Path

from deskready.checks.oscommand import run_command
from deskready.checks.platform import OS, current_os

#: No OS command may hold up the check for longer than this (bluetoothctl waits for
#: bluetoothd forever when the daemon is not running).
COMMAND_TIMEOUT_S = 3.0
#: Do not ask bluetoothctl about more devices than this.
MAX_BLUETOOTH_DEVICES = 16

HIDRAW_ROOT = "/sys/class/hidraw"

WINDOWS_PNP_COMMAND = [
    "powershell",
    "-NoProfile",
    "-NonInteractive",
    "-Command",
    "Get-CimInstance Win32_PnPEntity -Filter \"PNPClass='HIDClass' OR PNPClass='Bluetooth'\""
    " | Select-Object Name,PNPClass,DeviceID,CompatibleID,Status | ConvertTo-Json -Depth 3",
]


class PhoneDevices:
    """Real OS access for the phone check."""

    def current_os(self) -> OS:
        """Which OS this is, so the detection knows where to look (tests return another)."""
        return current_os()

    def hidraw(self) -> list[tuple[str, bytes]] | None:
        """(uevent text, report descriptor) of every Linux hidraw device; None without sysfs.

        The descriptors are world-readable in sysfs, so no permission on /dev/hidraw* is
        needed.
        """
        root = Path(HIDRAW_ROOT)
        if not root.is_dir():
            return None
        out: list[tuple[str, bytes]] = []
        for node in sorted(root.iterdir()):
            try:
                uevent = (node / "device" / "uevent").read_text(errors="replace")
                descriptor = (node / "device" / "report_descriptor").read_bytes()
            except OSError:
                continue
            out.append((uevent, descriptor))
        return out

    def run(self, args: list[str]) -> str | None:
        """Output of a short OS command, or None if it is missing, fails or hangs."""
        return run_command(args, timeout=COMMAND_TIMEOUT_S)
