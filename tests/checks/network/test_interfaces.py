"""Interface classification per OS, from fake /sys trees and recorded Windows/macOS output."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskready.checks.network import interfaces as itf


@pytest.mark.parametrize(
    ("name", "kind", "link"),
    [
        ("eth0", "ethernet", 1000.0),
        ("enp3s0", "ethernet", None),  # speed -1: cable unplugged / unknown
        ("eth9", "ethernet", None),  # virtio NIC without a speed file
        ("wlan0", "wifi", None),
        ("wlp2s0", "wifi", None),  # DEVTYPE=wlan only
        ("wwan0", "cellular", None),
        ("usb0", "cellular", None),  # phone tethering over USB (rndis_host)
        ("tun0", "vpn", None),
        ("wg0", "vpn", None),
        ("ppp0", "vpn", None),
        ("br0", "virtual", None),
        ("docker0", "virtual", None),
        ("veth1a2b", "virtual", None),
        ("lo", "other", None),
    ],
)
def test_linux_classification(data_dir: Path, name: str, kind: str, link: float | None) -> None:
    info = itf.classify_linux(data_dir / "sys", name)
    assert (info.name, info.kind, info.link_mbps) == (name, kind, link)
    assert info.kind in itf.CONNECTION_KINDS


def test_linux_unknown_interface_without_hardware_is_virtual(data_dir: Path) -> None:
    assert itf.classify_linux(data_dir / "sys", "nope0").kind == "virtual"


def test_linux_real_machine_interfaces_classify() -> None:
    root = Path("/sys/class/net")
    if not root.is_dir():
        pytest.skip("no /sys/class/net")
    for path in root.iterdir():
        info = itf.classify_linux(root, path.name)
        assert info.kind in itf.CONNECTION_KINDS
        if (path / "wireless").exists():
            assert info.kind == "wifi"
        if path.name == "lo":
            assert info.kind == "other"


def test_linux_default_route_prefers_lowest_metric(data_dir: Path) -> None:
    text = (data_dir / "proc_net_route.txt").read_text()
    assert itf.linux_default_route_interface(text) == "eth0"
    assert itf.linux_default_route_interface(text.splitlines()[0]) is None


def test_windows_adapters_from_get_netadapter_json(data_dir: Path) -> None:
    adapters = itf.parse_windows_adapters((data_dir / "windows_get_netadapter.json").read_text())
    kinds = {a.name: (a.kind, a.link_mbps) for a in map(itf.classify_windows, adapters)}
    assert kinds == {
        "Ethernet": ("ethernet", 1000.0),
        "Wi-Fi": ("wifi", None),
        "Cellular": ("cellular", None),
        "OpenVPN TAP-Windows6": ("vpn", None),
        "WireGuard Tunnel": ("vpn", None),
        "vEthernet (Default Switch)": ("virtual", None),
        "Bluetooth Network Connection": ("other", None),
    }


def test_windows_single_adapter_is_an_object_not_a_list(data_dir: Path) -> None:
    text = (data_dir / "windows_get_netadapter_single.json").read_text()
    (only,) = itf.parse_windows_adapters(text)
    assert itf.classify_windows(only).kind == "wifi"
    assert itf.parse_windows_adapters("") == []


def test_macos_route_and_hardware_ports(data_dir: Path) -> None:
    ports = itf.parse_macos_hardware_ports((data_dir / "macos_hardware_ports.txt").read_text())
    assert ports["en0"] == "Wi-Fi"
    assert ports["en5"] == "USB 10/100/1000 LAN"
    route = itf.parse_macos_route((data_dir / "macos_route_default_en5.txt").read_text())
    assert route == "en5"
    assert itf.classify_macos("en5", ports).kind == "ethernet"
    assert itf.classify_macos("en0", ports).kind == "wifi"
    assert itf.classify_macos("en6", ports).kind == "cellular"  # iPhone USB
    assert itf.classify_macos("bridge0", ports).kind == "virtual"
    assert itf.classify_macos("en3", ports).kind == "other"  # Bluetooth PAN
    vpn = itf.parse_macos_route((data_dir / "macos_route_default_utun.txt").read_text())
    assert vpn == "utun4"
    assert itf.classify_macos(vpn, ports).kind == "vpn"
    assert itf.parse_macos_route((data_dir / "macos_route_default_none.txt").read_text()) is None


def test_windows_medium_given_as_text(data_dir: Path) -> None:
    text = (data_dir / "windows_get_netadapter_ps51.json").read_text()
    found = {a.name: a for a in map(itf.classify_windows, itf.parse_windows_adapters(text))}
    assert {name: a.kind for name, a in found.items()} == {
        "Wi-Fi": "wifi",
        "Ethernet": "ethernet",
        "Bluetooth Network Connection": "other",
    }
    assert found["Ethernet"].link_mbps == 1000.0  # from the text "1 Gbps"
    assert found["Wi-Fi"].link_mbps is None
