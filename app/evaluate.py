"""Judges measurements against the spec: rules x values -> outcomes -> one verdict.

The only place thresholds meet values. Checks never see a threshold; the spec never sees
a device. Missing values are first-class: a required rule with no value is UNKNOWN and
makes the verdict INCOMPLETE — never a silent pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from deskready.checks.api import Metric, MetricValue
from deskready.checks.i18n import _
from deskready.format import format_expected, format_value
from deskready.outcomes import Outcome, Verdict
from deskready.spec.model import Rule, Severity

_NUMBER_TOLERANCE = 1e-9


@dataclass(frozen=True)
class RuleResult:
    """One rule judged: what was asked, what was found, and what to do about it."""

    rule: Rule
    label: str
    check_id: str | None
    unit: str
    actual: MetricValue
    declared: bool
    outcome: Outcome
    advice: str
    #: the metric's words for its choice values (``Metric.labels``)
    words: Mapping[str, str] = field(default_factory=dict)

    @property
    def expected_text(self) -> str:
        r = self.rule
        return format_expected(
            min=r.min, max=r.max, equals=r.equals, one_of=r.one_of, unit=self.unit, words=self.words
        )

    @property
    def actual_text(self) -> str:
        return format_value(self.actual, self.unit, self.words)


def judge(rule: Rule, value: MetricValue) -> Outcome:
    """The outcome of one rule for one value (pure; the table tests pin it down)."""
    if value is None:
        return Outcome.UNKNOWN
    if _meets(rule, value):
        return Outcome.PASS
    return Outcome.FAIL if rule.severity is Severity.REQUIRED else Outcome.WARN


def _meets(rule: Rule, value: MetricValue) -> bool:
    if rule.min is not None or rule.max is not None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if rule.min is not None and value < rule.min - _NUMBER_TOLERANCE:
            return False
        if rule.max is not None and value > rule.max + _NUMBER_TOLERANCE:
            return False
    if rule.equals is not None and not _same(value, rule.equals):
        return False
    return rule.one_of is None or any(_same(value, option) for option in rule.one_of)


def _same(value: MetricValue, expected: MetricValue) -> bool:
    """Equality that does not let True == 1 or "1" == 1 slip through."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    if isinstance(value, int | float) and isinstance(expected, int | float):
        return abs(value - expected) <= _NUMBER_TOLERANCE
    return value == expected


def verdict_of(outcomes: Iterable[tuple[Rule, Outcome]]) -> Verdict:
    """NOT_READY if a required rule failed, else INCOMPLETE if one is unknown, else READY."""
    missing = False
    for rule, outcome in outcomes:
        if outcome is Outcome.FAIL:
            return Verdict.NOT_READY
        if outcome is Outcome.UNKNOWN and rule.severity is Severity.REQUIRED:
            missing = True
    return Verdict.INCOMPLETE if missing else Verdict.READY


def evaluate(
    rules: Iterable[Rule],
    values: Mapping[str, MetricValue],
    metrics: Mapping[str, tuple[str | None, Metric]],
    *,
    declared: frozenset[str] = frozenset(),
    errors: Mapping[str, str] | None = None,
) -> tuple[list[RuleResult], Verdict]:
    """Judge every rule.

    Args:
        rules: the spec's rules.
        values: every metric value the run produced (missing key = not measured).
        metrics: metric id -> (id of the check producing it, declaration).
        declared: metric ids whose value is the agent's answer.
        errors: check id -> why it could not measure, woven into the advice.
    """
    errors = errors or {}
    results: list[RuleResult] = []
    for rule in rules:
        check_id, metric = metrics[rule.metric]
        value = values.get(rule.metric)
        outcome = judge(rule, value)
        results.append(
            RuleResult(
                rule=rule,
                label=_(metric.description),
                check_id=check_id,
                unit=metric.unit,
                actual=value,
                declared=rule.metric in declared,
                outcome=outcome,
                advice=_advice(rule, metric, outcome, errors.get(check_id or "")),
                words=metric.labels,
            )
        )
    return results, verdict_of((r.rule, r.outcome) for r in results)


def _advice(rule: Rule, metric: Metric, outcome: Outcome, error: str | None) -> str:
    """Plain words on what to do; empty when the rule passed."""
    if outcome is Outcome.PASS:
        return ""
    if outcome is Outcome.UNKNOWN:
        if error:
            return _("{problem} Then run the check again.").format(problem=error)
        return _("Not measured or not answered yet. Run the check again and answer its questions.")
    if rule.advice:
        return _(rule.advice)  # the employer's own words, in their best-matching language
    if metric.advice:
        return _(metric.advice)
    return _("This does not meet your employer's requirement.")
