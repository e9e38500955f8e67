"""The `cpu` check and the brand-string parser, on real recorded brand strings."""

from __future__ import annotations

import pytest

from deskready.checks.system.cpu_check import CpuCheck
from deskready.checks.system.cpu_model import parse_cpu_brand
from tests.checks.system.fakes import SYSTEM_DATA, RecordedFacts, linux, macos, windows


def _brand_table() -> list[tuple[str, str, str, int | None]]:
    rows = []
    for line in (SYSTEM_DATA / "cpu_brand_strings.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        brand, vendor, family, generation, *_rest = line.split("\t")
        rows.append((brand, vendor, family, None if generation == "unknown" else int(generation)))
    return rows


BRANDS = _brand_table()


def test_table_is_substantial():
    assert len(BRANDS) >= 40


@pytest.mark.parametrize(
    ("brand", "vendor", "family", "generation"), BRANDS, ids=[b[0].strip()[:40] for b in BRANDS]
)
def test_brand_strings_parse(brand, vendor, family, generation):
    parsed = parse_cpu_brand(brand)
    assert parsed.vendor == vendor
    assert parsed.generation == generation


def test_linux_i5_7200u(run_check):
    m = run_check(CpuCheck, linux("debian_12.txt", "intel_core_i5_7200u.txt", cpu_max_mhz=3100.0))
    assert m.values["cpu.vendor"] == "intel"
    assert m.values["cpu.tier"] == 5
    assert m.values["cpu.generation"] == 7
    assert m.values["cpu.max_ghz"] == 3.1


def test_raspberry_pi_has_no_generation(run_check):
    m = run_check(CpuCheck, linux("debian_12.txt", "raspberry_pi_4_aarch64.txt"))
    assert m.values["cpu.generation"] is None
    assert m.values["cpu.model"]


def test_apple_silicon_from_sysctl(run_check):
    m = run_check(CpuCheck, macos("m1_sonoma_14_0"))
    assert m.values["cpu.vendor"] == "apple"
    assert m.values["cpu.generation"] == 1


def test_windows_registry_name_with_padding(run_check):
    m = run_check(CpuCheck, windows("win10_ryzen_7_2700x_registry"))
    assert m.values["cpu.vendor"] == "amd"
    assert m.values["cpu.model"] == m.values["cpu.model"].strip()
    assert m.values["cpu.generation"] == 2


def test_unknown_everything_is_reported_as_unknown(run_check):
    m = run_check(CpuCheck, RecordedFacts("Linux", cpu_counts=(None, None)))
    assert m.values["cpu.model"] is None
    assert m.values["cpu.vendor"] == "unknown"
    assert m.values["cpu.max_ghz"] is None
