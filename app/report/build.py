"""Builds the report model (a JSON-ready dict, schema ``deskready-report/1``).

The CLI table, the GUI, the JSON file and the PDF are all views of this one dict, so they
can never disagree. Human text in it (titles, advice, messages) is in the report language;
ids, statuses and values stay machine-readable and in English.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from deskready import __version__
from deskready.checks.api import Answer, MetricValue
from deskready.checks.i18n import _, active_language, retranslate
from deskready.evaluate import RuleResult
from deskready.outcomes import Outcome, Status, Verdict
from deskready.report import SCHEMA
from deskready.report.integrity import seal
from deskready.runner import CheckResult
from deskready.spec.model import Severity, Spec


def check_status(result: CheckResult, rules: Sequence[RuleResult]) -> Status:
    """A check's status: the runner's (error/skipped) or the worst of its rules."""
    forced = result.runner_status
    if forced is not None:
        return forced
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


def machine_summary(
    values: Mapping[str, MetricValue], os_details: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A short description of the computer: what the employer needs to identify it.

    Deliberately no host name, user name, serial or IP address (privacy).
    """
    os_details = os_details or {}
    if os_details.get("name"):
        os_text = str(os_details["name"])
        if os_details.get("build"):
            os_text += f" (build {os_details['build']})"
    else:
        os_text = str(values.get("os.name") or platform.system())
    summary: dict[str, Any] = {"os": os_text, "architecture": platform.machine()}
    if values.get("cpu.model"):
        summary["cpu"] = values["cpu.model"]
    if values.get("memory.total_gb") is not None:
        summary["memory_gb"] = values["memory.total_gb"]
    return summary


def build_report(
    *,
    spec: Spec,
    results: Sequence[CheckResult],
    rule_results: Sequence[RuleResult],
    verdict: Verdict,
    answers: Mapping[str, Answer],
    declaration_values: Mapping[str, MetricValue],
    agent: Mapping[str, str] | None = None,
    interrupted: bool = False,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """Assemble and seal the report."""
    all_values: dict[str, MetricValue] = dict(declaration_values)
    os_details: dict[str, Any] = {}
    for result in results:
        all_values.update(result.measurements.values)
        if result.check.id == "os":
            os_details = result.measurements.details
    checks_out = []
    for result in results:
        own_rules = [r for r in rule_results if r.check_id == result.check.id]
        checks_out.append(_check_entry(result, own_rules, answers))
    if spec.declarations:
        checks_out.append(_declarations_entry(spec, rule_results, answers))
    summary = {o.value: sum(1 for r in rule_results if r.outcome is o) for o in Outcome}
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "app": {"name": "deskready", "version": __version__},
        "created_at": (created_at or datetime.now().astimezone()).isoformat(timespec="seconds"),
        "language": active_language(),
        "agent": dict(agent) if agent else None,
        "machine": machine_summary(all_values, os_details),
        "spec": {
            "source": spec.source,
            "employer": {"name": _(spec.employer.name), "contact": _(spec.employer.contact)},
            "spec_version": spec.employer.spec_version,
            "sha256": spec.sha256,
        },
        "verdict": verdict.value,
        "interrupted": interrupted,
        "summary": summary,
        "results": checks_out,
        "rules": [_rule_entry(r) for r in rule_results],
    }
    return seal(report)


def _check_entry(
    result: CheckResult, rules: Sequence[RuleResult], answers: Mapping[str, Answer]
) -> dict[str, Any]:
    check = result.check
    m = result.measurements
    units = {mid: check.metric(mid).unit for mid in m.values if check.metric(mid).unit}
    return {
        "check": check.id,
        "title": _(check.title),
        "category": check.category.value,
        "status": check_status(result, rules).value,
        "started_at": result.started_at.isoformat(timespec="seconds")
        if result.started_at
        else None,
        "duration_s": result.duration_s,
        "measurements": dict(m.values),
        "units": units,
        "declared": {mid: _declared_entry(mid, answers) for mid in sorted(m.declared)},
        "messages": [retranslate(message) for message in m.messages],
        "details": dict(m.details),
        "error": retranslate(result.error) if result.error else None,
    }


def _declared_entry(metric_id: str, answers: Mapping[str, Answer]) -> dict[str, Any]:
    """When and how the agent gave the answer behind a declared value."""
    answer = answers.get(metric_id)
    if answer is None:
        return {"answered_at": None, "source": "agent"}
    return {
        "answered_at": answer.answered_at.isoformat(timespec="seconds"),
        "source": answer.source,
    }


def _declarations_entry(
    spec: Spec, rule_results: Sequence[RuleResult], answers: Mapping[str, Answer]
) -> dict[str, Any]:
    """The employer's declarations, shown like a check in the workspace category."""
    own = [r for r in rule_results if r.check_id is None]
    values = {}
    declared = {}
    for declaration in spec.declarations:
        answer = answers.get(declaration.metric)
        values[declaration.metric] = None if answer is None else answer.value
        if answer is not None:
            declared[declaration.metric] = _declared_entry(declaration.metric, answers)
    status = Status.INFO
    if own:
        outcomes = {r.outcome for r in own}
        if Outcome.FAIL in outcomes:
            status = Status.FAIL
        elif Outcome.UNKNOWN in outcomes:
            status = Status.ERROR
        elif Outcome.WARN in outcomes:
            status = Status.WARN
        else:
            status = Status.PASS
    return {
        "check": "declarations",
        "title": _("Your declarations"),
        "category": "workspace",
        "status": status.value,
        "started_at": None,
        "duration_s": 0.0,
        "measurements": values,
        "units": {},
        "declared": declared,
        "messages": [],
        "details": {"texts": {d.metric: _(d.text) for d in spec.declarations}},
        "error": None,
    }


def _rule_entry(r: RuleResult) -> dict[str, Any]:
    return {
        "metric": r.rule.metric,
        "check": r.check_id or "declarations",
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
