"""What each OS lets the phone check see, parsed from recorded output."""

from __future__ import annotations

from deskready.checks.phone.detect import (
    collect,
    parse_bluetoothctl_devices,
    parse_bluetoothctl_info,
    parse_hid_uevent,
    parse_hidutil_list,
    parse_system_profiler_bluetooth,
    parse_windows_pnp,
    telephony_from_hidraw,
)
from deskready.checks.phone.devices import WINDOWS_PNP_COMMAND

from .conftest import FakeDevices, data, descriptor, uevent


def test_hidraw_finds_the_usb_headset_and_ignores_the_keyboard():
    entries = [
        (
            uevent("Logitech USB Keyboard", vid=0x046D, pid=0xC31C),
            descriptor("keyboard_boot_hid111_e6.bin"),
        ),
        (
            uevent("Anker PowerConf", vid=0x291A, pid=0x3301),
            descriptor("anker_powerconf_291a_3301.bin"),
        ),
    ]
    found = telephony_from_hidraw(entries)
    assert [(d.name, d.kind, d.bus) for d in found] == [("Anker PowerConf", "headset", "usb")]
    assert not found[0].phone_like
    assert not found[0].dect


def test_uevent_bus_and_name():
    assert parse_hid_uevent(uevent("Jabra Link 380", bus=0x05)) == ("Jabra Link 380", "bluetooth")
    assert parse_hid_uevent("HID_ID=zz\n") == ("", "other")


def test_bluetoothctl_connected_smartphone():
    phone = parse_bluetoothctl_info(data("linux/bluetoothctl_info_redmi_k30_connected.txt"))
    assert phone is not None
    assert (phone.name, phone.kind, phone.connected) == ("Redmi K30 Pro", "smartphone", True)


def test_bluetoothctl_paired_but_not_connected_phone():
    phone = parse_bluetoothctl_info(data("linux/bluetoothctl_info_phone_not_connected_partial.txt"))
    assert phone is not None
    assert phone.connected is False
    assert phone.kind == "smartphone"


def test_bluetoothctl_headset_is_not_a_phone():
    info = "Device 00:1B:66:AA:BB:CC (public)\n\tName: Jabra Evolve 65\n\tClass: 0x240404\n\tIcon: audio-headset\n\tConnected: yes\n\tUUID: Handsfree (0000111e-0000-1000-8000-00805f9b34fb)\n"
    assert parse_bluetoothctl_info(info) is None


def test_bluetoothctl_cordless_phone_class():
    info = (
        "Device 00:01:E3:00:00:01 (public)\n\tName: Gigaset\n\tClass: 0x200208\n\tConnected: yes\n"
    )
    phone = parse_bluetoothctl_info(info)
    assert phone is not None
    assert phone.kind == "cordless"


def test_bluetoothctl_devices_listing_with_non_ascii_names():
    pairs = parse_bluetoothctl_devices(data("linux/bluetoothctl_devices_redmi.txt"))
    assert ("AC:C1:EE:0C:77:AB", "小米手机5") in pairs
    assert len(pairs) == 4


def test_macos_system_profiler_headphones_are_not_phones():
    assert (
        parse_system_profiler_bluetooth(data("macos/system_profiler_bluetooth_airpods.json")) == []
    )


def test_macos_system_profiler_connected_phone():
    phones = parse_system_profiler_bluetooth(
        data("macos/system_profiler_bluetooth_phone_connected.json")
    )
    assert [(p.name, p.connected) for p in phones] == [("Someone’s iPhone", True)]
    assert parse_system_profiler_bluetooth("not json") == []


def test_macos_hidutil_telephony_rows():
    assert parse_hidutil_list(data("macos/hidutil_list_apple_doc.txt")) == []
    found = parse_hidutil_list(data("macos/hidutil_list_with_usb_handset.txt"))
    assert [(d.name, d.kind, d.bus) for d in found] == [
        ("Plantronics Blackwire 3220 Series", "headset", "usb"),
        ("Yealink USB-P4K", "handset", "usb"),
    ]
    assert found[1].phone_like


def test_windows_pnp_listing():
    telephony, phones = parse_windows_pnp(data("windows/win32_pnpentity_hid.json"))
    assert [(d.name, d.kind) for d in telephony] == [
        ("HID-compliant headset", "headset"),
        ("HID-compliant device", "handset"),
    ]
    assert [(p.name, p.connected) for p in phones] == [("Redmi K30 Pro Hands-Free AG", None)]
    assert parse_windows_pnp(data("windows/win32_pnpentity_keyboard_only.json")) == ([], [])


def test_collect_linux_uses_sysfs_and_bluetoothctl(redmi_connected):
    devices = FakeDevices(
        hidraw=[(uevent("Anker PowerConf"), descriptor("anker_powerconf_291a_3301.bin"))],
        commands=redmi_connected,
    )
    found = collect(devices)
    assert found.methods == ["hid", "bluetooth"]
    assert [p.name for p in found.connected_phones()] == ["Redmi K30 Pro"]
    # every listed device was looked up, the non-phones too
    assert sum(1 for c in devices.calls if c[:2] == ["bluetoothctl", "info"]) == 4


def test_collect_linux_without_sysfs_or_bluetooth_says_none_available():
    found = collect(FakeDevices(hidraw=None, commands={}))
    assert not found.available
    assert found.to_json()["detection"] == "none available"


def test_collect_macos_and_windows():
    mac = FakeDevices(
        system="Darwin",
        commands={
            ("hidutil", "list"): data("macos/hidutil_list_with_usb_handset.txt"),
            ("system_profiler", "SPBluetoothDataType", "-json"): data(
                "macos/system_profiler_bluetooth_phone_connected.json"
            ),
        },
    )
    found = collect(mac)
    assert found.methods == ["hid", "bluetooth"]
    assert len(found.telephony) == 2
    win = FakeDevices(
        system="Windows",
        commands={tuple(WINDOWS_PNP_COMMAND): data("windows/win32_pnpentity_hid.json")},
    )
    found = collect(win)
    assert len(found.telephony) == 2
    assert found.connected_phones() == []
    assert collect(FakeDevices(system="FreeBSD")).to_json()["detection"] == "none available"
