"""``deskready history``: list, show, diff (English and German), delete, due; in process
through click's CliRunner over real runs, and once through the installed command."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner, Result

from deskready.checks.i18n import set_language
from deskready.checks.l10n import format_date
from deskready.cli.main import cli
from deskready.history.store import HistoryStore
from deskready.report.integrity import seal
from tests.history.runs import history_env, run_once


@pytest.fixture(autouse=True)
def _restore():
    yield
    set_language("en")
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("deskready.runner").setLevel(logging.CRITICAL)


@pytest.fixture
def history(monkeypatch, tmp_path):
    return history_env(monkeypatch, tmp_path)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(
        cli, list(args), env={"COLUMNS": "200", "LANGUAGE": "", "LANG": "C.UTF-8"}
    )


def test_an_empty_history(history):
    result = invoke("history")
    assert result.exit_code == 0, result.output
    assert "No runs kept yet" in result.output
    result = invoke("history", "diff")
    assert "There is no earlier run to compare with." in result.output


def test_list_says_what_failed_in_the_reports_words(history):
    run_once(20.0, "usb")
    run_once(4.0, "bluetooth")
    result = invoke("history")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    newest = next(line for line in lines if "│   2 │" in line)
    assert "ACME Calls" in newest
    assert "✘ NOT READY" in newest
    assert "Upload speed: 4 Mbps (needs at least 5 Mbps)" in newest
    assert "✔ READY" in next(line for line in lines if "│   1 │" in line)
    listed = json.loads(invoke("history", "--json").output)["runs"]
    assert [r["number"] for r in listed] == [2, 1]
    assert listed[0]["verdict"] == "not_ready"
    assert listed[0]["failed"] == [
        "Upload speed: 4 Mbps (needs at least 5 Mbps)",
        "How the headset is connected: Bluetooth (needs one of: USB, audio jack)",
    ]
    assert listed[1]["failed"] == []


def test_diff_in_english(history):
    run_once(20.0, "usb")
    run_once(4.0, "bluetooth")
    result = invoke("history", "diff")
    assert result.exit_code == 0, result.output
    assert "Run 2 (" in result.output
    assert "compared with run 1" in result.output
    assert "  Verdict: READY → NOT READY" in result.output
    assert "  Upload speed: 20 Mbps → 4 Mbps (Pass → Fail)" in result.output
    assert "  How the headset is connected: USB → Bluetooth (Pass → Fail)" in result.output
    data = json.loads(invoke("history", "diff", "1", "2", "--json").output)
    kinds = [(c["kind"], c["metric"], c["before"], c["after"]) for c in data["changes"]]
    assert kinds == [
        ("verdict", "", "ready", "not_ready"),
        ("changed", "network.upload_mbps", "20 Mbps", "4 Mbps"),
        ("changed", "headset.bus", "USB", "Bluetooth"),
    ]


def test_nothing_changed(history):
    run_once(20.0, "usb")
    # A report is stamped to the second and kept once per digest (judging one run again
    # adds nothing): two identical fake runs must not finish within the same second.
    time.sleep(1.0 - time.time() % 1.0 + 0.01)
    run_once(20.0, "usb")
    assert "  Nothing changed." in invoke("history", "diff").output


def test_diff_in_german(history):
    run_once(20.0, "usb", language="de")
    run_once(4.0, "bluetooth", language="de")
    result = invoke("--lang", "de", "history", "diff")
    assert result.exit_code == 0, result.output
    # The labels and values are the German reports' own; the outcome words the catalogue's.
    assert "Upload-Geschwindigkeit: 20 Mbps → 4 Mbps (Bestanden → Nicht bestanden)" in result.output
    assert "Wie das Headset angeschlossen ist: USB → Bluetooth (Bestanden → Nicht bestanden)" in (
        result.output
    )
    assert "BEREIT → NICHT BEREIT" in result.output


def test_show_prints_the_kept_report(history):
    run_once(4.0, "usb")
    result = invoke("history", "show", "1")
    assert result.exit_code == 0, result.output
    assert "ACME Calls" in result.output
    assert "NOT READY" in result.output
    missing = invoke("history", "show", "7")
    assert missing.exit_code == 2
    assert "There is no run 7 in the history" in missing.output


def test_rows_edited_by_hand_are_one_clear_line(history):
    """A kept report that is no report, a time that is no time: exit 2, no traceback."""
    import sqlite3

    run_once(4.0, "usb")
    with sqlite3.connect(history) as conn:
        conn.execute("UPDATE runs SET report = '{}'")
    shown = invoke("history", "show", "1")
    assert shown.exit_code == 2, shown.output
    assert "Run 1's kept report cannot be shown" in shown.output
    with sqlite3.connect(history) as conn:
        conn.execute("UPDATE runs SET created_at = 'yesterday'")
    listed = invoke("history")
    assert listed.exit_code == 2, listed.output
    assert "Cannot use the run history at" in listed.output
    assert "yesterday" in listed.output
    assert invoke("history", "delete", "1", "--yes").exit_code == 0  # and it can go


def test_delete_asks_for_yes_then_deletes(history):
    run_once()
    run_once(4.0)
    refused = invoke("history", "delete", "1")
    assert refused.exit_code == 2
    assert "Add --yes" in refused.output
    assert len(HistoryStore(history).runs()) == 2
    assert invoke("history", "delete", "1", "--yes").exit_code == 0
    assert [r.id for r in HistoryStore(history).runs()] == [2]
    assert invoke("history", "delete", "1", "--yes").exit_code == 2
    assert invoke("history", "delete", "--yes").exit_code == 2  # neither N nor --all
    result = invoke("history", "delete", "--all", "--yes")
    assert "Deleted 1 run." in result.output
    assert not history.exists()


def test_due_counts_from_the_last_complete_run(history):
    report = run_once()
    due_day = date.today() + timedelta(days=30)
    words = format_date(datetime.combine(due_day, datetime.min.time()))
    result = invoke("history", "due")
    assert result.exit_code == 0, result.output
    assert f"Your employer asks for a new check by {words}." in result.output
    # A partial run (only the bandwidth check) is no re-verification: the date stays.
    run_once(only=["bandwidth"])
    data = json.loads(invoke("history", "due", "--json").output)
    assert data["due"] == due_day.isoformat()
    assert data["overdue_days"] == 0
    # Forty days ago: ten days overdue, exit 1.
    HistoryStore(history).delete_all()
    old = datetime.fromisoformat(report["created_at"]) - timedelta(days=40)
    HistoryStore(history).record(
        seal({**report, "created_at": old.isoformat(timespec="seconds")}), reverify_days=30
    )
    late = invoke("history", "due")
    assert late.exit_code == 1
    assert "it is 10 days overdue" in late.output


def test_due_without_reverification(history):
    run_once(every_days=None)
    result = invoke("history", "due")
    assert "does not ask for regular new checks" in result.output


def test_the_installed_command_keeps_a_real_run(deskready_bin, tmp_path):
    spec = tmp_path / "acme.toml"
    spec.write_text(
        '[employer]\nname = "ACME Calls"\n[rules]\n"memory.total_gb" = { min = 0.5 }\n'
        '"cpu.logical_cores" = { min = 1 }\n[reverify]\nevery_days = 30\n'
    )
    env = {
        **os.environ,
        "COLUMNS": "120",
        "LANG": "C.UTF-8",
        "LANGUAGE": "",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "DESKREADY_HISTORY": "on",
    }
    done = subprocess.run(
        [deskready_bin, "check", "--profile", str(spec), "--no-input"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    due_day = date.today() + timedelta(days=30)
    assert "Your employer asks for a new check by " + due_day.strftime("%b %-d, %Y") in done.stdout
    listed = subprocess.run(
        [deskready_bin, "history", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    runs = json.loads(listed.stdout)["runs"]
    assert len(runs) == 1
    assert runs[0]["employer"] == "ACME Calls"
    assert runs[0]["verdict"] == "ready"
    assert runs[0]["complete"] is True


def test_after_a_run_with_the_history_off(monkeypatch):
    from deskready.cli.history import after_run_lines
    from deskready.spec import load_spec_text
    from tests.history.runs import registry, spec_text

    monkeypatch.setenv("DESKREADY_HISTORY", "off")
    spec = load_spec_text(spec_text(30), registry())
    [line] = after_run_lines(spec)
    assert "every 30 days; the run history is off (DESKREADY_HISTORY=off)" in line.plain
    assert after_run_lines(load_spec_text(spec_text(None), registry())) == []
