"""Metrics the rule-kind tests judge against."""

from __future__ import annotations

from deskready.checks.api import Metric, MetricType

SPEED = Metric("net.down_mbps", MetricType.NUMBER, "Download", "Mbps")
CORES = Metric("cpu.cores", MetricType.INTEGER, "Cores")
WIRED = Metric("net.wired", MetricType.BOOLEAN, "Wired")
KIND = Metric(
    "phone.kind",
    MetricType.CHOICE,
    "Phone",
    choices=("corded", "cordless", "usb_handset"),
    labels={"corded": "corded phone", "usb_handset": "USB handset"},
)
