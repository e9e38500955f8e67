"""Classify a network interface as ethernet, wifi, cellular, vpn, virtual or other.

Pure functions over what each OS exposes (Linux Documentation/ABI/testing/sysfs-class-net;
Microsoft Docs: GetAdaptersAddresses / IP_ADAPTER_ADDRESSES IfType, MSFT_NetAdapter; macOS
route(8), networksetup(8)), so that Windows and macOS can be
tested with recorded output on Linux:

* Linux: the ``/sys/class/net/<if>`` tree (``wireless``/``phy80211``, ``uevent`` DEVTYPE,
  ``tun_flags``, ``type`` = ARPHRD, the ``device`` link of real hardware).
* Windows: ``Get-NetAdapter`` objects as JSON (``InterfaceType`` = IANA ifType as in
  ``GetAdaptersAddresses``, ``NdisPhysicalMedium``); ``netsh`` is localized, so never parsed.
* macOS: ``route -n get default`` (the interface) and ``networksetup
  -listallhardwareports`` (port names such as "Wi-Fi" for each device; en0 is not always
  Wi-Fi).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The closed set of values of ``network.connection``.
CONNECTION_KINDS = ("ethernet", "wifi", "cellular", "vpn", "virtual", "other", "none")

# Linux ARPHRD_* values (include/uapi/linux/if_arp.h).
_ARPHRD_ETHER = 1
_ARPHRD_PPP = 512
_ARPHRD_TUNNEL = 768
_ARPHRD_TUNNEL6 = 769
_ARPHRD_IPGRE = 778
_ARPHRD_LOOPBACK = 772
_ARPHRD_NONE = 65534
_ARPHRD_RAWIP = 519

_VPN_NAME = re.compile(r"^(tun|tap|wg|ppp|ipsec|vti|utun|gpd|cscotun|nordlynx|tailscale|zt)")
_CELL_NAME = re.compile(r"^(wwan|wwp|rmnet|ccmni)")


@dataclass(frozen=True)
class InterfaceInfo:
    """What we learned about one interface.

    Attributes:
        name: OS name (``eth0``, ``en0``, ``Ethernet 2``).
        kind: one of :data:`CONNECTION_KINDS`.
        description: a human label when the OS gives one (Windows description, macOS port).
        link_mbps: negotiated link speed when known.
    """

    name: str
    kind: str
    description: str = ""
    link_mbps: float | None = None


# --------------------------------------------------------------------------------- Linux
def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _uevent(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in _read(path).splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def classify_linux(sys_class_net: Path, name: str) -> InterfaceInfo:
    """Classify ``name`` from a ``/sys/class/net`` tree (real or a test's fake copy)."""
    base = sys_class_net / name
    uevent = _uevent(base / "uevent")
    devtype = uevent.get("DEVTYPE", "").lower()
    try:
        arphrd = int(_read(base / "type") or "-1")
    except ValueError:
        arphrd = -1
    has_device = (base / "device").exists() or (base / "device").is_symlink()
    driver = _uevent(base / "device" / "uevent").get("DRIVER", "") if has_device else ""
    speed = _linux_speed(base)

    if arphrd == _ARPHRD_LOOPBACK or name == "lo":
        kind = "other"
    elif (base / "wireless").exists() or (base / "phy80211").exists() or devtype == "wlan":
        kind = "wifi"
    elif devtype == "wwan" or arphrd == _ARPHRD_RAWIP or _CELL_NAME.match(name):
        kind = "cellular"
    elif (
        (base / "tun_flags").exists()
        or devtype in {"wireguard", "ppp", "vti", "ipsec"}
        or arphrd in {_ARPHRD_PPP, _ARPHRD_TUNNEL, _ARPHRD_TUNNEL6, _ARPHRD_IPGRE, _ARPHRD_NONE}
        or _VPN_NAME.match(name)
    ):
        kind = "vpn"
    elif driver in {"cdc_mbim", "qmi_wwan", "rndis_host", "ipheth", "cdc_ncm"} and devtype in {
        "",
        "wwan",
    }:
        # USB tethering from a phone (rndis/ipheth) or a USB LTE stick.
        kind = "cellular"
    elif not has_device:
        kind = "virtual"  # bridges, veth, docker0, dummy: no hardware behind them
    elif arphrd == _ARPHRD_ETHER:
        kind = "ethernet"
    else:
        kind = "other"
    return InterfaceInfo(name, kind, driver, speed if kind == "ethernet" else None)


def _linux_speed(base: Path) -> float | None:
    try:
        value = int(_read(base / "speed") or "-1")
    except ValueError:
        return None
    return float(value) if value > 0 else None


def linux_default_route_interface(proc_net_route: str) -> str | None:
    """Interface of the IPv4 default route with the lowest metric in ``/proc/net/route``."""
    best: tuple[int, str] | None = None
    for line in proc_net_route.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
            continue
        try:
            flags, metric = int(fields[3], 16), int(fields[6])
        except ValueError:
            continue
        if flags & 0x1 and (best is None or metric < best[0]):  # RTF_UP
            best = (metric, fields[0])
    return None if best is None else best[1]


# ------------------------------------------------------------------------------- Windows
# IANA ifType values as returned by GetAdaptersAddresses (IfType) and Get-NetAdapter
# (InterfaceType): 6 ethernetCsmacd, 71 ieee80211, 243/244 wwanPP/wwanPP2, 23 ppp,
# 131 tunnel, 53 propVirtual, 24 softwareLoopback.
_IFTYPE_KIND = {6: "ethernet", 71: "wifi", 243: "cellular", 244: "cellular", 23: "vpn", 131: "vpn"}
# NDIS_PHYSICAL_MEDIUM: 1 WirelessLan, 8 WirelessWan, 9 Native802_11, 14 802_3, 10 Bluetooth.
_MEDIUM_KIND = {1: "wifi", 9: "wifi", 8: "cellular", 14: "ethernet", 10: "other"}
_WINDOWS_VPN_WORDS = re.compile(
    r"TAP-Windows|WireGuard|Wintun|AnyConnect|Cisco.*VPN|Fortinet|FortiClient|PANGP|"
    r"GlobalProtect|Juniper|Pulse Secure|SonicWall|Check Point|NordLynx|OpenVPN|Tailscale|"
    r"ZeroTier|WAN Miniport|VPN",
    re.IGNORECASE,
)


def parse_windows_adapters(text: str) -> list[dict[str, Any]]:
    """Parse ``Get-NetAdapter | ConvertTo-Json`` (one object or a list of them)."""
    data = json.loads(text) if text.strip() else []
    if isinstance(data, dict):
        data = [data]
    return [item for item in data if isinstance(item, dict)]


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _link_text_mbps(text: str) -> float | None:
    """``Get-NetAdapter``'s LinkSpeed text ("1 Gbps", "100 Mbps", "2.5 Gbps") in Mbit/s."""
    match = re.match(r"^\s*([\d.]+)\s*([KMG])bps", text)
    if not match:
        return None
    value = float(match.group(1)) * {"K": 1e-3, "M": 1.0, "G": 1e3}[match.group(2)]
    return value or None


def _medium_from_text(text: str) -> int | None:
    low = text.lower()
    if "802.11" in low or "wireless lan" in low:
        return 9
    if "wireless wan" in low or "wwan" in low:
        return 8
    if "bluetooth" in low:
        return 10
    if "802.3" in low:
        return 14
    return None


def classify_windows(adapter: Mapping[str, Any]) -> InterfaceInfo:
    """Classify one ``Get-NetAdapter`` object (keys as PowerShell prints them)."""
    name = str(adapter.get("Name") or adapter.get("InterfaceAlias") or "")
    description = str(adapter.get("InterfaceDescription") or "")
    iftype = _as_int(adapter.get("InterfaceType"))
    medium = _as_int(adapter.get("NdisPhysicalMedium"))
    if medium is None:
        # PowerShell may give the medium as text ("Native 802.11"), and PhysicalMediaType
        # always is text: map the names of NDIS_PHYSICAL_MEDIUM back to their numbers.
        text = str(adapter.get("NdisPhysicalMedium") or adapter.get("PhysicalMediaType") or "")
        medium = _medium_from_text(text)
    virtual = bool(adapter.get("Virtual")) or adapter.get("HardwareInterface") is False
    if _WINDOWS_VPN_WORDS.search(description) or (iftype in {23, 131}):
        kind = "vpn"
    elif iftype == 71 or medium in {1, 9}:
        kind = "wifi"
    elif iftype in {243, 244} or medium == 8:
        kind = "cellular"
    elif medium == 10:
        kind = "other"  # Bluetooth PAN: reported as ifType 6 but it is a radio link
    elif virtual or iftype in {53, 24}:
        kind = "virtual"  # Hyper-V vEthernet, VirtualBox host-only, loopback
    elif iftype is not None and iftype in _IFTYPE_KIND:
        kind = _IFTYPE_KIND[iftype]
    elif medium is not None and medium in _MEDIUM_KIND:
        kind = _MEDIUM_KIND[medium]
    else:
        kind = "other"
    speed = _as_int(adapter.get("ReceiveLinkSpeed")) or _as_int(adapter.get("Speed"))
    link = speed / 1e6 if speed else _link_text_mbps(str(adapter.get("LinkSpeed") or ""))
    link = link if kind == "ethernet" else None
    return InterfaceInfo(name, kind, description, link)


# --------------------------------------------------------------------------------- macOS
def parse_macos_route(text: str) -> str | None:
    """The ``interface:`` line of ``route -n get default``; None when there is none."""
    match = re.search(r"^\s*interface:\s*(\S+)", text, re.MULTILINE)
    return match.group(1) if match else None


def parse_macos_hardware_ports(text: str) -> dict[str, str]:
    """Device -> hardware port name from ``networksetup -listallhardwareports``."""
    ports: dict[str, str] = {}
    port: str | None = None
    for line in text.splitlines():
        if line.startswith("Hardware Port:"):
            port = line.split(":", 1)[1].strip()
        elif line.startswith("Device:") and port is not None:
            ports[line.split(":", 1)[1].strip()] = port
            port = None
    return ports


def classify_macos(name: str, ports: Mapping[str, str]) -> InterfaceInfo:
    """Classify a macOS device (``en0``, ``utun3``) using its hardware port, if listed."""
    port = ports.get(name, "")
    low = port.lower()
    if re.match(r"^(utun|ipsec|ppp|tun|tap|gpd)\d*", name):
        kind = "vpn"
    elif low in {"wi-fi", "airport"}:
        kind = "wifi"
    elif "iphone" in low or "ipad" in low or "modem" in low or "wwan" in low or "lte" in low:
        kind = "cellular"
    elif "bridge" in low or name.startswith(("bridge", "awdl", "llw", "vmnet", "anpi")):
        kind = "virtual"
    elif "ethernet" in low or "lan" in low or "thunderbolt" in low or "usb" in low:
        kind = "ethernet"  # "Ethernet", "USB 10/100/1000 LAN", "Thunderbolt Ethernet Slot 1"
    elif name == "lo0":
        kind = "other"
    else:
        kind = "other"
    return InterfaceInfo(name, kind, port)
