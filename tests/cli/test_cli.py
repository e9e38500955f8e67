"""``deskready`` end to end, through the installed command in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest


def run(bin_, *args, env=None, timeout=60):
    return subprocess.run([bin_, *args], capture_output=True, text=True, env=env, timeout=timeout)


def test_version(deskready_bin, env):
    out = run(deskready_bin, "--version", env=env)
    assert out.returncode == 0
    assert "deskready, version" in out.stdout


def test_ready_run_shows_table_and_verdict(deskready_bin, system_spec, env):
    out = run(deskready_bin, "check", "--profile", str(system_spec), "--no-input", env=env)
    assert out.returncode == 0, out.stderr
    for text in (
        "Readiness check for ACME Calls",
        "Memory (RAM): at least 0.5 GB",
        "✔ Pass",
        "READY",
    ):
        assert text in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_not_ready_exits_1_with_advice(deskready_bin, tmp_path, env):
    spec = tmp_path / "big.toml"
    spec.write_text('[employer]\nname = "Big"\n[rules]\n"memory.total_gb" = { min = 100000 }\n')
    out = run(deskready_bin, "check", "--profile", str(spec), "--no-input", env=env)
    assert out.returncode == 1
    assert "NOT READY" in out.stdout
    assert "What to fix" in out.stdout
    assert "less memory (RAM) than required" in out.stdout


def test_unanswered_declaration_with_no_input_is_incomplete(deskready_bin, tmp_path, env):
    spec = tmp_path / "decl.toml"
    spec.write_text(
        '[employer]\nname = "D"\n[rules]\n"memory.total_gb" = { min = 0.1 }\n'
        '[[declarations]]\nid = "workspace.quiet"\ntext = "My room is quiet."\n'
    )
    out = run(deskready_bin, "check", "--profile", str(spec), "--no-input", env=env)
    assert out.returncode == 3
    assert "INCOMPLETE" in out.stdout
    yes = run(
        deskready_bin,
        "check",
        "--profile",
        str(spec),
        "--answer",
        "declaration.workspace.quiet=yes",
        env=env,
    )
    assert yes.returncode == 0, yes.stdout + yes.stderr


def test_json_to_stdout_is_pure_json_and_verifies(deskready_bin, system_spec, tmp_path, env):
    out = run(
        deskready_bin,
        "check",
        "--profile",
        str(system_spec),
        "--json",
        "-",
        "--no-input",
        "--agent-name",
        "Aiko Tanaka",
        "--agent-id",
        "AG-7",
        env=env,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["verdict"] == "ready"
    assert report["agent"] == {"name": "Aiko Tanaka", "id": "AG-7"}
    assert "READY" in out.stderr  # the human table went to stderr
    # no public IP, host name or user name in the report (privacy)
    text = out.stdout
    assert os.uname().nodename not in text
    path = tmp_path / "r.json"
    path.write_text(out.stdout)
    ok = run(deskready_bin, "report", "verify", str(path), env=env)
    assert ok.returncode == 0
    assert "intact" in ok.stdout
    shown = run(deskready_bin, "report", "show", str(path), env=env)
    assert shown.returncode == 0
    assert "ACME Calls" in shown.stdout
    report["rules"][0]["actual"] = 999
    path.write_text(json.dumps(report))
    bad = run(deskready_bin, "report", "verify", str(path), env=env)
    assert bad.returncode == 1
    assert "does not match" in bad.stdout


def test_json_file_is_written(deskready_bin, system_spec, tmp_path, env):
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()  # a missing folder is refused (tests/cli/test_output_paths.py)
    out = run(
        deskready_bin,
        "check",
        "--profile",
        str(system_spec),
        "--json",
        str(target),
        "--no-input",
        env=env,
    )
    assert out.returncode == 0
    assert json.loads(target.read_text())["schema"] == "deskready-report/2"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[rules\n"x" = \n', "not valid TOML"),
        ("", "the file is empty"),
        (
            '[employer]\nname = "x"\n[rules]\n"memory.totl_gb" = { min = 4 }\n',
            "did you mean 'memory.total_gb'",
        ),
    ],
)
def test_bad_spec_is_a_message_and_exit_2(deskready_bin, tmp_path, env, content, message):
    spec = tmp_path / "bad.toml"
    spec.write_text(content)
    out = run(deskready_bin, "check", "--profile", str(spec), "--no-input", env=env)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stdout + out.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--profile", "/nonexistent/spec.toml"], "does not exist"),
        (["check", "--profile", "nosuchprofile"], "no bundled profile"),
        (["report", "verify", "/nonexistent.json"], "does not exist"),
        (["check", "--bogus-flag"], "No such option"),
    ],
)
def test_usage_errors(deskready_bin, env, args, message):
    out = run(deskready_bin, *args, env=env)
    assert out.returncode == 2, out.stdout + out.stderr
    assert message in out.stderr + out.stdout
    assert "Traceback" not in out.stderr


def test_unknown_check_in_only_suggests_the_right_one(deskready_bin, system_spec, env):
    out = run(deskready_bin, "check", "--profile", str(system_spec), "--only", "memroy", env=env)
    assert out.returncode == 2
    assert "there is no check 'memroy'. (did you mean 'memory'?)" in out.stderr.replace("\n", " ")


def test_report_verify_rejects_a_file_that_is_not_a_report(deskready_bin, tmp_path, env):
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": 1}')
    out = run(deskready_bin, "report", "verify", str(junk), env=env)
    assert out.returncode == 2
    assert "not a deskready report" in out.stderr


def test_ctrl_c_mid_run_writes_a_partial_report_and_exits_130(
    deskready_bin, slow_plugin_path, system_spec, tmp_path, env
):
    spec = tmp_path / "slow.toml"
    spec.write_text(system_spec.read_text() + '"slowpoke.value" = { min = 0 }\n')
    target = tmp_path / "partial.json"
    proc = subprocess.Popen(
        [deskready_bin, "check", "--profile", str(spec), "--json", str(target), "--no-input"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env, "PYTHONPATH": slow_plugin_path},
    )
    deadline = time.monotonic() + 30
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "SLOWPOKE-STARTED" in line or not line:
            break
    # The light checks (memory, disk…) run beside the slow one and take milliseconds;
    # a loaded machine may not have started them yet when the slow one announces itself.
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "Traceback" not in out + err
    report = json.loads(target.read_text())
    assert report["interrupted"] is True
    assert report["verdict"] in ("incomplete", "not_ready")
    slow = next(r for r in report["results"] if r["check"] == "slowpoke")
    assert slow["status"] == "skipped"
    memory = next(r for r in report["results"] if r["check"] == "memory")
    assert memory["status"] == "pass"


def test_checks_json_lists_every_builtin_with_metrics(deskready_bin, env):
    out = run(deskready_bin, "checks", "--json", env=env)
    data = json.loads(out.stdout)
    by_id = {c["id"]: c for c in data["checks"]}
    assert {"os", "cpu", "memory", "disk", "power"} <= set(by_id)
    assert {
        "id": "memory.total_gb",
        "type": "number",
        "unit": "GB",
        "description": "Memory (RAM)",
    } in by_id["memory"]["metrics"]


def test_profiles_lists_bundled(deskready_bin, env):
    out = run(deskready_bin, "profiles", env=env)
    assert out.returncode == 0
    assert "typical" in out.stdout
    assert "strict" in out.stdout


def test_pdf_export_verifies_and_json_converts(deskready_bin, system_spec, tmp_path, env):
    pdf, js = tmp_path / "r.pdf", tmp_path / "r.json"
    out = run(
        deskready_bin,
        "check",
        "--profile",
        str(system_spec),
        "--no-input",
        "--pdf",
        str(pdf),
        "--json",
        str(js),
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    ok = run(deskready_bin, "report", "verify", str(pdf), env=env)
    assert ok.returncode == 0
    assert "intact" in ok.stdout
    letter = tmp_path / "letter.pdf"
    conv = run(
        deskready_bin, "report", "pdf", str(js), "-o", str(letter), "--paper", "letter", env=env
    )
    assert conv.returncode == 0
    assert letter.exists()
    text = subprocess.run(
        ["pdftotext", str(letter), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "ACME Calls" in text
    assert "READY" in text
    edited = json.loads(js.read_text())
    edited["verdict"] = "not_ready"
    js.write_text(json.dumps(edited))
    refused = run(deskready_bin, "report", "pdf", str(js), "-o", str(tmp_path / "x.pdf"), env=env)
    assert refused.returncode == 1
    assert "changed after" in refused.stderr


def test_python_dash_m_app_is_the_same_command(env):
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "deskready", "--version"], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0
    assert "deskready, version" in out.stdout
