"""``one_of = ["corded", "usb_handset"]``: the value must be one of a list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from deskready.checks.api import Metric, MetricValue
from deskready.checks.i18n import _
from deskready.format import format_value, list_separator
from deskready.spec.kinds.base import KindError, RuleKind, metric_value, same

#: A longer list is not a requirement an agent can read; it is a mistake in the spec.
MAX_OPTIONS = 100


class OneOf(RuleKind):
    """A closed list of allowed values."""

    key = "one_of"
    threshold: tuple[MetricValue, ...]

    @classmethod
    def parse(cls, raw: object, metric: Metric) -> Self:
        if not isinstance(raw, list):
            raise KindError(_("must be a list, e.g. [1, 2]"))
        if not raw:
            raise KindError(_("must not be empty"))
        if len(raw) > MAX_OPTIONS:
            raise KindError(_("must list at most {count} values").format(count=MAX_OPTIONS))
        return cls(tuple(metric_value(item, metric) for item in raw))

    def meets(self, value: MetricValue) -> bool:
        return any(same(value, option) for option in self.threshold)

    def describe(self, unit: str, words: Mapping[str, str]) -> str:
        return _("one of: {values}").format(
            values=list_separator().join(format_value(v, unit, words) for v in self.threshold)
        )

    def to_json(self) -> Any:
        return list(self.threshold)
