"""The rule kinds a spec may use, and what a rule's conditions say together.

A new kind is one module here (a :class:`~deskready.spec.kinds.base.RuleKind` subclass)
plus one line in :data:`KINDS`, and its test in ``tests/spec/kinds/``. The loader, the
evaluator and the report find it through this table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from deskready.checks.i18n import _
from deskready.checks.l10n import format_number
from deskready.format import format_value
from deskready.spec.kinds.base import KindError, RuleKind
from deskready.spec.kinds.equals import Equals
from deskready.spec.kinds.maximum import Maximum
from deskready.spec.kinds.minimum import Minimum
from deskready.spec.kinds.one_of import OneOf

__all__ = ["KINDS", "KindError", "RuleKind", "conflicts", "describe_conditions"]

#: Spec key -> kind, in the order a rule's conditions are described.
KINDS: dict[str, type[RuleKind]] = {kind.key: kind for kind in (Minimum, Maximum, Equals, OneOf)}


def describe_conditions(
    conditions: Sequence[RuleKind], unit: str = "", words: Mapping[str, str] | None = None
) -> str:
    """What a rule asks for, e.g. "between 1 and 2 GB" or "at least 10 Mbps"."""
    words = words or {}
    by_key = {c.key: c for c in conditions}
    parts: list[str] = []
    low, high = by_key.get("min"), by_key.get("max")
    if low is not None and high is not None:
        parts.append(
            _("between {low} and {high}").format(
                low=format_number(low.threshold), high=format_value(high.threshold, unit)
            )
        )
    for condition in sorted(conditions, key=lambda c: list(KINDS).index(c.key)):
        if low is not None and high is not None and condition.key in ("min", "max"):
            continue
        parts.append(condition.describe(unit, words))
    return "; ".join(parts)


def conflicts(conditions: Sequence[RuleKind]) -> list[str]:
    """Conditions that no value can meet together (``min`` above ``max``)."""
    by_key = {c.key: c for c in conditions}
    low, high = by_key.get("min"), by_key.get("max")
    if low is not None and high is not None and low.threshold > high.threshold:
        return [
            _("min ({min}) is larger than max ({max})").format(
                min=low.threshold, max=high.threshold
            )
        ]
    return []
