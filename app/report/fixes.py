"""What to fix, from a report: one ordered list every view shows the same way.

The agent's first question after a run is "what do I do now?". The terminal, the window
and the PDF each answer it with this list, in this order: requirements that failed, then
what could not be checked, then warnings, then what this run left out. Each cause is
listed once: a check that could not measure is one item carrying its reason, however many
requirements depend on it (its rules then say only "not measured"), so an offline run
says "could not reach the speed-test server" once, not once per requirement.

It reads the report dict (``deskready-report/2``) rather than the judgement, because the
GUI re-shows saved reports, ``report show`` reads files and the hub reads what agents
sent; the words in it are the report's own, written once by ``report.build``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from deskready.checks.i18n import _
from deskready.format import join_sentences, list_separator


class FixKind(StrEnum):
    """The groups of "What to fix", in the order they are shown."""

    FAILED = "failed"
    COULD_NOT_CHECK = "could_not_check"
    WARNING = "warning"
    NOT_CHECKED = "not_checked"

    def heading(self) -> str:
        """The group's heading, in the current language."""
        return {
            FixKind.FAILED: _("Not met"),
            FixKind.COULD_NOT_CHECK: _("Could not check"),
            FixKind.WARNING: _("Recommendations not met"),
            FixKind.NOT_CHECKED: _("Not checked in this run"),
        }[self]

    @property
    def outcome(self) -> str:
        """The rule outcome whose look (symbol, word, colour) an item of this group wears."""
        return {
            FixKind.FAILED: "fail",
            FixKind.COULD_NOT_CHECK: "unknown",
            FixKind.WARNING: "warn",
            FixKind.NOT_CHECKED: "not_checked",
        }[self]


ORDER = tuple(FixKind)


@dataclass(frozen=True)
class Fix:
    """One thing for the agent to do.

    Attributes:
        kind: its group.
        check_id: the check a "Run again" button re-runs.
        check_title: that check's title, in the report's language.
        title: what the item is about: the requirement, or the check when the check itself
            could not measure.
        found: what was found against what is needed ("4 Mbit/s — needs at least 10 Mbit/s"),
            or the requirements a check's problem left unmeasured; may be empty.
        advice: one line of plain advice.
        metrics: the requirements (metric ids) the item covers.
    """

    kind: FixKind
    check_id: str
    check_title: str
    title: str
    found: str
    advice: str
    metrics: tuple[str, ...]


def what_to_fix(report: Mapping[str, Any]) -> list[Fix]:
    """Every item needing the agent's action, grouped and ordered (see :data:`ORDER`).

    Tolerant of odd or older reports: fields of the wrong type read as absent.
    """
    results = _entries(report.get("results"))
    rules = _entries(report.get("rules"))
    titles = {_text(r.get("check")): _text(r.get("title")) for r in results}
    failed_checks = {
        _text(r.get("check")): _text(r.get("error")) for r in results if _text(r.get("error"))
    }
    items: list[Fix] = []
    for rule in rules:
        outcome = rule.get("outcome")
        if outcome == "fail":
            items.append(_rule_fix(FixKind.FAILED, rule, titles))
        elif outcome == "warn":
            items.append(_rule_fix(FixKind.WARNING, rule, titles))
    items += _check_problems(results, rules, failed_checks)
    items += _unmeasured(rules, titles, failed_checks)
    items += _not_checked(rules, titles)
    return sorted(items, key=lambda fix: ORDER.index(fix.kind))  # stable: spec order kept


def _rule_fix(kind: FixKind, rule: Mapping[str, Any], titles: Mapping[str, str]) -> Fix:
    check = _text(rule.get("check"))
    expected = _text(rule.get("expected_text"))
    actual = _text(rule.get("actual_text"))
    found = (
        _("{actual} — needs {expected}").format(actual=actual, expected=expected)
        if actual and expected
        else actual
    )
    return Fix(
        kind=kind,
        check_id=check,
        check_title=titles.get(check, ""),
        title=_text(rule.get("label")),
        found=found,
        advice=_text(rule.get("advice")) or _("This does not meet your employer's requirement."),
        metrics=(_text(rule.get("metric")),),
    )


def _check_problems(
    results: Iterable[Mapping[str, Any]],
    rules: list[Mapping[str, Any]],
    failed_checks: Mapping[str, str],
) -> list[Fix]:
    """One item per check that could not measure, with the requirements it left open."""
    items = []
    for result in results:
        check = _text(result.get("check"))
        if check not in failed_checks:
            continue
        open_rules = [
            r for r in rules if _text(r.get("check")) == check and r.get("outcome") == "unknown"
        ]
        labels = list(dict.fromkeys(_text(r.get("label")) for r in open_rules))
        items.append(
            Fix(
                kind=FixKind.COULD_NOT_CHECK,
                check_id=check,
                check_title=_text(result.get("title")),
                title=_text(result.get("title")),
                found=_("Not measured: {requirements}").format(
                    requirements=list_separator().join(labels)
                )
                if labels
                else "",
                advice=failed_checks[check],
                metrics=tuple(_text(r.get("metric")) for r in open_rules),
            )
        )
    return items


def _unmeasured(
    rules: list[Mapping[str, Any]], titles: Mapping[str, str], failed_checks: Mapping[str, str]
) -> list[Fix]:
    """Values a check that ran did not give (an unanswered question, a screen it could not
    read): one item per check, its shared advice once, the requirements it left open."""
    by_check: dict[str, list[Mapping[str, Any]]] = {}
    for rule in rules:
        check = _text(rule.get("check"))
        if rule.get("outcome") == "unknown" and check not in failed_checks:
            by_check.setdefault(check, []).append(rule)
    items = []
    for check, open_rules in by_check.items():
        labels = list(dict.fromkeys(_text(r.get("label")) for r in open_rules))
        advice = list(dict.fromkeys(_text(r.get("advice")) for r in open_rules if r.get("advice")))
        single = len(open_rules) == 1
        items.append(
            Fix(
                kind=FixKind.COULD_NOT_CHECK,
                check_id=check,
                check_title=titles.get(check, ""),
                title=labels[0] if single else titles.get(check, "") or labels[0],
                found=""
                if single
                else _("Not measured: {requirements}").format(
                    requirements=list_separator().join(labels)
                ),
                advice=join_sentences(advice)
                or _("This could not be measured. Run the check again."),
                metrics=tuple(_text(r.get("metric")) for r in open_rules),
            )
        )
    return items


def _not_checked(rules: list[Mapping[str, Any]], titles: Mapping[str, str]) -> list[Fix]:
    """One item per check a partial run left out, naming the requirements it would judge."""
    by_check: dict[str, list[Mapping[str, Any]]] = {}
    for rule in rules:
        if rule.get("outcome") == "not_checked":
            by_check.setdefault(_text(rule.get("check")), []).append(rule)
    return [
        Fix(
            kind=FixKind.NOT_CHECKED,
            check_id=check,
            check_title=titles.get(check, ""),
            title=titles.get(check, "") or _text(left[0].get("label")),
            found=list_separator().join(dict.fromkeys(_text(r.get("label")) for r in left)),
            advice=_("Not checked in this run. Run the full check to include it."),
            metrics=tuple(_text(r.get("metric")) for r in left),
        )
        for check, left in by_check.items()
    ]


def _entries(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
