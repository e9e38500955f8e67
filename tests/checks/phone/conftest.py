"""Fakes for the phone check: a PhoneDevices fed with recordings from tests/data/phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskready.checks.phone.devices import PhoneDevices
from deskready.checks.platform import OS, os_from

DATA = Path(__file__).resolve().parents[2] / "data" / "phone"


def data(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def descriptor(name: str) -> bytes:
    return (DATA / "hid" / name).read_bytes()


def uevent(name: str, bus: int = 0x03, vid: int = 0x047F, pid: int = 0xC056) -> str:
    """A hidraw ``uevent`` as the kernel writes it (HID_ID=bus:vendor:product)."""
    return f"DRIVER=hid-generic\nHID_ID={bus:04X}:{vid:08X}:{pid:08X}\nHID_NAME={name}\nHID_PHYS=usb-0000:00:14.0-2/input3\n"


class FakeDevices(PhoneDevices):
    """Answers from recordings; ``commands`` maps an argv tuple to its recorded output."""

    def __init__(
        self,
        system: str = "Linux",
        hidraw: list[tuple[str, bytes]] | None = None,
        commands: dict[tuple[str, ...], str] | None = None,
    ) -> None:
        self._system = system
        self._hidraw = hidraw
        self.commands = commands or {}
        self.calls: list[list[str]] = []

    def current_os(self) -> OS:
        return os_from(self._system)

    def hidraw(self) -> list[tuple[str, bytes]] | None:
        return self._hidraw

    def run(self, args: list[str]) -> str | None:
        self.calls.append(args)
        return self.commands.get(tuple(args))


BT_CONNECTED = ("bluetoothctl", "devices", "Connected")


@pytest.fixture
def redmi_connected() -> dict[tuple[str, ...], str]:
    """bluetoothctl with the Redmi K30 Pro phone connected (the other devices are not phones)."""
    return {
        BT_CONNECTED: data("linux/bluetoothctl_devices_redmi.txt"),
        ("bluetoothctl", "info", "9C:28:F7:97:DF:48"): data(
            "linux/bluetoothctl_info_redmi_k30_connected.txt"
        ),
    }
