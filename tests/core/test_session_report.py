"""A whole run through the session: verdicts, declarations, the report model and its seal."""

from __future__ import annotations

import json
import threading
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from deskready.checks.api import Answer
from deskready.report import SCHEMA
from deskready.report.files import parse_report_json, read_report_json, write_report_json
from deskready.report.fixes import FixKind, what_to_fix
from deskready.report.integrity import compute_digest, seal, verify_digest
from deskready.session import Session, select_checks
from deskready.spec import load_spec_text
from tests.core.fakes import (
    FailingCheck,
    PhoneLikeCheck,
    PoliteSlowCheck,
    RamCheck,
    SpeedCheck,
    registry_of,
)

REG = registry_of(SpeedCheck, RamCheck, PhoneLikeCheck, FailingCheck, PoliteSlowCheck)
SPEC = """
[employer]
name = "ACME Calls"
contact = "it@acme.example"
spec_version = "3"
[rules]
"net.down_mbps" = [{ min = 10 }, { min = 100, severity = "recommended" }]
"ram.gb" = { min = 4 }
"phoneish.kind" = { equals = "corded" }
[[declarations]]
id = "workspace.quiet"
text = "My room is quiet."
"""


def session(text: str = SPEC, **answers: str | bool) -> Session:
    spec = load_spec_text(text, REG)
    checks = select_checks(spec, REG)
    s = Session(spec, REG, checks, agent={"name": "Aiko Tanaka", "id": "AG-1"})
    when = datetime.now().astimezone()
    for qid, value in answers.items():
        s.answers[qid.replace("__", ".")] = Answer(
            qid.replace("__", "."), value, when, "command-line"
        )
    return s


def test_checks_selected_from_the_rules():
    # the employer's declarations are a check of their own, planned like the others
    assert [c.id for c in session().checks] == ["ram", "speed", "phoneish", "declarations"]


def test_ready_when_everything_required_passes():
    s = session(phoneish__kind="corded", **{"declaration__workspace__quiet": True})
    report = s.report(s.run())
    assert report["verdict"] == "ready"
    assert report["schema"] == SCHEMA
    assert report["summary"] == {"pass": 4, "warn": 1, "fail": 0, "unknown": 0, "not_checked": 0}
    assert report["agent"] == {"name": "Aiko Tanaka", "id": "AG-1"}
    assert report["spec"]["employer"]["name"] == "ACME Calls"
    assert len(report["spec"]["sha256"]) == 64
    phone = next(r for r in report["results"] if r["check"] == "phoneish")
    assert phone["declared"]["phoneish.kind"]["source"] == "command-line"
    declarations = next(r for r in report["results"] if r["check"] == "declarations")
    assert declarations["measurements"] == {"declaration.workspace.quiet": True}
    assert verify_digest(report)


def test_unanswered_required_question_makes_it_incomplete():
    s = session(**{"declaration__workspace__quiet": True})
    report = s.report(s.run())
    assert report["verdict"] == "incomplete"
    rule = next(r for r in report["rules"] if r["metric"] == "phoneish.kind")
    assert rule["outcome"] == "unknown"
    assert rule["advice"]


def test_declining_a_declaration_is_not_ready():
    s = session(phoneish__kind="corded", **{"declaration__workspace__quiet": False})
    report = s.report(s.run())
    assert report["verdict"] == "not_ready"


def test_check_error_is_told_once_in_the_report_and_what_to_fix():
    text = SPEC.replace(
        '"ram.gb" = { min = 4 }', '"ram.gb" = { min = 4 }\n"failing.value" = { min = 1 }'
    )
    s = session(text, phoneish__kind="corded", **{"declaration__workspace__quiet": True})
    report = s.report(s.run())
    failing = next(r for r in report["results"] if r["check"] == "failing")
    assert failing["status"] == "error"
    assert failing["error"] == "No microphone was found."
    rule = next(r for r in report["rules"] if r["metric"] == "failing.value")
    assert rule["advice"] == ""  # the cause is the check's, told there once
    assert rule["actual_text"] == "not measured"
    assert report["verdict"] == "incomplete"
    fixes = [f for f in what_to_fix(report) if f.check_id == "failing"]
    assert len(fixes) == 1
    assert fixes[0].kind is FixKind.COULD_NOT_CHECK
    assert fixes[0].advice.startswith("No microphone was found.")
    assert fixes[0].metrics == ("failing.value",)


def test_only_lists_what_it_left_out_as_not_checked():
    s = Session.planned(load_spec_text(SPEC, REG), REG, only=["ram"])
    report = s.report(s.run())
    outcomes = {r["metric"]: r["outcome"] for r in report["rules"]}
    assert outcomes["ram.gb"] == "pass"
    assert {m for m, o in outcomes.items() if o == "not_checked"} == {
        "net.down_mbps",
        "phoneish.kind",
        "declaration.workspace.quiet",
    }
    assert report["verdict"] == "incomplete"
    assert report["scope"]["complete"] is False
    assert set(report["scope"]["left_out"]) == {"speed", "phoneish", "declarations"}


def test_cancel_from_another_thread_gives_a_partial_incomplete_report():
    text = SPEC + "\n[checks.slow]\n"
    s = session(text, phoneish__kind="corded", **{"declaration__workspace__quiet": True})
    threading.Timer(0.3, s.cancel).start()
    report = s.report(s.run())
    slow = next(r for r in report["results"] if r["check"] == "slow")
    assert slow["status"] == "skipped"


def test_report_file_round_trip_and_edit_detection(tmp_path):
    s = session(phoneish__kind="corded")
    report = s.report(s.run())
    path = tmp_path / "sub" / "report.json"
    path.parent.mkdir()  # a missing folder is an error, never created silently
    write_report_json(path, report)
    loaded = read_report_json(path)
    assert loaded == report
    assert verify_digest(loaded)
    edited = json.loads(path.read_text())
    edited["verdict"] = "ready"
    assert not verify_digest(edited)
    assert not list(path.parent.glob(".*.tmp")), "temporary files must not be left behind"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=6))
def test_seal_round_trips_through_json_and_detects_any_change(body):
    report = seal({**body, "schema": SCHEMA})  # a generated "schema" key must not replace it
    again = parse_report_json(json.dumps(report, ensure_ascii=False).encode(), "x")
    assert verify_digest(again)
    again["schema_extra"] = 1
    assert not verify_digest(again)
    assert compute_digest(report) == report["integrity"]["digest"]


def test_an_unanswered_question_and_an_unmeasured_value_say_different_things():
    """The advice names the cause: a question left unanswered is not "could not measure"."""
    s = session(**{"declaration__workspace__quiet": True})
    report = s.report(s.run())
    phone = next(r for r in report["rules"] if r["metric"] == "phoneish.kind")
    assert phone["outcome"] == "unknown"
    assert phone["advice"] == "Not answered yet. Run the check again and answer its question."
    fixes = [f for f in what_to_fix(report) if f.check_id == "phoneish"]
    assert [f.advice for f in fixes] == [phone["advice"]]
