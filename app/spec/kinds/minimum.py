"""``min = 10``: the value must be at least the threshold (the boundary passes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

from deskready.checks.api import Metric, MetricValue
from deskready.checks.i18n import _
from deskready.format import format_value
from deskready.spec.kinds.base import TOLERANCE, RuleKind, finite_number, is_number, numeric_metric


class Minimum(RuleKind):
    """A lower bound on a number."""

    key = "min"
    threshold: float

    @classmethod
    def parse(cls, raw: object, metric: Metric) -> Self:
        value = finite_number(raw)
        numeric_metric(metric)
        return cls(value)

    def meets(self, value: MetricValue) -> bool:
        return (
            isinstance(value, int | float)
            and is_number(value)
            and value >= self.threshold - TOLERANCE
        )

    def describe(self, unit: str, words: Mapping[str, str]) -> str:
        return _("at least {value}").format(value=format_value(self.threshold, unit))
