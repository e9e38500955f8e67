"""Which paper the report is printed on: Letter in North America and the Philippines, else A4.

Kept apart from the renderer and free of Qt so the rule can be tested with plain strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Territories (ISO 3166 alpha-2) where Letter is the office paper.
LETTER_TERRITORIES = frozenset({"US", "CA", "MX", "PH"})
PAGE_SIZES = ("auto", "a4", "letter")


def territory_of(locale_name: str) -> str | None:
    """The territory part of ``ja_JP.UTF-8`` / ``en-US`` style names, upper-cased, or None."""
    base = locale_name.split(".")[0].split("@")[0].replace("-", "_")
    parts = base.split("_")
    if len(parts) >= 2 and len(parts[-1]) == 2 and parts[-1].isalpha():
        return parts[-1].upper()
    return None


def choose_page_size(
    requested: str, report: Mapping[str, Any], system_territory: str | None
) -> str:
    """Resolve ``requested`` ("auto", "a4" or "letter") to "a4" or "letter".

    "auto" looks first at the report's own locale (``locale`` or a territory in
    ``language``, e.g. ``en_US``), because the report may be rendered on another machine
    than the one it was made on; then at the system's territory.

    Raises:
        ValueError: ``requested`` is not one of :data:`PAGE_SIZES`.
    """
    choice = requested.lower()
    if choice not in PAGE_SIZES:
        raise ValueError(f"Page size must be one of {', '.join(PAGE_SIZES)}, not {requested!r}")
    if choice != "auto":
        return choice
    territory = None
    for key in ("locale", "language"):
        value = report.get(key)
        if isinstance(value, str) and (territory := territory_of(value)):
            break
    territory = territory or system_territory
    return "letter" if territory in LETTER_TERRITORIES else "a4"
