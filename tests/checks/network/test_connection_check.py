"""The connection check, with fake OS adapters fed from recorded data, and on this machine."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from deskready.checks.api import CheckContext, validate_check_class
from deskready.checks.network.adapters import ConnectionAdapter
from deskready.checks.network.connection_check import ConnectionCheck


class FakeOs(ConnectionAdapter):
    def __init__(
        self,
        platform: str,
        source: str | None,
        addresses: dict[str, list[str]],
        *,
        sys_root: Path | None = None,
        commands: dict[str, str] | None = None,
        speeds: dict[str, float] | None = None,
        up: list[str] | None = None,
    ) -> None:
        self.platform = platform
        self.source = source
        self.addresses = addresses
        if sys_root is not None:
            self.sys_class_net = sys_root
        self.commands = commands or {}
        self.speeds = speeds or {}
        self.up = up if up is not None else list(addresses)

    def route_source_address(self) -> str | None:
        return self.source

    def interface_addresses(self) -> dict[str, list[str]]:
        return self.addresses

    def link_speeds(self) -> dict[str, float]:
        return self.speeds

    def up_interfaces(self) -> list[str]:
        return self.up

    def run(self, args: list[str], timeout: float) -> str:
        assert 0 < timeout <= 10
        return self.commands.get(args[0], "")

    def read_text(self, path: str) -> str:
        return self.commands.get(path, "")


def run(fake: ConnectionAdapter) -> tuple[dict[str, object], dict[str, object], list[str]]:
    result = ConnectionCheck().run(CheckContext(adapters={ConnectionAdapter: fake}))
    for metric_id, value in result.values.items():
        assert ConnectionCheck.metric(metric_id).accepts(value)
    return result.values, result.details, result.messages


def test_check_class_is_valid() -> None:
    assert validate_check_class(ConnectionCheck) == []
    assert not ConnectionCheck.exclusive


def test_linux_ethernet(data_dir: Path) -> None:
    fake = FakeOs(
        "linux", "192.168.0.23", {"lo": ["127.0.0.1"], "eth0": ["192.168.0.23"],
                                  "wlan0": ["192.168.1.40"]},
        sys_root=data_dir / "sys",
    )  # fmt: skip
    values, details, _msgs = run(fake)
    assert values == {
        "network.connection": "ethernet",
        "network.vpn": False,
        "network.interface": "eth0",
        "network.link_mbps": 1000.0,
    }
    assert details["interfaces"] == {"eth0": "ethernet", "lo": "other", "wlan0": "wifi"}


def test_linux_wifi_has_no_link_speed(data_dir: Path) -> None:
    fake = FakeOs("linux", "192.168.1.40", {"wlan0": ["192.168.1.40"]},
                  sys_root=data_dir / "sys", speeds={"wlan0": 866.0})  # fmt: skip
    values, _d, _m = run(fake)
    assert values["network.connection"] == "wifi"
    assert values["network.link_mbps"] is None


def test_linux_vpn_carrying_traffic(data_dir: Path) -> None:
    fake = FakeOs("linux", "10.8.0.6", {"eth0": ["192.168.0.23"], "tun0": ["10.8.0.6"]},
                  sys_root=data_dir / "sys")  # fmt: skip
    values, details, _m = run(fake)
    assert values["network.connection"] == "vpn"
    assert values["network.vpn"] is True
    assert details["vpn_interfaces"] == ["tun0"]


def test_linux_split_tunnel_vpn_is_reported_but_not_the_connection(data_dir: Path) -> None:
    fake = FakeOs("linux", "192.168.0.23", {"eth0": ["192.168.0.23"], "wg0": ["10.9.0.2"]},
                  sys_root=data_dir / "sys")  # fmt: skip
    values, _d, messages = run(fake)
    assert values["network.connection"] == "ethernet"
    assert values["network.vpn"] is True
    assert any("wg0" in m for m in messages)


def test_linux_unmatched_source_falls_back_to_the_default_route(data_dir: Path) -> None:
    route = (data_dir / "proc_net_route.txt").read_text()
    fake = FakeOs("linux", "100.64.0.9", {"eth0": ["192.168.0.23"]},
                  sys_root=data_dir / "sys", commands={"/proc/net/route": route})  # fmt: skip
    values, _d, _m = run(fake)
    assert values["network.interface"] == "eth0"


def test_offline_is_connection_none() -> None:
    values, _d, messages = run(FakeOs("linux", None, {"lo": ["127.0.0.1"]}))
    assert values["network.connection"] == "none"
    assert values["network.interface"] == ""
    assert messages


def test_windows_wifi_from_get_netadapter(data_dir: Path) -> None:
    fake = FakeOs(
        "win32", "192.168.1.77", {"Wi-Fi": ["192.168.1.77"], "Ethernet": ["169.254.3.3"]},
        commands={"powershell": (data_dir / "windows_get_netadapter.json").read_text()},
    )  # fmt: skip
    values, _d, _m = run(fake)
    assert values["network.connection"] == "wifi"
    assert values["network.interface"] == "Wi-Fi"


def test_windows_ethernet_link_speed(data_dir: Path) -> None:
    fake = FakeOs(
        "win32", "192.168.1.78", {"Ethernet": ["192.168.1.78"]},
        commands={"powershell": (data_dir / "windows_get_netadapter.json").read_text()},
    )  # fmt: skip
    values, _d, _m = run(fake)
    assert values["network.connection"] == "ethernet"
    assert values["network.link_mbps"] == 1000.0


def test_windows_powershell_failure_is_other_not_a_crash() -> None:
    fake = FakeOs("win32", "192.168.1.78", {"Ethernet": ["192.168.1.78"]})
    values, _d, _m = run(fake)
    assert values["network.connection"] == "other"


def test_macos_usb_ethernet_via_route_fallback(data_dir: Path) -> None:
    fake = FakeOs(
        "darwin", "192.168.1.20", {"en0": ["192.168.1.21"], "en5": ["192.168.1.22"]},
        commands={
            "networksetup": (data_dir / "macos_hardware_ports.txt").read_text(),
            "route": (data_dir / "macos_route_default_en5.txt").read_text(),
        },
    )  # fmt: skip
    values, _d, _m = run(fake)
    assert values["network.connection"] == "ethernet"
    assert values["network.interface"] == "en5"


def test_macos_wifi(data_dir: Path) -> None:
    fake = FakeOs(
        "darwin", "192.168.1.21", {"en0": ["192.168.1.21"]},
        commands={"networksetup": (data_dir / "macos_hardware_ports.txt").read_text()},
    )  # fmt: skip
    values, _d, _m = run(fake)
    assert values["network.connection"] == "wifi"


def test_real_machine_matches_sysfs() -> None:
    values, details, _m = run(ConnectionAdapter())
    name = values["network.interface"]
    if values["network.connection"] == "none":
        assert name == ""
        return
    assert isinstance(name, str)
    assert Path("/sys/class/net", name).exists()
    source = details["source_address"]
    assert isinstance(source, str)
    ipaddress.ip_address(source)  # a real address, not a placeholder
    wireless = Path("/sys/class/net", name, "wireless").exists()
    assert (values["network.connection"] == "wifi") == wireless


@pytest.mark.netns
def test_in_a_namespace_with_only_a_veth_the_connection_is_virtual(lab: object) -> None:
    import subprocess
    import sys

    from tests.checks.network.netlab import Lab

    assert isinstance(lab, Lab)
    script = (
        "from deskready.checks.api import CheckContext\n"
        "from deskready.checks.network.connection_check import ConnectionCheck\n"
        "print(ConnectionCheck().run(CheckContext()).values)\n"
    )

    def in_ns() -> str:
        done = subprocess.run(["ip", "netns", "exec", lab.ns, sys.executable, "-c", script],
                              capture_output=True, text=True, timeout=30, check=True)  # fmt: skip
        return done.stdout

    assert "'network.connection': 'none'" in in_ns()  # no default route: offline
    subprocess.run(["ip", "-n", lab.ns, "route", "add", "default", "via", lab.host_ip],
                   check=True, timeout=10)  # fmt: skip
    out = in_ns()
    assert "'network.connection': 'virtual'" in out
    assert f"'network.interface': '{lab.ns_if}'" in out
