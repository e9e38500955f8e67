"""The `memory`, `disk` and `power` checks: a pass-shaped and a fail-shaped machine each."""

from __future__ import annotations

import pytest

from deskready.checks.api import CheckFailed
from deskready.checks.system.disk_check import DiskCheck
from deskready.checks.system.memory_check import MemoryCheck
from deskready.checks.system.power_check import PowerCheck
from tests.checks.system.fakes import RecordedFacts

GIB = 1024**3


@pytest.mark.parametrize(
    ("total", "expected"), [(8 * GIB, 8.0), (int(3.8 * GIB), 3.8), (int(15.6 * GIB), 15.6)]
)
def test_memory_in_gb(run_check, total, expected):
    assert (
        run_check(MemoryCheck, RecordedFacts(memory_bytes=total)).values["memory.total_gb"]
        == expected
    )


def test_disk_free_and_total(run_check):
    m = run_check(DiskCheck, RecordedFacts(disk=(512 * GIB, int(12.5 * GIB))))
    assert m.values == {"disk.free_gb": 12.5, "disk.total_gb": 512.0}


def test_disk_unreadable_is_a_clear_failure(run_check):
    with pytest.raises(CheckFailed, match="free space"):
        run_check(DiskCheck, RecordedFacts(disk=None))


def test_laptop_on_battery(run_check):
    m = run_check(PowerCheck, RecordedFacts(battery=(41.0, False)))
    assert m.values == {"power.on_ac": False, "power.has_battery": True, "power.battery_pct": 41.0}


def test_laptop_plugged_in(run_check):
    assert run_check(PowerCheck, RecordedFacts(battery=(99.0, True))).values["power.on_ac"] is True


def test_desktop_without_battery_is_on_mains(run_check):
    m = run_check(PowerCheck, RecordedFacts(battery=None))
    assert m.values["power.on_ac"] is True
    assert m.values["power.has_battery"] is False


def test_battery_plug_state_unknown(run_check):
    assert run_check(PowerCheck, RecordedFacts(battery=(80.0, None))).values["power.on_ac"] is None


def test_real_machine_measures_everything(run_check):
    """The real adapter on this machine: every value present and plausible."""
    from deskready.checks.system.host import SystemFacts

    facts = SystemFacts()
    assert run_check(MemoryCheck, facts).values["memory.total_gb"] > 0
    disk = run_check(DiskCheck, facts).values
    assert 0 <= disk["disk.free_gb"] <= disk["disk.total_gb"]
