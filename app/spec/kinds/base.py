"""What every rule kind (``min``, ``max``, ``equals``, ``one_of``…) knows about itself.

A kind validates its threshold when the spec loads, judges one value, says in plain words
what it asks for, and serialises its threshold for the report. The loader, the evaluator
and the report only ever go through this interface, so a new kind is one module in this
package (plus one line in :data:`deskready.spec.kinds.KINDS`) and its test.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from deskready.checks.api import Metric, MetricType, MetricValue
from deskready.checks.i18n import N_, _

#: Values closer than this count as equal (a float read from a report, rounding in a check).
TOLERANCE = 1e-9
#: No requirement in this field needs a bigger number (1 Tbit/s is 1e6 Mbps); a bigger one
#: is a typo, and floats this large lose the precision a comparison needs.
MAX_MAGNITUDE = 1e12
#: How each metric type is named in problems ("'cpu.tier' holds a whole number, not …").
TYPE_WORDS = {
    MetricType.NUMBER: N_("a number"),
    MetricType.INTEGER: N_("a whole number"),
    MetricType.BOOLEAN: N_("true or false"),
    MetricType.TEXT: N_("text"),
    MetricType.CHOICE: N_("one value from a list"),
}


class KindError(ValueError):
    """A threshold the spec cannot use.

    ``whole_rule`` says the problem is the rule's, not its key's (``min`` on a yes/no
    metric), so the loader reports it at the rule's path rather than ``….min``.
    """

    def __init__(self, message: str, *, whole_rule: bool = False) -> None:
        super().__init__(message)
        self.whole_rule = whole_rule


@dataclass(frozen=True)
class RuleKind(ABC):
    """One condition of a rule: a kind (its ``key`` in the spec) and a threshold."""

    key: ClassVar[str]
    threshold: Any

    @classmethod
    @abstractmethod
    def parse(cls, raw: object, metric: Metric) -> Self:
        """The condition for the spec value ``raw`` on ``metric``.

        Raises:
            KindError: the value cannot be a threshold of this kind on this metric.
        """

    @abstractmethod
    def meets(self, value: MetricValue) -> bool:
        """True when ``value`` (never None: the evaluator handles missing values) passes."""

    @abstractmethod
    def describe(self, unit: str, words: Mapping[str, str]) -> str:
        """What the condition asks for, e.g. "at least 10 Mbps"."""

    def to_json(self) -> Any:
        """The threshold as plain JSON data, for the report's ``expected``."""
        return self.threshold


class NumericBound(RuleKind):
    """A bound on a number (``min``, ``max``): a finite threshold, a numeric metric."""

    threshold: float

    @classmethod
    def parse(cls, raw: object, metric: Metric) -> Self:
        value = finite_number(raw)
        numeric_metric(metric)
        return cls(value)

    def meets(self, value: MetricValue) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False  # True is not 1, and text is no number
        return self.within(float(value))

    @abstractmethod
    def within(self, value: float) -> bool:
        """True when the number ``value`` keeps to the bound (tolerance included)."""


def is_number(value: object) -> bool:
    """A real number: ``True`` is not 1 here."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite_number(raw: object) -> float:
    """``raw`` as a float threshold, or the reason it cannot be one.

    Raises:
        KindError: not a number, not finite (nan, inf), or absurdly large.
    """
    if not is_number(raw):
        raise KindError(_("must be a number"))
    assert isinstance(raw, int | float)
    if isinstance(raw, int) and abs(raw) > MAX_MAGNITUDE:
        raise KindError(_("is too large (at most {limit})").format(limit=f"{MAX_MAGNITUDE:g}"))
    value = float(raw)
    if not math.isfinite(value):
        raise KindError(_("must be a finite number, not {value}").format(value=raw))
    if abs(value) > MAX_MAGNITUDE:
        raise KindError(_("is too large (at most {limit})").format(limit=f"{MAX_MAGNITUDE:g}"))
    return value


def numeric_metric(metric: Metric) -> None:
    """Refuse ``min``/``max`` on a metric that is not a number.

    Raises:
        KindError: for the whole rule.
    """
    if metric.type not in (MetricType.NUMBER, MetricType.INTEGER):
        raise KindError(
            _(
                "'{metric}' is not a number, so min and max do not apply; use equals or one_of"
            ).format(metric=metric.id),
            whole_rule=True,
        )


def same(value: MetricValue, expected: MetricValue) -> bool:
    """Equality that does not let True == 1 or "1" == 1 slip through."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    if is_number(value) and is_number(expected):
        assert isinstance(value, int | float)
        assert isinstance(expected, int | float)
        return abs(value - expected) <= TOLERANCE
    return value == expected


def metric_value(raw: object, metric: Metric) -> MetricValue:
    """``raw`` as a value ``metric`` can hold (for ``equals`` and ``one_of``).

    Raises:
        KindError: for the whole rule, naming what the metric holds.
    """
    from deskready.spec.errors import did_you_mean

    if not isinstance(raw, bool | int | float | str):
        raise KindError(_("must be text, a number, or true or false"))
    if is_number(raw):
        assert isinstance(raw, int | float)
        if metric.type is MetricType.NUMBER:
            raw = finite_number(raw)
        elif isinstance(raw, float):
            finite_number(raw)
    if metric.accepts(raw):
        return raw
    if metric.type is MetricType.CHOICE:
        message = _("'{value}' is not a value of '{metric}'; use one of: {choices}").format(
            value=raw, metric=metric.id, choices=", ".join(metric.choices)
        ) + did_you_mean(str(raw), metric.choices)
    else:
        message = _("'{metric}' holds {type}, not {value!r}").format(
            metric=metric.id, type=_(TYPE_WORDS[metric.type]), value=raw
        )
    raise KindError(message, whole_rule=True)
