"""Judges a run against the spec: rules x values -> outcomes -> check statuses -> verdict.

The only place a threshold meets a value, and the only place that decides a rule's
outcome, a check's status and the verdict. Checks never see a threshold; the spec never
sees a device; the report, the CLI, the GUI and the PDF only show the :class:`Judgement`.
Missing values are first-class: a required rule with no value is UNKNOWN and a rule whose
check did not run is NOT_CHECKED; either keeps the verdict from READY.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from deskready.checks.api import Metric, MetricValue
from deskready.checks.i18n import _
from deskready.format import format_value
from deskready.outcomes import Outcome, Status, Verdict
from deskready.runner import CheckResult
from deskready.spec.model import Rule, Severity


@dataclass(frozen=True)
class RuleResult:
    """One rule judged: what was asked, what was found, and what to do about it."""

    rule: Rule
    label: str
    check_id: str
    unit: str
    actual: MetricValue
    declared: bool
    outcome: Outcome
    advice: str
    #: the metric's words for its choice values (``Metric.labels``)
    words: Mapping[str, str] = field(default_factory=dict)

    @property
    def expected_text(self) -> str:
        return self.rule.describe(self.unit, self.words)

    @property
    def actual_text(self) -> str:
        if self.outcome is Outcome.NOT_CHECKED:
            return _("not checked")
        return format_value(self.actual, self.unit, self.words)


@dataclass(frozen=True)
class Judgement:
    """Everything the evaluator decided about one run.

    Attributes:
        rules: every rule of the spec that was in scope, judged, in spec order.
        statuses: check id -> its status, for every check that was planned.
        verdict: the answer the agent came for.
        partial: some check the spec asks for did not run (left out, cancelled, skipped),
            so the verdict can be at best INCOMPLETE and the report is no readiness proof.
    """

    rules: tuple[RuleResult, ...]
    statuses: Mapping[str, Status]
    verdict: Verdict
    partial: bool

    def rules_of(self, check_id: str) -> list[RuleResult]:
        """The judged rules on one check's metrics."""
        return [r for r in self.rules if r.check_id == check_id]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.rules if r.outcome is outcome)


def judge(rule: Rule, value: MetricValue) -> Outcome:
    """The outcome of one rule for one value of a check that ran (pure)."""
    if value is None:
        return Outcome.UNKNOWN
    if all(condition.meets(value) for condition in rule.conditions):
        return Outcome.PASS
    return Outcome.FAIL if rule.severity is Severity.REQUIRED else Outcome.WARN


def verdict_of(outcomes: Iterable[tuple[Rule, Outcome]], *, partial: bool = False) -> Verdict:
    """NOT_READY if a required rule failed; else INCOMPLETE if a required rule is unknown,
    any rule was not checked, or the run was partial; else READY."""
    missing = partial
    for rule, outcome in outcomes:
        if outcome is Outcome.FAIL:
            return Verdict.NOT_READY
        if outcome is Outcome.NOT_CHECKED:
            missing = True
        if outcome is Outcome.UNKNOWN and rule.severity is Severity.REQUIRED:
            missing = True
    return Verdict.INCOMPLETE if missing else Verdict.READY


def check_status(runner_status: Status | None, rules: Sequence[RuleResult]) -> Status:
    """A check's status: the runner's (error/skipped) or the worst of its rules."""
    if runner_status is not None:
        return runner_status
    if not rules:
        return Status.INFO
    outcomes = {r.outcome for r in rules}
    if Outcome.FAIL in outcomes:
        return Status.FAIL
    if any(r.outcome is Outcome.UNKNOWN and r.rule.severity is Severity.REQUIRED for r in rules):
        return Status.ERROR
    if Outcome.WARN in outcomes or Outcome.UNKNOWN in outcomes:
        return Status.WARN
    return Status.PASS


def evaluate(
    rules: Iterable[Rule],
    results: Sequence[CheckResult],
    metrics: Mapping[str, tuple[str, Metric]],
    *,
    left_out: Iterable[str] = (),
    interrupted: bool = False,
) -> Judgement:
    """Judge a run.

    Args:
        rules: the spec's rules in scope (rules on checks the spec disables are not).
        results: one result per check that was planned to run (skipped ones included).
        metrics: metric id -> (id of the check producing it, declaration).
        left_out: ids of checks the spec asks for that this run left out (``--only``,
            ``--skip``): their rules are NOT_CHECKED.
        interrupted: the run was stopped early; the verdict is then at best INCOMPLETE.
    """
    by_id = {r.check.id: r for r in results}
    not_run = {r.check.id for r in results if r.skipped} | set(left_out)
    values: dict[str, MetricValue] = {}
    declared: set[str] = set()
    for done in results:
        values.update(done.measurements.values)
        declared |= done.measurements.declared
    judged: list[RuleResult] = []
    for rule in rules:
        check_id, metric = metrics[rule.metric]
        result = by_id.get(check_id)
        if check_id in not_run or result is None:
            outcome, value = Outcome.NOT_CHECKED, None
        else:
            value = values.get(rule.metric)
            outcome = judge(rule, value)
        judged.append(
            RuleResult(
                rule=rule,
                label=_(metric.description),
                check_id=check_id,
                unit=metric.unit,
                actual=value,
                declared=rule.metric in declared,
                outcome=outcome,
                advice=_advice(rule, metric, outcome, result),
                words=metric.labels,
            )
        )
    statuses = {
        r.check.id: check_status(r.runner_status, [j for j in judged if j.check_id == r.check.id])
        for r in results
    }
    statuses.update(dict.fromkeys(left_out, Status.SKIPPED))
    partial = bool(not_run) or interrupted
    verdict = verdict_of(((r.rule, r.outcome) for r in judged), partial=partial)
    return Judgement(tuple(judged), statuses, verdict, partial)


def _advice(rule: Rule, metric: Metric, outcome: Outcome, result: CheckResult | None) -> str:
    """Plain words on what to do; empty when the rule passed, and when its check could not
    measure (the check's error is the one place that cause is told: report.fixes)."""
    if outcome is Outcome.PASS:
        return ""
    if outcome is Outcome.NOT_CHECKED:
        return _("Not checked in this run. Run the full check to include it.")
    if outcome is Outcome.UNKNOWN:
        if result is not None and result.error:
            return ""  # one message per cause: the check's own error says it, once
        asked = result is not None and any(q.id == rule.metric for q in result.check.questions)
        if asked:
            return _("Not answered yet. Run the check again and answer its question.")
        return _("This could not be measured. Run the check again.")
    if rule.advice:
        return _(rule.advice)  # the employer's own words, in their best-matching language
    if metric.advice:
        return _(metric.advice)
    return _("This does not meet your employer's requirement.")
