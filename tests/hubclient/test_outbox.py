"""The outbox: atomic private files, once-only delivery, refusals set aside."""

from __future__ import annotations

import json
import os
import socket
import stat

import pytest

from deskready.hubclient import outbox
from deskready.hubclient.join import join
from deskready.hubclient.submit import deliver
from deskready.report.integrity import seal


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_report(fake_hub, registry) -> dict:
    joined = join(fake_hub.url, fake_hub.invite(), registry)
    return seal(
        {
            "schema": "deskready-report/2",
            "agent": {"id": joined.agent_id},
            "spec": {"source": "x", "sha256": joined.spec.sha256},
            "scope": {"complete": True},
            "verdict": "ready",
            "rules": [],
            "results": [],
            "hub": joined.hub_binding(0),
        }
    )


def test_an_unreachable_hub_keeps_the_report_in_a_private_file(fake_hub, registry, tmp_path):
    report = hub_report(fake_hub, registry)
    port = free_port()
    report["hub"]["url"] = f"http://127.0.0.1:{port}"
    report = seal(report)
    delivery = deliver(report, files={"json": str(tmp_path / "r.json")})
    assert delivery.queued is not None
    assert "could not be reached" in delivery.problem
    assert "attestation" not in report
    assert stat.S_IMODE(os.stat(delivery.queued).st_mode) == 0o600
    assert not [p for p in delivery.queued.parent.iterdir() if p.name.startswith(".")]
    entry = outbox.pending()[0]
    assert entry.report == report
    assert entry.files == {"json": str(tmp_path / "r.json")}


def test_a_5xx_waits_and_is_sent_once_when_the_hub_is_back(fake_hub, registry, tmp_path):
    report = hub_report(fake_hub, registry)
    fake_hub.report_status = 503
    json_file = tmp_path / "r.json"
    delivery = deliver(report, files={"json": str(json_file)})
    json_file.write_text(json.dumps(report))  # what the run wrote
    assert delivery.queued is not None
    assert "Unavailable: The hub is down." in delivery.problem
    assert [o.sent for o in outbox.send_pending()] == [None]  # still down: kept
    assert len(outbox.pending()) == 1
    fake_hub.report_status = None
    outcomes = outbox.send_pending()
    assert [o.sent.status for o in outcomes if o.sent] == [201]
    assert outcomes[0].updated == (str(json_file),)
    assert json.loads(json_file.read_text())["attestation"] == outcomes[0].sent.attestation
    assert outbox.pending() == []
    assert outbox.send_pending() == []
    assert len(fake_hub.reports) == 1


def test_a_file_replaced_since_is_not_overwritten(fake_hub, registry, tmp_path):
    report = hub_report(fake_hub, registry)
    fake_hub.report_status = 503
    json_file = tmp_path / "r.json"
    deliver(report, files={"json": str(json_file)})
    json_file.write_text('{"another": "report"}')
    fake_hub.report_status = None
    assert outbox.send_pending()[0].updated == ()
    assert json_file.read_text() == '{"another": "report"}'


def test_resending_what_the_hub_has_is_idempotent(fake_hub, registry):
    report = hub_report(fake_hub, registry)
    first = deliver(dict(report))
    outbox.save(report)  # e.g. the answer was lost on the way
    outcomes = outbox.send_pending()
    assert outcomes[0].sent.status == 200
    assert outcomes[0].sent.attestation == first.sent.attestation
    assert outbox.pending() == []


def test_a_refusal_is_set_aside_not_retried(fake_hub, registry):
    report = hub_report(fake_hub, registry)
    report["agent"] = {"id": "AG-9"}
    report = seal(report)
    assert deliver(dict(report)).refused
    outbox.save(report)
    outcomes = outbox.send_pending()
    assert outcomes[0].refused
    assert "Wrong agent" in outcomes[0].problem
    assert outbox.pending() == []
    assert (outbox.outbox_dir() / "refused").is_dir()


def test_files_that_are_not_entries_are_left_alone(tmp_path):
    folder = outbox.outbox_dir()
    folder.mkdir(parents=True)
    (folder / "junk.json").write_text("[1, 2")
    (folder / "other.json").write_text('{"report": {"no": "hub"}}')
    assert outbox.pending() == []
    assert outbox.send_pending() == []
    assert sorted(p.name for p in folder.iterdir()) == ["junk.json", "other.json"]


@pytest.mark.parametrize("session", ["../../etc/x", "a b", "é"])
def test_odd_session_ids_never_escape_the_outbox(session, tmp_path):
    report = seal({"hub": {"url": "https://hub.example", "session": session}})
    where = outbox.save(report)
    assert where.parent == outbox.outbox_dir()


def test_stun_sent_comes_from_the_call_quality_details():
    from deskready.checks.api import Measurements
    from deskready.checks.network.call_quality_check import CallQualityCheck
    from deskready.hubclient.run import stun_sent
    from deskready.runner import CheckResult
    from deskready.session import RunOutcome

    measured = Measurements({}, {"stun_sent": 500})
    assert stun_sent(RunOutcome((CheckResult(CallQualityCheck, measured),))) == 500
    assert stun_sent(RunOutcome(())) is None
