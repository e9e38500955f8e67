"""The evaluator: one table of rule x value -> outcome, and the verdict rules."""

from __future__ import annotations

import pytest

from deskready.checks.api import Metric, MetricType
from deskready.evaluate import judge, verdict_of
from deskready.outcomes import Outcome, Verdict
from deskready.spec.model import Rule, Severity
from tests.core.judging import judge_values

REQ, REC = Severity.REQUIRED, Severity.RECOMMENDED


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        (Rule("m", min=10), 10.0, Outcome.PASS),  # the boundary passes
        (Rule("m", min=10), 9.99, Outcome.FAIL),
        (Rule("m", min=10, severity=REC), 9.99, Outcome.WARN),
        (Rule("m", max=150), 150, Outcome.PASS),
        (Rule("m", max=150), 150.01, Outcome.FAIL),
        (Rule("m", min=1, max=2), 1.5, Outcome.PASS),
        (Rule("m", min=1, max=2), 2.5, Outcome.FAIL),
        (Rule("m", min=10), None, Outcome.UNKNOWN),  # never a silent pass
        (Rule("m", min=10, severity=REC), None, Outcome.UNKNOWN),
        (Rule("m", min=1), True, Outcome.FAIL),  # a bool is not a number
        (Rule("m", min=1), "7", Outcome.FAIL),
        (Rule("m", equals=True), True, Outcome.PASS),
        (Rule("m", equals=True), False, Outcome.FAIL),
        (Rule("m", equals=True), 1, Outcome.FAIL),  # True is not 1 here
        (Rule("m", equals=1), True, Outcome.FAIL),
        (Rule("m", equals="ethernet"), "ethernet", Outcome.PASS),
        (Rule("m", equals="ethernet"), "wifi", Outcome.FAIL),
        (Rule("m", one_of=("corded", "usb_handset")), "usb_handset", Outcome.PASS),
        (Rule("m", one_of=("corded", "usb_handset")), "cordless", Outcome.FAIL),
        (Rule("m", one_of=("corded",), severity=REC), "cordless", Outcome.WARN),
        (Rule("m", equals=4.0), 4, Outcome.PASS),
    ],
)
def test_judge(rule, value, expected):
    assert judge(rule, value) is expected


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        ([], Verdict.READY),
        ([(REQ, Outcome.PASS), (REC, Outcome.WARN)], Verdict.READY),
        ([(REQ, Outcome.PASS), (REC, Outcome.UNKNOWN)], Verdict.READY),
        ([(REQ, Outcome.UNKNOWN)], Verdict.INCOMPLETE),
        ([(REQ, Outcome.UNKNOWN), (REQ, Outcome.FAIL)], Verdict.NOT_READY),
        ([(REQ, Outcome.FAIL), (REQ, Outcome.PASS)], Verdict.NOT_READY),
    ],
)
def test_verdict(outcomes, verdict):
    assert verdict_of((Rule("m", min=0, severity=s), o) for s, o in outcomes) is verdict


METRICS = {
    "net.down_mbps": (
        "speed",
        Metric(
            "net.down_mbps",
            MetricType.NUMBER,
            "Download speed",
            "Mbps",
            advice="Ask your provider for a faster plan.",
        ),
    ),
    "ram.gb": ("ram", Metric("ram.gb", MetricType.NUMBER, "Memory", "GB")),
}


def test_failed_rule_carries_advice_and_readable_texts():
    results, verdict = judge_values(
        [Rule("net.down_mbps", min=10)], {"net.down_mbps": 4.25}, METRICS
    )
    (r,) = results
    assert verdict is Verdict.NOT_READY
    assert r.outcome is Outcome.FAIL
    assert r.advice == "Ask your provider for a faster plan."
    assert r.expected_text == "at least 10 Mbps"
    assert r.actual_text == "4.25 Mbps"
    assert r.label == "Download speed"


def test_employer_advice_overrides_ours():
    results, _ = judge_values(
        [Rule("net.down_mbps", min=10, advice="Call IT on 555-0100.")],
        {"net.down_mbps": 1},
        METRICS,
    )
    assert results[0].advice == "Call IT on 555-0100."


def test_rule_without_specific_advice_still_says_something():
    results, _ = judge_values([Rule("ram.gb", min=8)], {"ram.gb": 4}, METRICS)
    assert results[0].advice


def test_unmeasured_value_leaves_the_reason_to_its_check():
    """One message per cause: the check's error says why; its rules only say "not measured"."""
    results, verdict = judge_values(
        [Rule("net.down_mbps", min=10), Rule("net.down_mbps", max=900)],
        {},
        METRICS,
        errors={"speed": "You are offline."},
    )
    assert verdict is Verdict.INCOMPLETE
    assert [r.outcome for r in results] == [Outcome.UNKNOWN, Outcome.UNKNOWN]
    assert [r.advice for r in results] == ["", ""]
    assert results[0].actual_text == "not measured"


def test_unanswered_value_without_a_check_error_still_says_what_to_do():
    results, _ = judge_values([Rule("ram.gb", min=8)], {}, METRICS)
    assert results[0].outcome is Outcome.UNKNOWN
    assert "Run the check again" in results[0].advice


def test_a_value_no_question_gives_is_called_unmeasured_not_unanswered():
    results, _ = judge_values([Rule("ram.gb", min=8)], {}, METRICS)
    assert results[0].advice == "This could not be measured. Run the check again."
