"""Re-judging a saved report (issue 14, item 6): outcomes from expected and actual, the
verdict from the outcomes, and any odd shape refused as "not a deskready report"."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskready.report.integrity import seal
from deskready.report.rejudge import NotAReport, check_shape, rebuild_rule, rejudge
from deskready.spec.model import Severity

SAMPLE = Path(__file__).parents[1] / "data" / "reports" / "sample_not_ready.json"


@pytest.fixture
def report() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def rule_of(report: dict[str, Any], metric: str) -> dict[str, Any]:
    return next(r for r in report["rules"] if r["metric"] == metric)


def test_a_report_deskready_wrote_agrees_with_itself(report):
    assert rejudge(report) == []


def test_rules_are_rebuilt_through_the_kinds(report):
    rule = rebuild_rule(rule_of(report, "phone.kind"), "rules[7]")
    assert rule.threshold("one_of") == ("corded", "usb_handset", "softphone_only")
    assert rule.severity is Severity.REQUIRED
    low = rebuild_rule(rule_of(report, "cpu.generation"), "rules[1]")
    assert low.threshold("min") == 8.0
    assert low.severity is Severity.RECOMMENDED


def test_a_flipped_verdict_is_named(report):
    report["verdict"] = "ready"
    assert rejudge(report) == ["verdict: says ready, but its rule outcomes make it not_ready"]


def test_an_outcome_that_does_not_follow_from_its_value(report):
    rule_of(report, "network.download_mbps")["actual"] = 4.2
    assert rejudge(report)[0] == (
        "rule network.download_mbps: says pass, but 4.2 Mbps is not at least 10 Mbps"
    )


def test_a_failure_turned_into_a_pass_is_named_with_the_verdict(report):
    rule_of(report, "network.rtt_ms")["outcome"] = "pass"
    rule_of(report, "network.connection")["outcome"] = "pass"
    lines = rejudge(report)
    assert "rule network.rtt_ms: says pass, but 212 ms is not at most 150 ms" in lines
    assert "rule network.connection: says pass, but wifi is not ethernet" in lines
    # the verdict still says not_ready, which the (edited) outcomes no longer support
    assert lines[-1] == "verdict: says not_ready, but its rule outcomes make it incomplete"


def test_a_pass_recorded_as_a_failure_and_a_severity_mismatch(report):
    rule_of(report, "memory.total_gb")["outcome"] = "fail"
    rule_of(report, "cpu.generation")["outcome"] = "fail"  # recommended: warn, not fail
    lines = rejudge(report)
    assert "rule memory.total_gb: says fail, but 7.9 GB is at least 4 GB" in lines
    assert "rule cpu.generation: says fail, but a recommended rule that is not met is warn" in lines


def test_an_unknown_with_a_value_and_a_pass_without_one(report):
    rule_of(report, "microphone.speech_dbfs")["outcome"] = "pass"
    assert rejudge(report)[0] == (
        "rule microphone.speech_dbfs: says pass, but it has no measured value"
    )


def test_not_checked_stays_but_must_have_no_value(report):
    rule = rule_of(report, "network.download_mbps")
    rule["outcome"] = "not_checked"
    report["verdict"] = "not_ready"
    assert rejudge(report) == [
        "rule network.download_mbps: says not_checked, but it has a measured value (48.2 Mbps)"
    ]
    rule["actual"] = None
    assert rejudge(report) == []


def test_an_incomplete_scope_keeps_the_verdict_from_ready(report):
    for rule in report["rules"]:
        if rule["outcome"] != "pass":
            rule.update(outcome="pass", actual=None)
    report["rules"] = [r for r in report["rules"] if r["actual"] is not None]
    report["verdict"] = "ready"
    assert rejudge(report) == []
    report["scope"]["complete"] = False
    assert rejudge(report) == ["verdict: says ready, but its rule outcomes make it incomplete"]
    report["verdict"] = "incomplete"
    assert rejudge(report) == []


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda r: r.pop("verdict"), "'verdict' is missing"),
        (lambda r: r.update(verdict="maybe"), "'verdict' is 'maybe', not one of"),
        (lambda r: r.update(results="x"), "'results' is not a list"),
        (lambda r: r.update(rules={"a": 1}), "'rules' is not a list"),
        (lambda r: r["rules"].append(7), "'rules[8]' is not an object"),
        (lambda r: r["rules"][0].pop("outcome"), "'rules[0].outcome' is missing"),
        (lambda r: r["rules"][0].update(expected={}), "'rules[0].expected' is empty"),
        (
            lambda r: r["rules"][0].update(expected={"between": [1, 2]}),
            "names the requirement 'between'",
        ),
        (lambda r: r["rules"][1].update(expected={"min": "8"}), "'rules[1].expected.min' is not"),
        (lambda r: r["rules"][1].update(expected={"min": True}), "'rules[1].expected.min' is not"),
        (lambda r: r["rules"][1].update(expected={"min": 10**400}), "expected.min' is not"),
        (lambda r: r["rules"][7].update(expected={"one_of": []}), "expected.one_of' is not"),
        (lambda r: r["rules"][0].update(actual=[1]), "'rules[0].actual' is not"),
        (lambda r: r["rules"][0].update(severity="urgent"), "'rules[0].severity' is 'urgent'"),
        (lambda r: r["rules"][0].update(declared="no"), "'rules[0].declared' is not"),
        (lambda r: r["results"][0].update(messages="hi"), "'results[0].messages' is not a list"),
        (lambda r: r["results"][0].pop("title"), "'results[0].title' is missing"),
        (lambda r: r["spec"].update(employer=None), "'spec.employer' is not an object"),
        (lambda r: r.pop("scope"), "'scope' is missing"),
        (lambda r: r.update(schema="other/1"), "its schema is 'other/1'"),
    ],
)
def test_a_report_no_view_can_show_is_not_a_report(report, edit, reason):
    edit(report)
    with pytest.raises(NotAReport) as caught:
        rejudge(report)
    assert reason in caught.value.reason


def test_a_schema_1_report_needs_no_scope(report):
    report["schema"] = "deskready-report/1"
    del report["scope"]
    assert rejudge(report) == []


def test_check_shape_returns_every_rule(report):
    assert [rule.metric for rule, *_rest in check_shape(report)] == [
        r["metric"] for r in report["rules"]
    ]


# -- property: never raises anything but NotAReport ---------------------------------
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)
KEYS = ["metric", "check", "label", "expected", "expected_text", "actual", "actual_text"]
KEYS += ["unit", "severity", "outcome", "advice", "declared"]
rule_entries = st.fixed_dictionaries(
    {},
    optional={
        "metric": st.sampled_from(["network.download_mbps", "x"]) | json_values,
        "expected": st.dictionaries(
            st.sampled_from(["min", "max", "equals", "one_of", "nope"]), json_values, max_size=3
        )
        | json_values,
        "actual": scalars | json_values,
        "severity": st.sampled_from(["required", "recommended"]) | json_values,
        "outcome": st.sampled_from(["pass", "warn", "fail", "unknown", "not_checked"])
        | json_values,
        "declared": st.booleans() | json_values,
        **{k: st.text(max_size=5) | json_values for k in ("check", "label", "expected_text")},
        **{k: st.text(max_size=5) | json_values for k in ("actual_text", "advice", "unit")},
    },
)


def judged(data: object) -> list[str]:
    """The disagreements, or the reason it is no report, as one list (never raises)."""
    try:
        return ["(consistent)", *rejudge(data)]
    except NotAReport as exc:
        return [exc.reason]


@settings(max_examples=300, deadline=None)
@given(
    body=st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    rules=st.lists(rule_entries, max_size=4) | json_values,
    verdict=st.sampled_from(["ready", "not_ready", "incomplete"]) | json_values,
    results=st.lists(json_values, max_size=3) | json_values,
)
def test_rejudging_arbitrary_sealed_data_never_raises(body, rules, verdict, results):
    report = dict(body)
    report.update(
        schema="deskready-report/2",
        verdict=verdict,
        rules=rules,
        results=results,
        spec={"employer": {"name": "x"}},
        scope={"complete": True},
    )
    answer = judged(seal(copy.deepcopy(report)))
    assert answer
    assert all(isinstance(line, str) and line for line in answer)


@settings(max_examples=100, deadline=None)
@given(data=json_values)
def test_any_json_value_is_a_report_or_not_a_report(data):
    assert judged(data)
