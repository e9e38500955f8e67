"""Re-judging a saved report: do its outcomes and verdict follow from its own values?

Why: the digest only proves the report was not edited *without recomputing it*. Anyone
with deskready's code can flip ``verdict`` to ``ready`` and reseal it. What such an edit
cannot hide is that the report then contradicts itself: its rules still say what was
expected and what was measured. So ``report verify`` (JSON and PDF) and ``report show``
rebuild each rule's conditions from ``expected`` through the same rule kinds the loader
uses (:data:`deskready.spec.kinds.KINDS`), judge the recorded ``actual`` with the same
evaluator (:func:`deskready.evaluate.judge`), derive the verdict from the outcomes
(:func:`deskready.evaluate.verdict_of`) and name every disagreement in one line.

The same pass checks the report's shape, because every view indexes into it: a sealed
report without a verdict, with ``results = "x"`` or a rule that is not an object is "not a
deskready report" (:class:`NotAReport`), never a ``KeyError`` or ``TypeError``.

Qt-free and rich-free, so the CLI, the PDF verifier and the GUI can all use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from deskready.checks.api import MetricValue
from deskready.checks.i18n import _
from deskready.evaluate import judge, verdict_of
from deskready.format import format_value
from deskready.outcomes import Outcome, Verdict
from deskready.report import READABLE_SCHEMAS
from deskready.spec.kinds import KINDS, RuleKind
from deskready.spec.kinds.base import MAX_MAGNITUDE, is_number
from deskready.spec.model import Rule, Severity

__all__ = ["NotAReport", "check_shape", "rebuild_rule", "rejudge"]

#: Nobody's spec has this many rules; a report with more is not one deskready wrote, and
#: the bound keeps re-judging a hostile file linear and short.
MAX_RULES = 10_000


class NotAReport(ValueError):
    """The data is not a deskready report; ``reason`` says which field is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _missing(field: str) -> NotAReport:
    return NotAReport(_("'{field}' is missing").format(field=field))


def _wrong(field: str, kind: str) -> NotAReport:
    return NotAReport(_("'{field}' is not {kind}").format(field=field, kind=kind))


def _field(
    entry: Mapping[str, Any],
    key: str,
    where: str,
    types: type | tuple[type, ...],
    kind: str,
    *,
    optional: bool = False,
) -> Any:
    """``entry[key]`` when it has one of ``types``; otherwise why the report is no report."""
    name = f"{where}.{key}" if where else key
    if key not in entry:
        if optional:
            return None
        raise _missing(name)
    value = entry[key]
    if optional and value is None:
        return None
    # bool is an int in Python: a field that wants a number never accepts true.
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
        raise _wrong(name, kind)
    return value


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _choice(entry: Mapping[str, Any], key: str, where: str, allowed: Sequence[str]) -> str:
    value = _field(entry, key, where, str, _("text"))
    if value not in allowed:
        raise NotAReport(
            _("'{field}' is '{value}', not one of: {allowed}").format(
                field=f"{where}.{key}" if where else key, value=value, allowed=", ".join(allowed)
            )
        )
    return str(value)


def _scalar(value: object) -> bool:
    """A value a metric can hold (None: not measured); numbers finite."""
    if value is None or isinstance(value, bool | str):
        return True
    # abs() first: math.isfinite() of a 400-digit int raises OverflowError.
    return is_number(value) and abs(value) <= 1e300 and math.isfinite(value)  # type: ignore[arg-type]


def _threshold(key: str, raw: object, where: str) -> RuleKind:
    """One condition rebuilt from the report's ``expected`` entry, as the loader would."""
    kind = KINDS.get(key)
    if kind is None:
        raise NotAReport(
            _("'{field}' names the requirement '{kind}', which deskready does not know").format(
                field=where, kind=key
            )
        )
    name = f"{where}.{key}"
    if key in ("min", "max"):
        if not is_number(raw) or abs(raw) > MAX_MAGNITUDE or not math.isfinite(raw):  # type: ignore[arg-type]
            raise _wrong(name, _("a finite number"))
        return kind(float(raw))  # type: ignore[arg-type]
    if key == "one_of":
        if (
            not isinstance(raw, list)
            or not raw
            or not all(_scalar(v) and v is not None for v in raw)
        ):
            raise _wrong(name, _("a list of values"))
        return kind(tuple(raw))
    if not _scalar(raw) or raw is None:
        raise _wrong(name, _("a value"))
    return kind(raw)


def rebuild_rule(entry: Mapping[str, Any], where: str) -> Rule:
    """The :class:`Rule` a ``rules[]`` entry was judged by: its metric, its conditions
    from ``expected`` and its severity.

    Raises:
        NotAReport: a field is missing, of the wrong type, or names an unknown kind.
    """
    metric = _field(entry, "metric", where, str, _("text"))
    expected = _field(entry, "expected", where, dict, _("an object"))
    severity = _choice(entry, "severity", where, [s.value for s in Severity])
    conditions = tuple(
        _threshold(str(key), raw, f"{where}.expected") for key, raw in expected.items()
    )
    if not conditions:
        raise NotAReport(_("'{field}' is empty").format(field=f"{where}.expected"))
    return Rule(metric, conditions, severity=Severity(severity))


def _result_shape(entry: object, where: str) -> None:
    """What every view reads of a ``results[]`` entry."""
    if not isinstance(entry, dict):
        raise _wrong(where, _("an object"))
    _field(entry, "check", where, str, _("text"))
    _field(entry, "title", where, str, _("text"))
    _field(entry, "status", where, str, _("text"))
    _field(entry, "error", where, str, _("text"), optional=True)
    _field(entry, "category", where, str, _("text"), optional=True)
    messages = _field(entry, "messages", where, list, _("a list"), optional=True)
    for index, message in enumerate(messages or ()):
        if not isinstance(message, str):
            raise _wrong(f"{where}.messages[{index}]", _("text"))


def _rule_shape(entry: object, where: str) -> tuple[Rule, Outcome, MetricValue]:
    """A ``rules[]`` entry: rebuilt rule, its recorded outcome and its recorded value."""
    if not isinstance(entry, dict):
        raise _wrong(where, _("an object"))
    rule = rebuild_rule(entry, where)
    for key in ("check", "label", "expected_text", "actual_text", "advice"):
        _field(entry, key, where, str, _("text"))
    _field(entry, "declared", where, bool, _("true or false"))
    _field(entry, "unit", where, str, _("text"), optional=True)
    outcome = Outcome(_choice(entry, "outcome", where, [o.value for o in Outcome]))
    if "actual" not in entry:
        raise _missing(f"{where}.actual")
    actual = entry["actual"]
    if not _scalar(actual):
        raise _wrong(f"{where}.actual", _("a measured value"))
    return rule, outcome, actual


def check_shape(report: object) -> list[tuple[Rule, Outcome, MetricValue, Mapping[str, Any]]]:
    """Refuse what no view can show; return each rule rebuilt with its recorded facts.

    Raises:
        NotAReport: not an object, an unknown schema, or a field every view reads is
            missing or of the wrong type.
    """
    if not isinstance(report, dict):
        raise NotAReport(_("it is not an object"))
    schema = report.get("schema")
    if schema not in READABLE_SCHEMAS:
        raise NotAReport(
            _("its schema is {schema!r}, not one of: {schemas}").format(
                schema=schema, schemas=", ".join(READABLE_SCHEMAS)
            )
        )
    _choice(report, "verdict", "", [v.value for v in Verdict])
    spec = _field(report, "spec", "", dict, _("an object"))
    employer = _field(spec, "employer", "spec", dict, _("an object"))
    _field(employer, "name", "spec.employer", str, _("text"))
    _field(report, "interrupted", "", bool, _("true or false"), optional=True)
    scope = _field(
        report, "scope", "", dict, _("an object"), optional=schema != READABLE_SCHEMAS[-1]
    )
    if scope is not None:
        _field(scope, "complete", "scope", bool, _("true or false"))
    results = _field(report, "results", "", list, _("a list"))
    rules = _field(report, "rules", "", list, _("a list"))
    if len(rules) > MAX_RULES or len(results) > MAX_RULES:
        raise NotAReport(_("it has more than {count} rules or checks").format(count=MAX_RULES))
    for index, result in enumerate(results):
        _result_shape(result, f"results[{index}]")
    rebuilt = []
    for index, entry in enumerate(rules):
        rule, outcome, actual = _rule_shape(entry, f"rules[{index}]")
        rebuilt.append((rule, outcome, actual, entry))
    return rebuilt


def _disagreement(rule: Rule, said: Outcome, actual: MetricValue, unit: str) -> str | None:
    """The one line saying how a recorded outcome contradicts its own values, if it does."""
    if said is Outcome.NOT_CHECKED:
        if actual is None:
            return None  # the check did not run: nothing to re-judge
        return _("rule {metric}: says not_checked, but it has a measured value ({actual})").format(
            metric=rule.metric, actual=format_value(actual, unit)
        )
    computed = judge(rule, actual)
    if computed is said:
        return None
    if computed is Outcome.UNKNOWN:
        return _("rule {metric}: says {said}, but it has no measured value").format(
            metric=rule.metric, said=said.value
        )
    values = {
        "metric": rule.metric,
        "said": said.value,
        "actual": format_value(actual, unit),
        "expected": rule.describe(unit),
    }
    if computed is Outcome.PASS:
        return _("rule {metric}: says {said}, but {actual} is {expected}").format(**values)
    if said in (Outcome.PASS, Outcome.UNKNOWN):
        return _("rule {metric}: says {said}, but {actual} is not {expected}").format(**values)
    return _(
        "rule {metric}: says {said}, but a {severity} rule that is not met is {outcome}"
    ).format(
        metric=rule.metric, said=said.value, severity=rule.severity.value, outcome=computed.value
    )


def rejudge(report: object) -> list[str]:
    """Every way the report contradicts itself, one line each (empty: it is consistent).

    Each rule is judged again from its ``expected`` and ``actual``; a ``not_checked`` rule
    stays not checked (its ``actual`` must be None). The verdict is derived again from the
    recorded outcomes and the scope. (The ``summary`` counts are not compared: reports
    written by hand for tests carry counts of rules since removed.)

    Raises:
        NotAReport: the report's shape is wrong (see :func:`check_shape`).
    """
    rebuilt = check_shape(report)
    assert isinstance(report, dict)
    lines = [
        line
        for rule, said, actual, entry in rebuilt
        if (line := _disagreement(rule, said, actual, str(entry.get("unit") or ""))) is not None
    ]
    scope = report.get("scope")
    partial = bool(report.get("interrupted")) or (
        isinstance(scope, dict) and scope.get("complete") is False
    )
    derived = verdict_of(((rule, said) for rule, said, _a, _e in rebuilt), partial=partial)
    if derived.value != report["verdict"]:
        lines.append(
            _("verdict: says {said}, but its rule outcomes make it {verdict}").format(
                said=report["verdict"], verdict=derived.value
            )
        )
    return lines
