"""Serialises a judged run into the report model (a JSON-ready dict, ``deskready-report/2``).

Nothing here decides anything: outcomes, statuses and the verdict come from the
:class:`~deskready.evaluate.Judgement`. This module writes them down, together with the
display text of every value (value, unit and the locale's number style, produced once
here), so the terminal, the GUI, the JSON file and the PDF say the same words. Human text
is in the report language; ids, statuses and values stay machine-readable and in English.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deskready import __version__
from deskready.checks.api import Answer, Check, JSONValue, Metric
from deskready.checks.i18n import _, active_language, retranslate
from deskready.evaluate import Judgement, RuleResult
from deskready.format import format_value, list_separator
from deskready.outcomes import Outcome
from deskready.report import SCHEMA
from deskready.report.integrity import seal
from deskready.runner import CheckResult
from deskready.spec.model import Spec


@dataclass(frozen=True)
class Scope:
    """What a run covered of what the spec asks for.

    A report whose scope is not complete is no readiness proof: every view says so near
    the verdict and lists the requirements that were not checked.
    """

    ran: tuple[str, ...]
    not_run: tuple[str, ...] = ()  # planned, but cancelled or skipped
    left_out: tuple[str, ...] = ()  # wanted, left out with --only / --skip
    disabled: tuple[str, ...] = ()  # turned off by the employer's own spec
    interrupted: bool = False

    @property
    def complete(self) -> bool:
        return not (self.not_run or self.left_out or self.interrupted)


def build_report(
    *,
    spec: Spec,
    results: Sequence[CheckResult],
    judgement: Judgement,
    answers: Mapping[str, Answer],
    scope: Scope,
    left_out: Sequence[type[Check]] = (),
    agent: Mapping[str, str] | None = None,
    interrupted: bool = False,
    hub: Mapping[str, Any] | None = None,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """Assemble and seal the report of one judged run (``hub``: the binding to an employer
    hub's measurement session, docs/hub-protocol.md §5)."""
    checks_out = [
        _check_entry(r.check, r, judgement.statuses[r.check.id].value, answers) for r in results
    ]
    checks_out += [_check_entry(check, None, "skipped", answers) for check in left_out]
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "app": {"name": "deskready", "version": __version__},
        "created_at": (created_at or datetime.now().astimezone()).isoformat(timespec="seconds"),
        "language": active_language(),
        "agent": dict(agent) if agent else None,
        "machine": machine_summary(results),
        "spec": {
            "source": spec.source,
            "employer": {"name": _(spec.employer.name), "contact": _(spec.employer.contact)},
            "spec_version": spec.employer.spec_version,
            "sha256": spec.sha256,
        },
        "verdict": judgement.verdict.value,
        "interrupted": interrupted,
        "scope": _scope_entry(scope, judgement),
        "summary": {o.value: judgement.count(o) for o in Outcome},
        "results": checks_out,
        "rules": [_rule_entry(r) for r in judgement.rules],
    }
    if hub is not None:
        report["hub"] = dict(hub)
    return seal(report)


def machine_summary(results: Sequence[CheckResult]) -> dict[str, Any]:
    """A short description of the computer: what the employer needs to identify it.

    Made of the metrics their checks declare ``summary=True`` (the core names none), in
    check order. Deliberately no host name, user name, serial or IP address (privacy).
    """
    facts = []
    for result in results:
        for metric in result.check.metrics:
            value = result.measurements.values.get(metric.id)
            if metric.summary and value is not None:
                facts.append(
                    {
                        "metric": metric.id,
                        "label": _(metric.description),
                        "value": value,
                        "text": format_value(value, metric.unit, metric.labels),
                    }
                )
    return {"architecture": platform.machine(), "facts": facts}


def _scope_entry(scope: Scope, judgement: Judgement) -> dict[str, Any]:
    return {
        "complete": scope.complete and not judgement.partial,
        "ran": list(scope.ran),
        "not_run": list(scope.not_run),
        "left_out": list(scope.left_out),
        "disabled": list(scope.disabled),
        "not_checked": [r.rule.metric for r in judgement.rules if r.outcome is Outcome.NOT_CHECKED],
    }


def _check_entry(
    check: type[Check], result: CheckResult | None, status: str, answers: Mapping[str, Answer]
) -> dict[str, Any]:
    m = result.measurements if result is not None else None
    values = dict(m.values) if m is not None else {}
    metrics = {metric.id: metric for metric in check.metrics}
    shown = {mid: _display(metrics[mid], value) for mid, value in values.items() if mid in metrics}
    return {
        "check": check.id,
        "title": _(check.title),
        "category": check.category.value,
        "category_label": check.category.label(),
        "status": status,
        "ran": result is not None and not result.skipped,
        "started_at": result.started_at.isoformat(timespec="seconds")
        if result is not None and result.started_at
        else None,
        "duration_s": result.duration_s if result is not None else 0.0,
        "measurements": values,
        "units": {mid: metrics[mid].unit for mid in values if mid in metrics and metrics[mid].unit},
        "display": shown,
        "measured_text": list_separator().join(
            t for mid, t in shown.items() if values[mid] is not None
        ),
        "declared": {mid: _declared_entry(mid, answers) for mid in sorted(m.declared if m else ())},
        "messages": [retranslate(message) for message in (m.messages if m else [])],
        "details": _localized(dict(m.details)) if m is not None else {},
        "series": [_series_entry(metric) for metric in check.metrics if metric.series],
        "error": retranslate(result.error) if result is not None and result.error else None,
    }


def _display(metric: Metric, value: Any) -> str:
    """A value as every view shows it: number style of the report language, unit, words."""
    return format_value(value, metric.unit, metric.labels)


def _series_entry(metric: Metric) -> dict[str, Any]:
    """Where a metric's time series is in ``details`` and how a chart titles it."""
    assert metric.series is not None
    return {
        "metric": metric.id,
        "key": metric.series.key,
        "title": _(metric.series.title),
        "unit": metric.series.unit or metric.unit,
    }


def _localized(value: JSONValue) -> JSONValue:
    """Details with re-translatable texts (messages, an employer's own words) in the
    report language; everything else as the check gave it."""
    if isinstance(value, str):
        return retranslate(value)
    if isinstance(value, Mapping):
        return {k: _localized(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_localized(v) for v in value]
    return value


def _declared_entry(metric_id: str, answers: Mapping[str, Answer]) -> dict[str, Any]:
    """When and how the agent gave the answer behind a declared value."""
    answer = answers.get(metric_id)
    if answer is None:
        return {"answered_at": None, "source": "agent"}
    return {
        "answered_at": answer.answered_at.isoformat(timespec="seconds"),
        "source": answer.source,
    }


def _rule_entry(r: RuleResult) -> dict[str, Any]:
    return {
        "metric": r.rule.metric,
        "check": r.check_id,
        "label": r.label,
        "expected": r.rule.expected,
        "expected_text": r.expected_text,
        "actual": r.actual,
        "actual_text": r.actual_text,
        "unit": r.unit,
        "severity": r.rule.severity.value,
        "outcome": r.outcome.value,
        "advice": r.advice,
        "declared": r.declared,
    }
