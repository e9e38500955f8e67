"""Judge plain values the way a run would: one CheckResult per check that produced them."""

from __future__ import annotations

from collections.abc import Mapping

from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric
from deskready.evaluate import RuleResult, evaluate
from deskready.outcomes import Verdict
from deskready.runner import CheckResult
from deskready.spec.model import Rule


def _check_class(check_id: str, metrics: tuple[Metric, ...]) -> type[Check]:
    class Produced(Check):
        id = check_id
        title = check_id
        category = Category.SYSTEM

        def run(self, ctx: CheckContext) -> Measurements:  # never run: results are given
            raise NotImplementedError

    Produced.metrics = metrics
    return Produced


def judge_values(
    rules: list[Rule],
    values: Mapping[str, object],
    metrics: Mapping[str, tuple[str, Metric]],
    *,
    errors: Mapping[str, str] | None = None,
) -> tuple[tuple[RuleResult, ...], Verdict]:
    """(judged rules, verdict) for ``values``, each check erring as ``errors`` says."""
    by_check: dict[str, list[Metric]] = {}
    for check_id, metric in metrics.values():
        by_check.setdefault(check_id, []).append(metric)
    results = []
    for check_id, own in by_check.items():
        check = _check_class(check_id, tuple(own))
        mine = {m.id: values[m.id] for m in own if m.id in values}
        results.append(
            CheckResult(check, Measurements(mine), error=(errors or {}).get(check_id))  # type: ignore[arg-type]
        )
    judgement = evaluate(rules, results, metrics)
    return judgement.rules, judgement.verdict
