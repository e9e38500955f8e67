"""invite → check → submit → verify through the installed ``deskready``, with the fake hub
on 127.0.0.1 (the real hub's end-to-end test follows the same steps)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.hubclient.fake_hub import new_code


@pytest.fixture
def run(deskready_bin, hub_home):
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(hub_home / "config"),
        "XDG_DATA_HOME": str(hub_home / "data"),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }

    def go(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [deskready_bin, "--lang", "en", *args],
            capture_output=True,
            text=True,
            env={**env, **extra_env},
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    return go


def test_join_check_submit_verify(run, fake_hub, tmp_path):
    out = tmp_path / "report.json"
    done = run(
        "check",
        "--hub",
        fake_hub.url,
        "--invite",
        fake_hub.invite(),
        "--no-input",
        "--agent-name",
        "Ann",
        "--json",
        str(out),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Joined ACME Calls hub" in done.stdout
    assert "First contact with this hub" in done.stdout
    assert "received the report and signed it" in done.stdout
    assert "Traceback" not in done.stderr
    report = json.loads(out.read_text())
    assert report["agent"] == {"id": "AG-7", "name": "Ann"}
    assert set(report["hub"]) == {"url", "session", "nonce", "stun_sent"}
    assert report["attestation"] == fake_hub.reports[report["hub"]["session"]]["attestation"]

    verified = run("report", "verify", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"Signed by the employer's hub {fake_hub.url} (key {fake_hub.key_id})" in verified.stdout
    assert "Observed by the hub:" in verified.stdout
    assert "Reported by this computer about itself:" in verified.stdout

    report["rules"][0]["actual"] = 999
    out.write_text(json.dumps(report))
    tampered = run("report", "verify", str(out))
    assert tampered.returncode == 1
    assert "not the one the hub signed" in tampered.stdout


def test_a_link_alone_carries_the_hub(run, fake_hub):
    done = run(
        "check", "--invite", f"{fake_hub.url}/join/{fake_hub.invite().lower()}", "--no-input"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(fake_hub.reports) == 1


def test_the_invite_may_come_from_the_environment(run, fake_hub):
    """How a scheduled check gets its code: never on a command line others can read."""
    done = run("check", "--hub", fake_hub.url, "--no-input", DESKREADY_INVITE=fake_hub.invite())
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(fake_hub.reports) == 1


def test_the_outbox_keeps_the_report_until_submit_sends_it_once(run, fake_hub, tmp_path):
    out = tmp_path / "report.json"
    fake_hub.report_status = 503
    done = run(
        "check",
        "--hub",
        fake_hub.url,
        "--invite",
        fake_hub.invite(),
        "--no-input",
        "--json",
        str(out),
    )
    assert done.returncode == 0, done.stdout + done.stderr  # the verdict's exit code
    assert "Not sent yet" in done.stdout
    assert "deskready submit" in done.stdout
    assert "attestation" not in json.loads(out.read_text())

    still = run("submit")
    assert still.returncode == 1
    assert "Unavailable" in still.stdout

    fake_hub.report_status = None
    sent = run("submit")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "received the report and signed it" in sent.stdout
    assert f"Signed report written to {out}" in sent.stdout
    assert "attestation" in json.loads(out.read_text())
    assert run("report", "verify", str(out)).returncode == 0

    again = run("submit")
    assert again.returncode == 0
    assert "No report is waiting" in again.stdout
    assert len(fake_hub.reports) == 1


def test_join_problems_are_one_line_and_exit_2(run, fake_hub):
    unknown = run("check", "--hub", fake_hub.url, "--invite", new_code(), "--no-input")
    assert unknown.returncode == 2
    assert "does not know this invite code" in unknown.stderr
    no_invite = run("check", "--hub", fake_hub.url, "--no-input")
    assert no_invite.returncode == 2
    assert "--hub needs --invite" in no_invite.stderr
    plain = run("check", "--hub", "http://hub.example", "--invite", new_code(), "--no-input")
    assert plain.returncode == 2
    assert "plain http://" in plain.stderr
    with_profile = run("check", "--invite", f"{fake_hub.url}/join/{new_code()}", "-p", "typical")
    assert with_profile.returncode == 2
    assert "--profile cannot be used" in with_profile.stderr
    for done in (unknown, no_invite, plain, with_profile):
        assert "Traceback" not in done.stderr


def test_submit_usage(run):
    assert run("submit").returncode == 0
    done = run("submit", "--json", "x.json")
    assert done.returncode == 2
    assert "exactly one waiting report" in done.stderr
