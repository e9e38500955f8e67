"""``min = 10``: the value must be at least the threshold (the boundary passes)."""

from __future__ import annotations

from collections.abc import Mapping

from deskready.checks.i18n import _
from deskready.format import format_value
from deskready.spec.kinds.base import TOLERANCE, NumericBound


class Minimum(NumericBound):
    """A lower bound on a number."""

    key = "min"

    def within(self, value: float) -> bool:
        return value >= self.threshold - TOLERANCE

    def describe(self, unit: str, words: Mapping[str, str]) -> str:
        return _("at least {value}").format(value=format_value(self.threshold, unit))
