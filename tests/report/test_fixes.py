"""What to fix: one ordered list, each cause once (deskready.report.fixes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deskready.checks.language import using_language
from deskready.report.fixes import ORDER, FixKind, what_to_fix

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "reports" / "sample_not_ready.json"


def rule(metric: str, check: str, outcome: str, **extra: Any) -> dict[str, Any]:
    entry = {
        "metric": metric,
        "check": check,
        "label": metric.title(),
        "expected_text": "at least 10 Mbit/s",
        "actual_text": "4 Mbit/s",
        "outcome": outcome,
        "advice": f"advice for {metric}",
    }
    return entry | extra


def offline_report() -> dict[str, Any]:
    """The bandwidth check could not reach its server: four rules, one cause."""
    return {
        "results": [
            {"check": "memory", "title": "Memory", "error": None},
            {"check": "bandwidth", "title": "Speed test", "error": "Could not reach the server."},
            {"check": "headset", "title": "Headset", "error": None},
        ],
        "rules": [
            rule("ram.gb", "memory", "warn"),
            *(
                rule(m, "bandwidth", "unknown", advice="", actual_text="not measured")
                for m in ("down", "up", "ping", "jitter")
            ),
            rule("headset.wired", "headset", "fail"),
            rule("phone.kind", "phone", "not_checked"),
            rule("phone.corded", "phone", "not_checked"),
        ],
    }


def test_groups_come_in_the_order_the_agent_acts_on_them() -> None:
    kinds = [fix.kind for fix in what_to_fix(offline_report())]
    assert kinds == sorted(kinds, key=ORDER.index)
    assert kinds == [
        FixKind.FAILED,
        FixKind.COULD_NOT_CHECK,
        FixKind.WARNING,
        FixKind.NOT_CHECKED,
    ]


def test_a_check_that_could_not_measure_is_one_item_with_its_reason_once() -> None:
    fixes = what_to_fix(offline_report())
    text = json.dumps([fix.__dict__ for fix in fixes])
    assert text.count("Could not reach the server.") == 1
    (problem,) = [f for f in fixes if f.kind is FixKind.COULD_NOT_CHECK]
    assert problem.check_id == "bandwidth"
    assert problem.title == "Speed test"
    assert problem.metrics == ("down", "up", "ping", "jitter")
    assert problem.found == "Not measured: Down, Up, Ping, Jitter"
    assert problem.advice == "Could not reach the server."


def test_a_failed_requirement_says_what_was_found_against_what_is_needed() -> None:
    (failed,) = [f for f in what_to_fix(offline_report()) if f.kind is FixKind.FAILED]
    assert failed.title == "Headset.Wired"
    assert failed.check_id == "headset"
    assert failed.found == "4 Mbit/s — needs at least 10 Mbit/s"
    assert failed.advice == "advice for headset.wired"


def test_a_left_out_check_is_one_item_naming_its_requirements() -> None:
    (left,) = [f for f in what_to_fix(offline_report()) if f.kind is FixKind.NOT_CHECKED]
    assert left.check_id == "phone"
    assert left.metrics == ("phone.kind", "phone.corded")
    assert "Run the full check" in left.advice


def test_an_unanswered_question_without_a_check_error_is_its_own_item() -> None:
    report = {
        "results": [{"check": "phone", "title": "Phone", "error": None}],
        "rules": [rule("phone.kind", "phone", "unknown", advice="Answer the question.")],
    }
    (fix,) = what_to_fix(report)
    assert fix.kind is FixKind.COULD_NOT_CHECK
    assert fix.advice == "Answer the question."
    assert fix.found == ""


def test_unanswered_questions_of_one_check_are_one_item_with_their_advice_once() -> None:
    report = {
        "results": [{"check": "declarations", "title": "Your declarations", "error": None}],
        "rules": [
            rule("phone.kind", "declarations", "unknown", advice="Answer the questions."),
            rule("workspace.quiet", "declarations", "unknown", advice="Answer the questions."),
        ],
    }
    (fix,) = what_to_fix(report)
    assert fix.kind is FixKind.COULD_NOT_CHECK
    assert fix.title == "Your declarations"
    assert fix.found == "Not measured: Phone.Kind, Workspace.Quiet"
    assert fix.advice == "Answer the questions."
    assert fix.metrics == ("phone.kind", "workspace.quiet")


def test_a_passing_run_has_nothing_to_fix() -> None:
    report = {"results": [{"check": "memory"}], "rules": [rule("ram.gb", "memory", "pass")]}
    assert what_to_fix(report) == []


@pytest.mark.parametrize(
    "odd",
    [{}, {"rules": "x", "results": 3}, {"rules": [1, None, {"outcome": "fail"}]}],
)
def test_odd_reports_never_crash(odd: dict[str, Any]) -> None:
    for fix in what_to_fix(odd):
        assert fix.kind in ORDER


def test_the_sample_report_lists_every_problem_once() -> None:
    report = json.loads(SAMPLE.read_text(encoding="utf-8"))
    fixes = what_to_fix(report)
    assert fixes[0].kind is FixKind.FAILED
    microphone = [f for f in fixes if f.check_id == "microphone"]
    assert len(microphone) == 1
    assert microphone[0].advice.startswith("No microphone was found.")


def test_headings_are_translated() -> None:
    with using_language("de"):
        headings = [kind.heading() for kind in ORDER]
    assert all(headings)
    assert len(set(headings)) == len(ORDER)
