"""``equals = "ethernet"``: the value must be exactly this one (``True`` is not 1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

from deskready.checks.api import Metric, MetricValue
from deskready.format import format_value
from deskready.spec.kinds.base import RuleKind, metric_value, same


class Equals(RuleKind):
    """One required value."""

    key = "equals"
    threshold: MetricValue

    @classmethod
    def parse(cls, raw: object, metric: Metric) -> Self:
        return cls(metric_value(raw, metric))

    def meets(self, value: MetricValue) -> bool:
        return same(value, self.threshold)

    def describe(self, unit: str, words: Mapping[str, str]) -> str:
        return format_value(self.threshold, unit, words)
