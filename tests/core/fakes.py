"""Small in-process checks for core tests (no hardware, fully deterministic)."""

from __future__ import annotations

import threading
import time

from deskready.checks.api import (
    AnswerType,
    Category,
    Check,
    CheckContext,
    CheckFailed,
    Choice,
    Measurements,
    Metric,
    MetricType,
    Question,
    Setting,
)
from deskready.registry import CheckRegistry


class SpeedCheck(Check):
    id = "speed"
    title = "Speed"
    category = Category.NETWORK
    exclusive = True
    metrics = (
        Metric("net.down_mbps", MetricType.NUMBER, "Download", "Mbps", advice="Get a faster line."),
        Metric("net.kind", MetricType.CHOICE, "Link", choices=("ethernet", "wifi")),
    )
    settings = (
        Setting("server", str, "auto", "Server"),
        Setting("max_seconds", float, 30.0, "Limit"),
        Setting("servers", list[str], [], "Servers"),
    )
    value = 48.2

    def run(self, ctx: CheckContext) -> Measurements:
        return Measurements({"net.down_mbps": self.value, "net.kind": "ethernet"})


class RamCheck(Check):
    id = "ram"
    title = "RAM"
    category = Category.SYSTEM
    metrics = (
        Metric("ram.gb", MetricType.NUMBER, "Memory", "GB"),
        Metric("ram.ecc", MetricType.BOOLEAN, "ECC"),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        return Measurements({"ram.gb": 8.0, "ram.ecc": False})


class PhoneLikeCheck(Check):
    id = "phoneish"
    title = "Phone"
    category = Category.PHONE
    metrics = (Metric("phoneish.kind", MetricType.CHOICE, "Phone", choices=("corded", "cordless")),)
    questions = (
        Question(
            "phoneish.kind",
            "Which phone?",
            AnswerType.CHOICE,
            choices=(Choice("corded", "Corded"), Choice("cordless", "Cordless")),
        ),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        answer = ctx.answer("phoneish.kind")
        value = None if answer is None else str(answer.value)
        return Measurements(
            {"phoneish.kind": value}, declared={"phoneish.kind"} if answer else set()
        )


class CrashCheck(Check):
    id = "crash"
    title = "Crash"
    category = Category.SYSTEM
    metrics = (Metric("crash.value", MetricType.NUMBER, "Value"),)

    def run(self, ctx: CheckContext) -> Measurements:
        raise ZeroDivisionError("boom")


class FailingCheck(Check):
    id = "failing"
    title = "Failing"
    category = Category.AUDIO
    metrics = (Metric("failing.value", MetricType.NUMBER, "Value"),)

    def run(self, ctx: CheckContext) -> Measurements:
        raise CheckFailed("No microphone was found.")


class HangingCheck(Check):
    """Ignores cancellation entirely: the runner must abandon it."""

    id = "hanging"
    title = "Hanging"
    category = Category.SYSTEM
    time_budget_s = 0.3
    metrics = (Metric("hanging.value", MetricType.NUMBER, "Value"),)
    release = threading.Event()

    def run(self, ctx: CheckContext) -> Measurements:
        self.release.wait(5)
        return Measurements({"hanging.value": 1.0})


class PoliteSlowCheck(Check):
    """Polls cancellation like a well-behaved check."""

    id = "slow"
    title = "Slow"
    category = Category.AUDIO
    exclusive = True
    time_budget_s = 5.0
    metrics = (Metric("slow.value", MetricType.NUMBER, "Value"),)

    def run(self, ctx: CheckContext) -> Measurements:
        for step in range(100):
            ctx.raise_if_cancelled()
            ctx.progress(step / 100, "working", level=float(step))
            time.sleep(0.02)
        return Measurements({"slow.value": 1.0})


class LiarCheck(Check):
    id = "liar"
    title = "Liar"
    category = Category.SYSTEM
    metrics = (Metric("liar.value", MetricType.INTEGER, "Value"),)

    def run(self, ctx: CheckContext) -> Measurements:
        return Measurements({"liar.value": "seven", "liar.other": 1})


def registry_of(*checks: type[Check]) -> CheckRegistry:
    registry = CheckRegistry()
    for check in checks:
        registry.add(check.id, f"tests:{check.__name__}", check)
    assert not registry.broken, registry.broken
    return registry
