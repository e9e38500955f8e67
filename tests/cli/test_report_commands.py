"""report show / verify / pdf on edited, resealed and malformed reports, and output paths
checked before the run (issue 14, items 6 and 7), through the installed command."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from deskready.report.integrity import seal


def run(bin_, *args, env, **kwargs):
    return subprocess.run(
        [bin_, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


def no_crash(out) -> str:
    text = out.stdout + out.stderr
    assert "Traceback" not in text
    assert "Unexpected problem" not in text
    return " ".join(text.split())  # the terminal wraps long lines


@pytest.fixture
def report_file(deskready_bin, system_spec, tmp_path, env) -> Path:
    path = tmp_path / "r.json"
    out = run(
        deskready_bin, "check", "-p", str(system_spec), "--no-input", "--json", str(path), env=env
    )
    assert out.returncode == 0, out.stderr
    return path


def edited(path: Path, change, *, reseal: bool) -> Path:
    data = json.loads(path.read_text())
    change(data)
    target = path.with_name("edited.json")
    target.write_text(json.dumps(seal(data) if reseal else data))
    return target


def fail_memory(report):
    rule = next(r for r in report["rules"] if r["metric"] == "memory.total_gb")
    rule["actual"] = 0.1


def test_show_warns_before_and_after_an_unsealed_report(deskready_bin, report_file, env):
    target = edited(report_file, lambda r: r.pop("integrity"), reseal=False)
    out = run(deskready_bin, "report", "show", str(target), env=env)
    assert out.returncode == 1
    no_crash(out)
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert lines[0].startswith("Warning: the report has no integrity digest")
    assert "Readiness check for ACME Calls" in out.stdout  # the table is still shown
    assert lines[-1].startswith("Warning: the report has no integrity digest")


def test_show_warns_on_an_edited_report(deskready_bin, report_file, env):
    target = edited(report_file, lambda r: r.update(verdict="not_ready"), reseal=False)
    out = run(deskready_bin, "report", "show", str(target), env=env)
    assert out.returncode == 1
    assert "Warning: the integrity digest does not match" in no_crash(out)


def test_show_of_an_intact_report_has_no_warning(deskready_bin, report_file, env):
    out = run(deskready_bin, "report", "show", str(report_file), env=env)
    assert out.returncode == 0
    assert "Warning" not in no_crash(out)


def test_verify_rejudges_a_resealed_report(deskready_bin, report_file, env):
    target = edited(report_file, fail_memory, reseal=True)
    out = run(deskready_bin, "report", "verify", str(target), env=env)
    assert out.returncode == 1
    text = no_crash(out)
    assert "✘ rule memory.total_gb: says pass, but 0.1 GB is not at least 0.5 GB" in text
    shown = run(deskready_bin, "report", "show", str(target), env=env)
    assert shown.returncode == 1
    assert "Warning: rule memory.total_gb: says pass" in no_crash(shown)


def test_verify_names_a_flipped_verdict(deskready_bin, report_file, env):
    target = edited(report_file, lambda r: r.update(verdict="not_ready"), reseal=True)
    out = run(deskready_bin, "report", "verify", str(target), env=env)
    assert out.returncode == 1
    assert "✘ verdict: says not_ready, but its rule outcomes make it ready" in no_crash(out)
    pdf = run(
        deskready_bin, "report", "pdf", str(target), "-o", str(target.with_suffix(".pdf")), env=env
    )
    assert pdf.returncode == 1
    assert "contradicts itself" in no_crash(pdf)
    assert not target.with_suffix(".pdf").exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.pop("verdict"), "'verdict' is missing"),
        (lambda r: r.update(results="x"), "'results' is not a list"),
        (lambda r: r.update(rules=5), "'rules' is not a list"),
        (lambda r: r["rules"].append("x"), "is not an object"),
        (lambda r: r.update(spec=[]), "'spec' is not an object"),
    ],
)
@pytest.mark.parametrize("command", ["show", "verify", "pdf"])
def test_a_sealed_malformed_report_is_not_a_report(
    deskready_bin, report_file, env, change, reason, command
):
    target = edited(report_file, change, reseal=True)
    extra = ["-o", str(target.with_suffix(".pdf"))] if command == "pdf" else []
    out = run(deskready_bin, "report", command, str(target), *extra, env=env)
    assert out.returncode == 2
    assert "is not a deskready report" in no_crash(out)
    assert reason in no_crash(out)


# -- output paths, before the run ------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "{tmp}/missing/r.json"], "the folder {tmp}/missing does not exist"),
        (["--pdf", "{tmp}/missing/r.pdf"], "the folder {tmp}/missing does not exist"),
        (["--json", "{tmp}"], "it is a folder"),
        (["--json", "{tmp}/same", "--pdf", "{tmp}/./same"], "--json and --pdf name the same file"),
        (["--json", "{spec}"], "is also a file this command reads"),
    ],
)
def test_bad_output_paths_are_refused_before_any_check_runs(
    deskready_bin, system_spec, tmp_path, env, args, message
):
    args = [a.format(tmp=tmp_path, spec=system_spec) for a in args]
    out = run(deskready_bin, "check", "-p", str(system_spec), "--no-input", *args, env=env)
    assert out.returncode == 2
    text = no_crash(out)
    assert message.format(tmp=tmp_path) in text.replace("\n", " ")
    assert "Checking against" not in text  # nothing ran
    assert not (tmp_path / "missing").exists()
    assert "@" in system_spec.read_text()  # the spec was not overwritten


def test_report_pdf_refuses_its_own_input_and_a_missing_folder(deskready_bin, report_file, env):
    same = run(deskready_bin, "report", "pdf", str(report_file), "-o", str(report_file), env=env)
    assert same.returncode == 2
    assert "is also a file this command reads" in no_crash(same)
    assert json.loads(report_file.read_text())["schema"]  # still the JSON
    missing = report_file.parent / "nope" / "r.pdf"
    out = run(deskready_bin, "report", "pdf", str(report_file), "-o", str(missing), env=env)
    assert out.returncode == 2
    assert "does not exist" in no_crash(out)


def test_a_symlinked_output_is_written_through(deskready_bin, system_spec, tmp_path, env):
    (tmp_path / "archive").mkdir()
    real = tmp_path / "archive" / "report.json"
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    out = run(
        deskready_bin, "check", "-p", str(system_spec), "--no-input", "--json", str(link), env=env
    )
    assert out.returncode == 0, out.stderr
    assert link.is_symlink()
    assert json.loads(real.read_text())["verdict"] == "ready"


# -- standard output that cannot take the report ----------------------------------------
def test_json_to_a_full_stdout_is_a_clear_error(deskready_bin, system_spec, env):
    with open("/dev/full", "w") as full:
        out = subprocess.run(
            [deskready_bin, "check", "-p", str(system_spec), "--no-input", "--json", "-"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
        )
    assert out.returncode == 2
    assert "Cannot write the JSON report to standard output: No space left" in out.stderr
    assert "Traceback" not in out.stderr
    assert "Exception ignored" not in out.stderr


def test_json_to_a_closed_stdout_is_a_clear_error(deskready_bin, system_spec, env):
    out = subprocess.run(
        [deskready_bin, "check", "-p", str(system_spec), "--no-input", "--json", "-"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=60,
        pass_fds=(),
        close_fds=True,
        preexec_fn=lambda: __import__("os").close(1),
    )
    assert out.returncode == 2
    assert "Cannot write the JSON report to standard output" in out.stderr
    assert "Traceback" not in out.stderr


def test_json_to_a_pipe_closed_by_its_reader(deskready_bin, system_spec, env):
    shell = (
        f"'{deskready_bin}' check -p '{system_spec}' --no-input --json - 2>err | "
        "(exec 0<&-; sleep 0); cat err"
    )
    out = subprocess.run(
        ["bash", "-c", shell],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=system_spec.parent,
    )
    if "Cannot write" not in out.stdout:  # the report fit in the pipe before it closed
        pytest.skip("the pipe took the whole report before its reader left")
    assert "Broken pipe" in out.stdout
    assert "Traceback" not in out.stdout


def test_a_table_to_a_full_stdout_is_a_clear_error(deskready_bin, report_file, env):
    with open("/dev/full", "w") as full:
        out = subprocess.run(
            [deskready_bin, "report", "show", str(report_file)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
        )
    assert out.returncode == 2
    assert "Cannot write the output: No space left on device" in out.stderr
    assert "Unexpected problem" not in out.stderr
