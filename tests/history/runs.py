"""Real runs for the history tests: a real Session over two checks that report the values
a test sets, declared with the bandwidth and headset checks' own metric ids, descriptions
and labels (so the words, and their German, are the product's catalogue's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric, MetricType
from deskready.checks.i18n import N_, using_language
from deskready.registry import CheckRegistry
from deskready.session import Session
from deskready.spec import load_spec_text

UPLOAD = Metric("network.upload_mbps", MetricType.NUMBER, N_("Upload speed"), "Mbps")
BUS = Metric(
    "headset.bus",
    MetricType.CHOICE,
    N_("How the headset is connected"),
    choices=("usb", "bluetooth", "analog"),
    labels={"usb": N_("USB"), "bluetooth": N_("Bluetooth"), "analog": N_("audio jack")},
)


class FakeBandwidth(Check):
    id = "bandwidth"
    title = N_("Internet speed")
    category = Category.NETWORK
    metrics = (UPLOAD,)
    values: ClassVar[dict[str, Any]] = {"network.upload_mbps": 20.0}

    def run(self, ctx: CheckContext) -> Measurements:
        return Measurements({"network.upload_mbps": self.values["network.upload_mbps"]})


class FakeHeadset(Check):
    id = "headset"
    title = N_("Headset")
    category = Category.AUDIO
    metrics = (BUS,)
    values: ClassVar[dict[str, Any]] = {"headset.bus": "usb"}

    def run(self, ctx: CheckContext) -> Measurements:
        return Measurements({"headset.bus": self.values["headset.bus"]})


def registry() -> CheckRegistry:
    reg = CheckRegistry()
    reg.add("bandwidth", "tests:FakeBandwidth", FakeBandwidth)
    reg.add("headset", "tests:FakeHeadset", FakeHeadset)
    return reg


SPEC = """[employer]
name = "ACME Calls"
[rules]
"network.upload_mbps" = { min = 5 }
"headset.bus" = { one_of = ["usb", "analog"] }
"""


def spec_text(every_days: int | None = 30, language: str | None = None) -> str:
    text = SPEC
    if language:
        text = f'report_language = "{language}"\n' + text
    if every_days is not None:
        text += f"[reverify]\nevery_days = {every_days}\n"
    return text


def run_once(
    upload: float = 20.0,
    bus: str = "usb",
    *,
    every_days: int | None = 30,
    language: str | None = None,
    only: list[str] | None = None,
) -> dict[str, Any]:
    """One real run (recorded by Session.reports when the history is on); the saved report."""
    FakeBandwidth.values = {"network.upload_mbps": upload}
    FakeHeadset.values = {"headset.bus": bus}
    reg = registry()
    spec = load_spec_text(spec_text(every_days, language), reg, file_name="acme.toml")
    session = Session.planned(spec, reg, only=only)
    outcome = session.run()
    with using_language("en"):
        _shown, saved = session.reports(outcome)
    return saved


def history_env(monkeypatch, tmp_path: Path) -> Path:
    """The history on, in this test's own data folder; returns the file's path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("DESKREADY_HISTORY", "on")
    return tmp_path / "data" / "deskready" / "history.sqlite3"
