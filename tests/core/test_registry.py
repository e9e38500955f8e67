"""Discovery through the entry-point group, broken plugins, and a real installed plugin."""

from __future__ import annotations

import json
import os
import subprocess
from importlib.metadata import EntryPoint
from pathlib import Path

from deskready.registry import ENTRY_POINT_GROUP, discover_checks
from tests.plugin_package import install_plugin


def ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_builtin_checks_are_discovered_through_the_group():
    registry = discover_checks()
    assert {"os", "cpu", "memory", "disk", "power"} <= set(registry.checks)


def test_broken_plugins_are_listed_and_the_rest_still_loads():
    registry = discover_checks(
        [
            ep("os", "deskready.checks.system.os_check:OsCheck"),
            ep("missing", "no_such_module_xyz:Check"),
            ep("notacheck", "json:dumps"),
            ep("dupe", "deskready.checks.system.os_check:OsCheck"),
        ]
    )
    assert list(registry.checks) == ["os"]
    reasons = {b.name: b.reason for b in registry.broken}
    assert "failed to import" in reasons["missing"]
    assert "not a subclass" in reasons["notacheck"]
    # the same check twice: the first (by name) wins, the other is listed as a clash
    assert "already provided" in reasons["os"]


PLUGIN = """
from pathlib import Path

from deskready.checks.api import (
    N_,
    Category,
    Check,
    CheckContext,
    Measurements,
    Metric,
    MetricType,
    TranslationDomain,
)


class UptimeCheck(Check):
    id = "uptime"
    title = N_("Time since restart")
    category = Category.SYSTEM
    metrics = (Metric("uptime.hours", MetricType.NUMBER, N_("Hours since restart"), "h"),)
    translations = TranslationDomain("deskready_uptime", Path(__file__).parent / "locale")

    def run(self, ctx: CheckContext) -> Measurements:
        return Measurements({"uptime.hours": 12.5})


class BrokenCheck(Check):
    id = "Bad Id"
    title = ""
    category = "system"
"""


def write_german_catalogue(package: Path) -> None:
    """The plugin's own German catalogue, compiled with Babel as a plugin author would."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="de", domain="deskready_uptime")
    catalog.add("Time since restart", "Zeit seit dem Neustart")
    folder = package / "locale" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "deskready_uptime.mo").open("wb") as fp:
        write_mo(fp, catalog)


def test_a_real_third_party_plugin_package_is_discovered_and_run(tmp_path, deskready_bin):
    target = install_plugin(
        tmp_path,
        "deskready_uptime",
        PLUGIN,
        {"uptime": "deskready_uptime:UptimeCheck", "broken": "deskready_uptime:BrokenCheck"},
        package_data="locale/*/LC_MESSAGES/*.mo",
        prepare=write_german_catalogue,
    )
    env = {**os.environ, "PYTHONPATH": target}
    listing = subprocess.run(
        [deskready_bin, "checks", "--json"], env=env, capture_output=True, text=True, check=True
    )
    data = json.loads(listing.stdout)
    assert "uptime" in [c["id"] for c in data["checks"]]
    broken = {b["name"]: b["reason"] for b in data["broken"]}
    assert "must be lower_snake_case" in broken["broken"]
    assert "has no title" in broken["broken"]

    spec = tmp_path / "spec.toml"
    spec.write_text('[employer]\nname = "T"\n[rules]\n"uptime.hours" = { max = 24 }\n')
    run = subprocess.run(
        [deskready_bin, "check", "--profile", str(spec), "--json", "-", "--no-input"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["results"][0]["measurements"] == {"uptime.hours": 12.5}
    assert report["verdict"] == "ready"
    # a broken plugin is one line with its reason, never a traceback (that is for --debug)
    notices = [line for line in run.stderr.splitlines() if "broken" in line]
    assert len(notices) == 1, run.stderr
    assert "must be lower_snake_case" in notices[0]
    assert "Traceback" not in run.stderr
    # the plugin ships its own catalogue: its title in the agent's language
    german = subprocess.run(
        [deskready_bin, "--lang", "de", "checks", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    titles = {c["id"]: c["title"] for c in json.loads(german.stdout)["checks"]}
    assert titles["uptime"] == "Zeit seit dem Neustart"
