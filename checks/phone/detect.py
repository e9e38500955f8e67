"""What the computer can see of a phone: USB/HID telephony devices and Bluetooth phones.

Pure parsing of what :class:`deskready.checks.phone.devices.PhoneDevices` reads (sysfs files, command
output), tested with recordings under ``tests/data/phone/``. A corded or DECT phone on a
phone socket is invisible to the computer; only these are visible:

* HID telephony devices (usage page 0x0B): USB handsets, USB desk phones, call-control
  headsets, DECT bases that plug into USB;
* Bluetooth devices whose class of device is "Phone", or which offer the Hands-Free
  *Audio Gateway* service (0x111F) — that is the phone's side of hands-free calling.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from deskready.checks.phone.devices import MAX_BLUETOOTH_DEVICES, WINDOWS_PNP_COMMAND, PhoneDevices
from deskready.checks.phone.hid import PHONE_LIKE_USAGES, TELEPHONY_USAGES, telephony_collections
from deskready.checks.platform import OS

#: Bluetooth "Handsfree Audio Gateway": offered by phones, not by headsets.
HFP_AUDIO_GATEWAY = "0000111f-0000-1000-8000-00805f9b34fb"
#: Bluetooth "Headset AG" (HSP audio gateway): also the phone's side.
HSP_AUDIO_GATEWAY = "00001112-0000-1000-8000-00805f9b34fb"

# Bluetooth class of device (Assigned Numbers, "Class of Device"): major class in bits
# 8-12, minor in bits 2-7. Major 0x02 = Phone; its minors: 1 cellular, 2 cordless,
# 3 smartphone, 4 wired modem / voice gateway, 5 common ISDN access.
_MAJOR_PHONE = 0x02
_PHONE_MINORS = {1: "cellular", 2: "cordless", 3: "smartphone", 4: "voice_gateway", 5: "isdn"}

#: macOS ``device_minorType`` values that name a phone ("Headphones" must not match).
_MACOS_PHONE_TYPES = {"phone", "smartphone", "cellular", "cordless", "cellphone"}

_DECT = re.compile(r"\bDECT\b", re.IGNORECASE)


@dataclass(frozen=True)
class TelephonyDevice:
    """A HID telephony collection: ``kind`` is handset, headset, phone…"""

    name: str
    kind: str
    bus: str  # "usb", "bluetooth" or "other"
    source: str  # "hidraw", "hidutil", "pnp"

    @property
    def phone_like(self) -> bool:
        """A phone or handset rather than a headset with call buttons."""
        return self.kind in {TELEPHONY_USAGES[u] for u in PHONE_LIKE_USAGES}

    @property
    def dect(self) -> bool:
        """The product name says DECT (a cordless base that plugs into USB)."""
        return bool(_DECT.search(self.name))


@dataclass(frozen=True)
class BluetoothPhone:
    """A Bluetooth device that is a phone (or a phone's audio gateway)."""

    name: str
    kind: str  # "smartphone", "cellular", "cordless", "phone"…
    connected: bool | None  # None: the OS does not say (Windows lists paired devices)
    source: str


@dataclass
class Detection:
    """Everything found, and which methods could look at all."""

    methods: list[str] = field(default_factory=list)
    telephony: list[TelephonyDevice] = field(default_factory=list)
    bluetooth_phones: list[BluetoothPhone] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return bool(self.methods)

    def connected_phones(self) -> list[BluetoothPhone]:
        return [p for p in self.bluetooth_phones if p.connected]

    def to_json(self) -> dict[str, Any]:
        return {
            "detection": list(self.methods) if self.methods else "none available",
            "telephony_devices": [asdict(d) for d in self.telephony],
            "bluetooth_phones": [asdict(p) for p in self.bluetooth_phones],
        }


# -- Linux: /sys/class/hidraw --------------------------------------------------------
_HID_BUS = {0x03: "usb", 0x05: "bluetooth"}


def parse_hid_uevent(text: str) -> tuple[str, str]:
    """(product name, bus) from a hidraw device's ``uevent`` (``HID_ID=0003:…``)."""
    values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    name = values.get("HID_NAME", "").strip()
    bus = "other"
    hid_id = values.get("HID_ID", "")
    if hid_id:
        with contextlib.suppress(ValueError):
            bus = _HID_BUS.get(int(hid_id.split(":", 1)[0], 16), "other")
    return name, bus


def telephony_from_hidraw(entries: list[tuple[str, bytes]]) -> list[TelephonyDevice]:
    """HID telephony devices among (uevent text, report descriptor) pairs."""
    found: list[TelephonyDevice] = []
    seen: set[tuple[str, str]] = set()
    for uevent, descriptor in entries:
        name, bus = parse_hid_uevent(uevent)
        for collection in telephony_collections(descriptor):
            kind = collection.telephony_kind or "telephony"
            if (name, kind) in seen:
                continue
            seen.add((name, kind))
            found.append(TelephonyDevice(name or "?", kind, bus, "hidraw"))
    return found


# -- Linux: bluetoothctl -------------------------------------------------------------
_DEVICE_LINE = re.compile(r"^Device\s+([0-9A-Fa-f:*]{17})\s*(.*)$")


def parse_bluetoothctl_devices(text: str) -> list[tuple[str, str]]:
    """(address, name) pairs from ``bluetoothctl devices [Connected]``."""
    out = []
    for line in text.splitlines():
        match = _DEVICE_LINE.match(line.strip())
        if match:
            out.append((match.group(1), match.group(2).strip()))
    return out


def parse_bluetoothctl_info(text: str) -> BluetoothPhone | None:
    """A phone from ``bluetoothctl info <address>``, or None if the device is not one."""
    name = ""
    connected: bool | None = None
    cod: int | None = None
    icon = ""
    uuids: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        key, sep, value = line.partition(":")
        if not sep:
            continue
        value = value.strip()
        if key == "Name" or (key == "Alias" and not name):
            name = value
        elif key == "Connected":
            connected = value == "yes"
        elif key == "Class":
            try:
                cod = int(value, 16)
            except ValueError:
                cod = None
        elif key == "Icon":
            icon = value
        elif key == "UUID":
            match = re.search(r"\(([0-9a-fA-F-]{36})\)", value)
            if match:
                uuids.add(match.group(1).lower())
    kind = _phone_kind(cod, icon, uuids)
    if kind is None:
        return None
    return BluetoothPhone(name or "?", kind, connected, "bluetoothctl")


def _phone_kind(cod: int | None, icon: str, uuids: set[str]) -> str | None:
    if cod is not None and (cod >> 8) & 0x1F == _MAJOR_PHONE:
        return _PHONE_MINORS.get((cod >> 2) & 0x3F, "phone")
    if icon == "phone" or {HFP_AUDIO_GATEWAY, HSP_AUDIO_GATEWAY} & uuids:
        return "phone"
    return None


# -- macOS ---------------------------------------------------------------------------
def parse_system_profiler_bluetooth(text: str) -> list[BluetoothPhone]:
    """Phones in ``system_profiler SPBluetoothDataType -json`` (connected or not)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return []
    out: list[BluetoothPhone] = []
    sections = data.get("SPBluetoothDataType") if isinstance(data, dict) else None
    for section in sections if isinstance(sections, list) else []:
        if not isinstance(section, dict):
            continue
        for key, connected in (("device_connected", True), ("device_not_connected", False)):
            entries = section.get(key)
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                for name, props in entry.items():
                    minor = (
                        str(props.get("device_minorType", "")) if isinstance(props, dict) else ""
                    )
                    if minor.strip().lower() in _MACOS_PHONE_TYPES:
                        kind = minor.strip().lower()
                        out.append(BluetoothPhone(name, kind, connected, "system_profiler"))
    return out


def parse_hidutil_list(text: str) -> list[TelephonyDevice]:
    """Telephony rows (UsagePage 11) of macOS ``hidutil list`` (its Devices table).

    Columns are located from the header line, because product names contain spaces.
    """
    lines = text.splitlines()
    out: list[TelephonyDevice] = []
    seen: set[tuple[str, str]] = set()
    header: dict[str, int] | None = None
    for line in lines:
        if line.startswith("VendorID"):
            header = {m.group(0): m.start() for m in re.finditer(r"\S+", line)}
            continue
        if header is None or not line.strip() or line.endswith(":"):
            continue
        fields = line.split()
        if len(fields) < 7 or fields[3] != str(0x0B):
            continue
        try:
            usage = int(fields[4])
        except ValueError:
            continue
        transport = _column(line, header, "Transport", "Class").lower()
        name = _column(line, header, "Product", "UserClass")
        kind = TELEPHONY_USAGES.get(usage, f"telephony_0x{usage:02x}")
        bus = "usb" if transport == "usb" else "bluetooth" if "bluetooth" in transport else "other"
        if (name, kind) in seen:
            continue
        seen.add((name, kind))
        out.append(TelephonyDevice(name or "?", kind, bus, "hidutil"))
    return out


def _column(line: str, header: dict[str, int], name: str, next_name: str) -> str:
    start = header.get(name)
    if start is None:
        return ""
    end = header.get(next_name)
    return line[start:end].strip() if end else line[start:].strip()


# -- Windows -------------------------------------------------------------------------
_UP_USAGE = re.compile(r"HID_DEVICE_UP:000B_U:([0-9A-F]{4})", re.IGNORECASE)


def parse_windows_pnp(text: str) -> tuple[list[TelephonyDevice], list[BluetoothPhone]]:
    """HID telephony collections and Bluetooth phones in a ``Win32_PnPEntity`` listing.

    The listing is ``Get-CimInstance Win32_PnPEntity | Select-Object Name, PNPClass,
    DeviceID, CompatibleID, Status | ConvertTo-Json``. Windows gives every HID top-level
    collection the compatible id ``HID_DEVICE_UP:<page>_U:<usage>``; a phone paired for
    hands-free calling shows a ``BTHENUM\\{0000111F-…}`` service entry. Windows lists
    paired devices, so whether the phone is connected right now stays unknown.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return [], []
    items = data if isinstance(data, list) else [data]
    telephony: list[TelephonyDevice] = []
    phones: list[BluetoothPhone] = []
    for item in items:
        if not isinstance(item, dict) or item.get("Status") not in (None, "OK"):
            continue
        name = str(item.get("Name") or "?")
        device_id = str(item.get("DeviceID") or "")
        compatible = item.get("CompatibleID") or []
        if isinstance(compatible, str):
            compatible = [compatible]
        for cid in compatible:
            match = _UP_USAGE.search(str(cid))
            if match:
                usage = int(match.group(1), 16)
                kind = TELEPHONY_USAGES.get(usage, f"telephony_0x{usage:02x}")
                upper = device_id.upper()
                bus = "bluetooth" if "{00001124" in upper or "BTH" in upper else "usb"
                telephony.append(TelephonyDevice(name, kind, bus, "pnp"))
                break
        if device_id.upper().startswith("BTHENUM\\{0000111F-"):
            phones.append(BluetoothPhone(name, "phone", None, "pnp"))
    return telephony, phones


# -- putting it together -------------------------------------------------------------
def collect(devices: PhoneDevices) -> Detection:
    """Look with every method this OS offers; record which ones could look at all."""
    found = Detection()
    system = devices.current_os()
    if system is OS.LINUX:
        entries = devices.hidraw()
        if entries is not None:
            found.methods.append("hid")
            found.telephony.extend(telephony_from_hidraw(entries))
        listing = devices.run(["bluetoothctl", "devices", "Connected"])
        if listing is not None:
            found.methods.append("bluetooth")
            for address, _name in parse_bluetoothctl_devices(listing)[:MAX_BLUETOOTH_DEVICES]:
                info = devices.run(["bluetoothctl", "info", address])
                phone = parse_bluetoothctl_info(info) if info else None
                if phone is not None:
                    found.bluetooth_phones.append(phone)
    elif system is OS.MACOS:
        hid_list = devices.run(["hidutil", "list"])
        if hid_list is not None:
            found.methods.append("hid")
            found.telephony.extend(parse_hidutil_list(hid_list))
        profile = devices.run(["system_profiler", "SPBluetoothDataType", "-json"])
        if profile is not None:
            found.methods.append("bluetooth")
            found.bluetooth_phones.extend(parse_system_profiler_bluetooth(profile))
    elif system is OS.WINDOWS:
        listing = devices.run(WINDOWS_PNP_COMMAND)
        if listing is not None:
            found.methods.extend(["hid", "bluetooth"])
            telephony, phones = parse_windows_pnp(listing) if listing.strip() else ([], [])
            found.telephony.extend(telephony)
            found.bluetooth_phones.extend(phones)
    return found
