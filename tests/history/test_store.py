"""The history store: real runs kept once each, opt-out, size and count bounds, deletion,
the schema version, and two processes writing at once."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta

import pytest

from deskready.history import store as store_module
from deskready.history.store import HistoryError, HistoryStore
from deskready.report.integrity import seal
from tests.history.runs import history_env, registry, run_once, spec_text


def restamped(report: dict, minutes: int) -> dict:
    """The same report made ``minutes`` later, sealed again (a distinct run)."""
    moment = datetime.fromisoformat(report["created_at"]) + timedelta(minutes=minutes)
    return seal({**report, "created_at": moment.isoformat(timespec="seconds")})


def test_each_finished_run_is_kept_once(monkeypatch, tmp_path):
    path = history_env(monkeypatch, tmp_path)
    first = run_once(20.0)
    second = run_once(4.0)
    runs = HistoryStore(path).runs()
    assert [r.report["integrity"] for r in runs] == [second["integrity"], first["integrity"]]
    newest = runs[0]
    assert newest.employer == "ACME Calls"
    assert newest.spec_source == "acme.toml"
    assert newest.verdict == "not_ready"
    assert newest.complete is True
    assert newest.reverify_days == 30
    assert newest.report == second
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_judging_the_same_outcome_again_adds_nothing(monkeypatch, tmp_path):
    from deskready.session import Session
    from deskready.spec import load_spec_text

    path = history_env(monkeypatch, tmp_path)
    reg = registry()
    session = Session.planned(load_spec_text(spec_text(), reg), reg)
    outcome = session.run()
    session.reports(outcome)
    session.reports(outcome, "de")  # a language switch judges again: not a new run
    assert len(HistoryStore(path).runs()) == 1


def test_opting_out_keeps_nothing(monkeypatch, tmp_path):
    path = history_env(monkeypatch, tmp_path)
    monkeypatch.setenv("DESKREADY_HISTORY", "off")
    run_once()
    assert not path.exists()
    assert not path.parent.exists()


def test_a_report_too_large_or_unsealed_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("DESKREADY_HISTORY", "off")
    report = run_once()
    store = HistoryStore(tmp_path / "h.sqlite3")
    big = seal({**report, "padding": "x" * store_module.MAX_REPORT_BYTES})
    with pytest.raises(HistoryError, match="at most 2048 kB"):
        store.record(big)
    edited = {**report, "verdict": "not_ready"}
    with pytest.raises(HistoryError, match="digest does not match"):
        store.record(edited)
    with pytest.raises(HistoryError, match="Not a sealed deskready report"):
        store.record({"verdict": "ready"})
    assert store.runs() == []


def test_only_the_newest_runs_are_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("DESKREADY_HISTORY", "off")
    monkeypatch.setattr(store_module, "MAX_RUNS", 5)
    report = run_once()
    store = HistoryStore(tmp_path / "h.sqlite3")
    ids = [store.record(restamped(report, minutes)) for minutes in range(8)]
    assert [r.id for r in store.runs()] == ids[:2:-1]
    assert store.record(restamped(report, 7)) == ids[7]  # the same report: kept once


def test_delete_one_and_all(monkeypatch, tmp_path):
    monkeypatch.setenv("DESKREADY_HISTORY", "off")
    report = run_once()
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    first, second = store.record(report), store.record(restamped(report, 1))
    assert store.delete(first) is True
    assert store.delete(first) is False
    assert [r.id for r in store.runs()] == [second]
    assert store.delete_all() == 1
    assert not path.exists()
    assert store.runs() == []
    assert store.delete_all() == 0


def test_schema_is_created_and_a_newer_one_refused(tmp_path):
    path = tmp_path / "h.sqlite3"
    sqlite3.connect(path).close()  # an empty file, user_version 0: created on first write
    store = HistoryStore(path)
    assert store.delete(1) is False
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(HistoryError, match="newer deskready"):
        store.runs()


WRITER = textwrap.dedent(
    """
    import json, sys
    from datetime import datetime, timedelta
    from deskready.history.store import HistoryStore
    from deskready.report.integrity import seal
    base = json.load(open(sys.argv[1]))
    store = HistoryStore(__import__("pathlib").Path(sys.argv[2]))
    offset = int(sys.argv[3])
    for i in range(25):
        moment = datetime.fromisoformat(base["created_at"]) + timedelta(minutes=offset + i)
        store.record(seal({**base, "created_at": moment.isoformat()}))
    print("ok")
    """
)


def test_two_processes_recording_at_once_lose_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("DESKREADY_HISTORY", "off")
    source = tmp_path / "report.json"
    source.write_text(json.dumps(run_once()))
    path = tmp_path / "h.sqlite3"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(source), str(path), str(offset)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for offset in (0, 1000)
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "ok"
    runs = HistoryStore(path).runs()
    assert len(runs) == 50
    assert len({r.report["integrity"]["digest"] for r in runs}) == 50


def test_a_damaged_file_costs_no_run_and_is_one_clear_error(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from deskready.cli.main import cli

    path = history_env(monkeypatch, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    report = run_once(4.0)  # the run and its report are unaffected
    assert report["verdict"] == "not_ready"
    result = CliRunner().invoke(cli, ["history"])
    assert result.exit_code == 2
    assert "Cannot use the run history at" in result.output
    assert "Traceback" not in result.output
    # the documented way out: delete --all removes the damaged file
    deleted = CliRunner().invoke(cli, ["history", "delete", "--all", "--yes"])
    assert deleted.exit_code == 0, deleted.output
    assert not path.exists()
    assert CliRunner().invoke(cli, ["history"]).exit_code == 0
