from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.plugin_package import install_plugin

SLOW_PLUGIN = '''
import time
from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric, MetricType


class SlowpokeCheck(Check):
    """Takes ~20 s unless cancelled: lets a test press Ctrl-C mid-run."""
    id = "slowpoke"
    title = "Slowpoke"
    category = Category.NETWORK
    exclusive = True
    time_budget_s = 60.0
    metrics = (Metric("slowpoke.value", MetricType.NUMBER, "Slow value"),)

    def run(self, ctx: CheckContext) -> Measurements:
        print("SLOWPOKE-STARTED", flush=True)
        for _ in range(400):
            ctx.raise_if_cancelled()
            time.sleep(0.05)
        return Measurements({"slowpoke.value": 1.0})
'''


@pytest.fixture(scope="session")
def slow_plugin_path(tmp_path_factory) -> str:
    """A real plugin package with a slow check, installed into a private folder."""
    return install_plugin(
        tmp_path_factory.mktemp("slowplugin"),
        "deskready_slowpoke",
        SLOW_PLUGIN,
        {"slowpoke": "deskready_slowpoke:SlowpokeCheck"},
    )


@pytest.fixture
def system_spec(tmp_path) -> Path:
    path = tmp_path / "system.toml"
    path.write_text(
        '[employer]\nname = "ACME Calls"\ncontact = "it@acme.example"\n'
        '[rules]\n"memory.total_gb" = { min = 0.5 }\n"disk.free_gb" = { min = 0.1 }\n'
        '"cpu.logical_cores" = { min = 1 }\n"os.name" = { one_of = ["linux", "windows", "macos"] }\n'
    )
    return path


@pytest.fixture
def env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "120", "LANG": "C.UTF-8", "LANGUAGE": ""}
