"""Fast fake checks for GUI tests: live values, a question during the run, an error.

Each behaves like a real check of its kind (exclusive network and audio checks, live
``mbps`` / ``rtt_ms`` / ``dbfs`` values, ``ctx.ask``), but finishes in well under a second.
Class attributes let a test change what the next run measures (a "fix" before Re-run).
"""

from __future__ import annotations

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
)
from deskready.registry import CheckRegistry

STEP_S = 0.02


class FakeMemory(Check):
    id = "fake_memory"
    title = "Memory"
    category = Category.SYSTEM
    description = "How much memory the computer has."
    metrics = (Metric("fake.memory_gb", MetricType.NUMBER, "Memory (RAM)", "GB"),)

    def run(self, ctx: CheckContext) -> Measurements:
        return Measurements({"fake.memory_gb": 7.9})


class FakeBroken(Check):
    id = "fake_headset"
    title = "Headset"
    category = Category.AUDIO
    description = "Looks for your headset."
    metrics = (Metric("fake.headset", MetricType.BOOLEAN, "Headset present"),)
    missing = True

    def run(self, ctx: CheckContext) -> Measurements:
        if self.missing:
            raise CheckFailed("No headset was found. Plug in your headset and try again.")
        return Measurements({"fake.headset": True})


class FakeSpeed(Check):
    id = "fake_speed"
    title = "Internet speed"
    category = Category.NETWORK
    description = "How fast your connection is."
    exclusive = True
    metrics = (Metric("fake.download_mbps", MetricType.NUMBER, "Download speed", "Mbps"),)
    steps = 20

    def run(self, ctx: CheckContext) -> Measurements:
        for i in range(self.steps):
            ctx.raise_if_cancelled()
            mbps = 40 + i * 0.5
            ctx.progress((i + 1) / self.steps, f"Download: {mbps:.1f} Mbps", mbps=mbps)
            time.sleep(STEP_S)
        return Measurements({"fake.download_mbps": 48.2})


class FakeLatency(Check):
    id = "fake_latency"
    title = "Call quality"
    category = Category.NETWORK
    description = "Delay of a test stream shaped like a call."
    exclusive = True
    metrics = (
        Metric(
            "fake.rtt_ms",
            MetricType.NUMBER,
            "Latency (round trip)",
            "ms",
            advice="Stop downloads and restart your router.",
        ),
    )
    rtt = 212.0
    steps = 25

    def run(self, ctx: CheckContext) -> Measurements:
        for i in range(self.steps):
            ctx.raise_if_cancelled()
            value = self.rtt + (i % 5) * 3
            ctx.progress((i + 1) / self.steps, f"Delay: {value:.0f} ms", rtt_ms=value)
            time.sleep(STEP_S)
        return Measurements({"fake.rtt_ms": self.rtt})


class FakeMicrophone(Check):
    id = "fake_microphone"
    title = "Microphone"
    category = Category.AUDIO
    description = "Records you reading a sentence."
    exclusive = True
    metrics = (Metric("fake.speech_dbfs", MetricType.NUMBER, "Speaking level", "dBFS"),)

    def run(self, ctx: CheckContext) -> Measurements:
        for i in range(15):
            ctx.raise_if_cancelled()
            ctx.progress(None, "Please read the sentence aloud", dbfs=-40 + i * 1.2)
            time.sleep(STEP_S)
        return Measurements({"fake.speech_dbfs": -23.0})


BEEPS = Question(
    id="fake.beeps",
    text="How many beeps did you hear?",
    type=AnswerType.NUMBER,
    help="Count the short beeps. If you heard nothing, answer 0.",
)


class FakeSpeaker(Check):
    id = "fake_speaker"
    title = "Headset sound"
    category = Category.AUDIO
    description = "Plays beeps and asks how many you heard."
    exclusive = True
    metrics = (Metric("fake.beeps_ok", MetricType.BOOLEAN, "Beeps heard correctly"),)

    def run(self, ctx: CheckContext) -> Measurements:
        ctx.progress(None, "Listen: beeps are playing")
        answer = ctx.ask(BEEPS)
        if answer is None:
            return Measurements({"fake.beeps_ok": None})
        return Measurements({"fake.beeps_ok": answer.value == 3}, declared={"fake.beeps_ok"})


KIND = Question(
    id="fake.phone_kind",
    text="Which phone do you use for calls?",
    type=AnswerType.CHOICE,
    help="A cordless phone is not allowed.",
    choices=(Choice("corded", "A corded phone"), Choice("cordless", "A cordless phone")),
)


class FakePhone(Check):
    id = "fake_phone"
    title = "Phone"
    category = Category.PHONE
    description = "Which phone you use, as you declare it."
    metrics = (
        Metric("fake.phone_kind", MetricType.CHOICE, "Phone type", choices=("corded", "cordless")),
    )
    questions = (KIND,)

    def run(self, ctx: CheckContext) -> Measurements:
        answer = ctx.answer("fake.phone_kind")
        value = None if answer is None else str(answer.value)
        return Measurements({"fake.phone_kind": value}, declared={"fake.phone_kind"})


class FakeSlow(Check):
    """Runs until cancelled (for the Cancel test)."""

    id = "fake_slow"
    title = "Slow network test"
    category = Category.NETWORK
    exclusive = True
    metrics = (Metric("fake.slow_mbps", MetricType.NUMBER, "Slow speed", "Mbps"),)
    time_budget_s = 30.0

    def run(self, ctx: CheckContext) -> Measurements:
        while True:
            ctx.raise_if_cancelled()
            ctx.progress(None, "Still measuring", mbps=12.0)
            time.sleep(0.02)


FAST = (FakeMemory, FakeBroken, FakeSpeed, FakeLatency, FakeMicrophone, FakeSpeaker, FakePhone)

SPEC = """
[employer]
name = "Example Contact Center"
contact = "it-support@example.com"
spec_version = "2026.1"

[rules."fake.memory_gb"]
min = 3.5

[rules."fake.headset"]
equals = true

[rules."fake.download_mbps"]
min = 10

[rules."fake.rtt_ms"]
max = 150

[rules."fake.speech_dbfs"]
min = -40

[rules."fake.beeps_ok"]
equals = true

[rules."fake.phone_kind"]
one_of = ["corded"]
"""

SLOW_SPEC = SPEC + '\n[rules."fake.slow_mbps"]\nmin = 5\n'


def fake_registry(*, slow: bool = False) -> CheckRegistry:
    registry = CheckRegistry()
    for check in (*FAST, FakeSlow) if slow else FAST:
        registry.add(check.id, f"tests.gui.fakes:{check.__name__}", check)
    assert not registry.broken, registry.broken
    return registry
