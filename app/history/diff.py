"""What changed between two kept runs, in the reports' own words.

Rules are matched by metric and what they ask for (a spec may hold two rules on one
metric). The words come from the reports themselves (``rules[].label``,
``actual_text``, written in the report language when the run finished) and from
:mod:`deskready.outcomes` for outcomes and verdicts, so a diff reads like the two reports:
"Upload speed: 20 Mbit/s → 4 Mbit/s (Pass → Fail)". Nothing here judges again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from deskready.checks.i18n import _
from deskready.outcomes import outcome_look, verdict_look

ARROW = "→"


class ChangeKind(StrEnum):
    VERDICT = "verdict"  # the verdict itself
    CHANGED = "changed"  # a rule's value or outcome changed
    ADDED = "added"  # a rule the older run's spec did not have
    REMOVED = "removed"  # a rule the newer run's spec no longer has
    SPEC = "spec"  # the runs were judged by different specs


@dataclass(frozen=True)
class Change:
    """One difference; ``text`` is the line every view shows."""

    kind: ChangeKind
    metric: str
    label: str
    before: str = ""
    after: str = ""
    outcome_before: str = ""
    outcome_after: str = ""

    @property
    def text(self) -> str:
        if self.kind is ChangeKind.VERDICT:
            return _("Verdict: {before} {arrow} {after}").format(
                before=verdict_look(self.before).label(),
                after=verdict_look(self.after).label(),
                arrow=ARROW,
            )
        if self.kind is ChangeKind.SPEC:
            return _("The employer's spec changed: {before} {arrow} {after}").format(
                before=self.before, after=self.after, arrow=ARROW
            )
        if self.kind is ChangeKind.ADDED:
            return _("New requirement: {label} ({value}, {outcome})").format(
                label=self.label, value=self.after, outcome=outcome_look(self.outcome_after).label()
            )
        if self.kind is ChangeKind.REMOVED:
            return _("No longer required: {label}").format(label=self.label)
        line = self.label
        if self.before != self.after:
            line = _("{label}: {before} {arrow} {after}").format(
                label=self.label, before=self.before, after=self.after, arrow=ARROW
            )
        if self.outcome_before != self.outcome_after:
            was = outcome_look(self.outcome_before).label()
            now = outcome_look(self.outcome_after).label()
            line += f" ({was} {ARROW} {now})"
        return line

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "metric": self.metric,
            "label": self.label,
            "before": self.before,
            "after": self.after,
            "outcome_before": self.outcome_before,
            "outcome_after": self.outcome_after,
            "text": self.text,
        }


def _rule_key(rule: Mapping[str, Any], seen: dict[tuple[str, str], int]) -> tuple[str, str, int]:
    metric = str(rule.get("metric", ""))
    expected = json.dumps(rule.get("expected"), sort_keys=True, default=str)
    index = seen.get((metric, expected), 0)
    seen[(metric, expected)] = index + 1
    return metric, expected, index


def _rules(report: Mapping[str, Any]) -> dict[tuple[str, str, int], Mapping[str, Any]]:
    seen: dict[tuple[str, str], int] = {}
    rules = report.get("rules")
    if not isinstance(rules, list):
        return {}
    return {_rule_key(r, seen): r for r in rules if isinstance(r, Mapping)}


def _text(rule: Mapping[str, Any]) -> str:
    text = rule.get("actual_text")
    return str(text) if text not in (None, "") else "–"


def diff_reports(older: Mapping[str, Any], newer: Mapping[str, Any]) -> list[Change]:
    """What changed from ``older`` to ``newer``: the verdict first, then each rule whose
    measured value or outcome changed, in the newer report's rule order."""
    changes: list[Change] = []
    if older.get("verdict") != newer.get("verdict"):
        changes.append(
            Change(
                ChangeKind.VERDICT,
                "",
                "",
                str(older.get("verdict")),
                str(newer.get("verdict")),
            )
        )
    old_spec, new_spec = older.get("spec") or {}, newer.get("spec") or {}
    if old_spec.get("sha256") != new_spec.get("sha256"):
        changes.append(
            Change(
                ChangeKind.SPEC,
                "",
                "",
                _spec_name(old_spec),
                _spec_name(new_spec),
            )
        )
    before = _rules(older)
    after = _rules(newer)
    for key, rule in after.items():
        label = str(rule.get("label") or key[0])
        old = before.get(key)
        if old is None:
            changes.append(
                Change(
                    ChangeKind.ADDED,
                    key[0],
                    label,
                    after=_text(rule),
                    outcome_after=str(rule.get("outcome", "")),
                )
            )
            continue
        change = Change(
            ChangeKind.CHANGED,
            key[0],
            label,
            _text(old),
            _text(rule),
            str(old.get("outcome", "")),
            str(rule.get("outcome", "")),
        )
        if change.before != change.after or change.outcome_before != change.outcome_after:
            changes.append(change)
    for key, rule in before.items():
        if key not in after:
            changes.append(Change(ChangeKind.REMOVED, key[0], str(rule.get("label") or key[0])))
    return changes


def _spec_name(spec: Mapping[str, Any]) -> str:
    version = spec.get("spec_version")
    source = str(spec.get("source") or "?")
    return f"{source} {version}" if version else f"{source} ({str(spec.get('sha256', ''))[:8]})"


def failed_rules(report: Mapping[str, Any]) -> list[str]:
    """ "Label: actual (expected)" of every rule that failed, as the report words it."""
    out = []
    for rule in _rules(report).values():
        if rule.get("outcome") == "fail":
            out.append(
                _("{label}: {actual} (needs {expected})").format(
                    label=rule.get("label") or rule.get("metric"),
                    actual=_text(rule),
                    expected=rule.get("expected_text") or "?",
                )
            )
    return out
