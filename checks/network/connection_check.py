"""The ``connection`` check: is the agent on Ethernet, Wi-Fi, cellular, or a VPN?"""

from __future__ import annotations

import ipaddress
from typing import ClassVar

from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric, MetricType
from deskready.checks.i18n import M_, N_
from deskready.checks.network.adapters import ConnectionAdapter
from deskready.checks.network.interfaces import (
    CONNECTION_KINDS,
    InterfaceInfo,
    classify_linux,
    classify_macos,
    classify_windows,
    linux_default_route_interface,
    parse_macos_hardware_ports,
    parse_macos_route,
    parse_windows_adapters,
)

_WINDOWS_ADAPTERS = [
    "powershell",
    "-NoProfile",
    "-NonInteractive",
    "-Command",
    "Get-NetAdapter | Select-Object Name,InterfaceDescription,InterfaceType,"
    "NdisPhysicalMedium,PhysicalMediaType,Virtual,HardwareInterface,ReceiveLinkSpeed,Status "
    "| ConvertTo-Json -Compress",
]


class ConnectionCheck(Check):
    """Finds the interface that carries internet traffic and says what kind it is."""

    id = "connection"
    title = N_("Network connection")
    category = Category.NETWORK
    description = N_("Whether your computer reaches the internet by cable, Wi-Fi, mobile or VPN.")
    time_budget_s: ClassVar[float] = 10.0
    metrics = (
        Metric(
            "network.connection",
            MetricType.CHOICE,
            N_("Kind of connection that carries your internet traffic"),
            choices=CONNECTION_KINDS,
            advice=N_(
                "Plug an Ethernet cable from your router into your computer, then turn Wi-Fi off."
            ),
            labels={
                "ethernet": N_("wired Ethernet"),
                "wifi": N_("Wi-Fi"),
                "cellular": N_("mobile data"),
                "vpn": N_("VPN"),
                "virtual": N_("virtual network"),
                "other": N_("other connection"),
                "none": N_("no connection"),
            },
        ),
        Metric(
            "network.vpn",
            MetricType.BOOLEAN,
            N_("A VPN is connected"),
            advice=N_("Disconnect from the VPN, then run the check again."),
        ),
        Metric(
            "network.interface",
            MetricType.TEXT,
            N_("Name of the network adapter in use"),
            advice=N_("Use the network adapter your employer asked for."),
        ),
        Metric(
            "network.link_mbps",
            MetricType.NUMBER,
            N_("Speed of the cable link between your computer and the router"),
            "Mbps",
            advice=N_(
                "Use a newer network cable (Cat 5e or better) and a router port marked 1 Gbps."
            ),
        ),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """Find the traffic-carrying interface, classify it, and list any VPNs that are up."""
        os_ = ctx.adapter(ConnectionAdapter)
        ctx.progress(0.1, M_("Looking at your network adapters"))
        source = os_.route_source_address()
        addresses = os_.interface_addresses()
        name = _interface_of(source, addresses)
        if name is None and source is not None:
            # The source address is on no listed interface (rare): ask the routing table.
            if os_.platform == "darwin":
                name = macos_default_interface(os_, ctx.bounded(5.0))
            elif os_.platform.startswith("linux"):
                name = linux_default_route_interface(os_.read_text("/proc/net/route"))
        infos = _classify_all(os_, ctx, [*addresses, *([name] if name else [])])
        ctx.raise_if_cancelled()
        details: dict[str, object] = {"source_address": source, "platform": os_.platform}
        if name is None:
            ctx.progress(1.0, M_("No internet connection found"))
            return Measurements(
                {
                    "network.connection": "none",
                    "network.vpn": False,
                    "network.interface": "",
                    "network.link_mbps": None,
                },
                details,
                [M_("Your computer has no route to the internet. Connect to your network.")],
            )
        info = infos.get(name, InterfaceInfo(name, "other"))
        speeds = os_.link_speeds()
        link = info.link_mbps if info.link_mbps is not None else speeds.get(name)
        if info.kind != "ethernet":
            link = None  # a Wi-Fi "speed" is a radio rate that moves every second
        up = set(os_.up_interfaces())
        vpns = sorted(n for n, i in infos.items() if i.kind == "vpn" and n in up)
        details.update(
            description=info.description,
            vpn_interfaces=vpns,
            interfaces={n: i.kind for n, i in sorted(infos.items())},
        )
        messages: list[str] = []
        if vpns and info.kind != "vpn":
            messages.append(
                M_(
                    "A VPN ({names}) is connected but your internet traffic does not use it.",
                    names=", ".join(vpns),
                )
            )
        word = self.metric("network.connection").word_for(info.kind) or info.kind
        ctx.progress(1.0, M_("Connection: {kind}", kind=word))
        return Measurements(
            {
                "network.connection": info.kind,
                "network.vpn": info.kind == "vpn" or bool(vpns),
                "network.interface": name,
                "network.link_mbps": link,
            },
            details,
            messages,
        )


def _interface_of(source: str | None, addresses: dict[str, list[str]]) -> str | None:
    if source is None:
        return None
    try:
        wanted = ipaddress.ip_address(source)
    except ValueError:
        return None
    for name, addrs in addresses.items():
        for addr in addrs:
            try:
                if ipaddress.ip_address(addr) == wanted:
                    return name
            except ValueError:
                continue
    return None


def _classify_all(
    os_: ConnectionAdapter, ctx: CheckContext, names: list[str]
) -> dict[str, InterfaceInfo]:
    names = list(dict.fromkeys(names))
    if os_.platform.startswith("win"):
        raw = os_.run(_WINDOWS_ADAPTERS, ctx.bounded(8.0))
        try:
            adapters = parse_windows_adapters(raw)
        except ValueError:
            adapters = []
        found = {info.name: info for info in map(classify_windows, adapters)}
        return {n: found.get(n, InterfaceInfo(n, "other")) for n in names}
    if os_.platform == "darwin":
        ports = parse_macos_hardware_ports(
            os_.run(["networksetup", "-listallhardwareports"], ctx.bounded(5.0))
        )
        return {n: classify_macos(n, ports) for n in names}
    return {n: classify_linux(os_.sys_class_net, n) for n in names}


def macos_default_interface(os_: ConnectionAdapter, timeout: float) -> str | None:
    """The default-route interface on macOS (used when the source address is unmatched)."""
    return parse_macos_route(os_.run(["route", "-n", "get", "default"], timeout))
