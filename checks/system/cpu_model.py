"""Parses a CPU brand string into vendor, family, tier and generation.

Employers write CPU rules as "i5 7th gen or better" or "Ryzen 3 or better", so the
`cpu` check reports:

* ``tier`` — the class within the vendor's line-up: 3/5/7/9 for Core i3…i9, Core Ultra
  5…9 and Ryzen 3…9; 7 for Apple M, 9 for M Pro/Max/Ultra; 1 for entry lines (Celeron,
  Pentium, Atom, Athlon, Core 2).
* ``generation`` — Intel Core: the generation in the model number (i5-7200U → 7,
  i7-1255U → 12; Core Ultra series 1/2 → 14/15, their place in Intel's sequence;
  i3-N305 → 12, Alder Lake-N); AMD Ryzen: the series digit (5600X → 5); Apple: the M
  number. None when the name carries none (Xeon, Celeron, virtual CPUs).

Generations are per vendor: Ryzen 3000 is not comparable with Intel's 3rd generation,
so a spec that mixes vendors should scope its rule (docs/spec.md explains how).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VENDORS = ("intel", "amd", "apple", "arm", "other", "unknown")


@dataclass(frozen=True)
class CpuModel:
    vendor: str
    family: str
    tier: int | None
    generation: int | None


_GEN_PREFIX = re.compile(r"(\d{1,2})(?:st|nd|rd|th) Gen", re.I)
_CORE_I = re.compile(
    r"Core\(?(?:TM)?\)?\s*i([3579])(?:[- ]([A-Z]?)(\d{3,5})|\s+CPU\s+([A-Z]?)\s*(\d{3})\b)?", re.I
)
_CORE_ULTRA = re.compile(r"Core\(?(?:TM)?\)?\s*Ultra\s*([579])\s*(\d)(\d{2})", re.I)
_CORE_N = re.compile(r"Core\(?(?:TM)?\)?\s*([357])\s+(\d)(\d{2})[A-Z]", re.I)
_RYZEN = re.compile(
    r"Ryzen\s+(?:AI\s+)?(?:Threadripper\s+)?([3579])\s+(?:PRO\s+)?(?:HX\s+)?(\d)(\d{2,3})", re.I
)
_APPLE = re.compile(r"Apple\s+M(\d+)(?:\s+(Pro|Max|Ultra))?", re.I)


def _intel_core_generation(letter: str, digits: str) -> int | None:
    if letter.upper() == "N":  # i3-N300/N305: Alder Lake-N, 12th generation
        return 12
    if len(digits) == 3:  # i7-920, i5-750: first generation
        return 1
    if len(digits) == 5:  # i7-10750H, i9-14900K
        return int(digits[:2])
    if digits.startswith("1"):  # i5-1035G1, i7-1255U: mobile 10th gen and later
        return int(digits[:2])
    return int(digits[0])


def parse_cpu_brand(brand: str | None) -> CpuModel:
    """Vendor, family, tier and generation of ``brand`` ("unknown"/None where unclear)."""
    text = " ".join((brand or "").split())
    if not text:
        return CpuModel("unknown", "unknown", None, None)
    lower = text.lower()
    if "intel" in lower or "core(tm)" in lower or "celeron" in lower or "pentium" in lower:
        return _intel(text, lower)
    if "amd" in lower or "ryzen" in lower or "athlon" in lower:
        return _amd(text, lower)
    if match := _APPLE.search(text):
        variant = (match.group(2) or "").lower()
        family = f"m{match.group(1)}" + (f"_{variant}" if variant else "")
        return CpuModel("apple", family, 9 if variant else 7, int(match.group(1)))
    if any(word in lower for word in ("arm", "cortex", "neoverse", "snapdragon", "qualcomm")):
        return CpuModel("arm", "unknown", None, None)
    return CpuModel("other", "unknown", None, None)


def _intel(text: str, lower: str) -> CpuModel:
    prefix = _GEN_PREFIX.search(text)
    if match := _CORE_ULTRA.search(text):
        series = int(match.group(2))
        return CpuModel("intel", f"core_ultra_{match.group(1)}", int(match.group(1)), 13 + series)
    if match := _CORE_I.search(text):
        tier = int(match.group(1))
        generation = int(prefix.group(1)) if prefix else None
        if generation is None and match.group(3):
            generation = _intel_core_generation(match.group(2) or "", match.group(3))
        elif generation is None and match.group(5):  # "Core(TM) i7 CPU 930": first generation
            generation = 1
        return CpuModel("intel", f"core_i{tier}", tier, generation)
    if match := _CORE_N.search(text):  # "Intel(R) Core(TM) 7 150U" (Core series 1)
        return CpuModel(
            "intel", f"core_{match.group(1)}", int(match.group(1)), 13 + int(match.group(2))
        )
    for family, tier in (("celeron", 1), ("pentium", 1), ("atom", 1), ("xeon", 7)):
        if family in lower:
            return CpuModel("intel", family, tier, None)
    if "core(tm)2" in lower or "core 2" in lower:
        return CpuModel("intel", "core2", 1, None)
    return CpuModel("intel", "unknown", None, None)


def _amd(text: str, lower: str) -> CpuModel:
    if match := _RYZEN.search(text):
        tier = int(match.group(1))
        if " ai " in f" {lower} ":  # Ryzen AI 300: the generation after the 8000 series
            return CpuModel("amd", f"ryzen_ai_{tier}", tier, 9)
        return CpuModel("amd", f"ryzen_{tier}", tier, int(match.group(2)))
    for family, tier in (("athlon", 1), ("epyc", 9), ("threadripper", 9), ("a10", 1), ("fx", 3)):
        if family in lower:
            return CpuModel("amd", family, tier, None)
    return CpuModel("amd", "unknown", None, None)


def brand_from_cpuinfo(text: str | None) -> str | None:
    """The CPU name in Linux ``/proc/cpuinfo`` (x86 ``model name``; ARM ``Model``)."""
    if not text:
        return None
    for key in ("model name", "Model", "Hardware", "cpu model"):
        for line in text.splitlines():
            name, _sep, value = line.partition(":")
            if name.strip() == key and value.strip():
                return value.strip()
    return None
