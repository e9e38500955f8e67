"""A run that leaves requirements out is never a readiness proof (issue: partial runs).

Through the installed command: ``--only``/``--skip`` against a spec whose download
requirement would fail give exit 3 (incomplete), a PDF that says "Partial check" and
names the download requirement as not checked, and ``report verify`` prints the scope.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.pdf.helpers import pdf_text

SPEC = """
[employer]
name = "ACME [/] Calls"
[rules."memory.total_gb"]
min = 0.1
[rules."network.download_mbps"]
min = 100000
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("narrowing", [("--only", "memory"), ("--skip", "bandwidth")])
def test_a_partial_run_is_incomplete_and_says_so_everywhere(
    deskready_bin: str, tmp_path: Path, narrowing: tuple[str, str]
) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC, encoding="utf-8")
    pdf, json_path = tmp_path / "r.pdf", tmp_path / "r.json"
    done = run(
        deskready_bin, "check", "-p", str(spec), *narrowing, "--no-input",
        "--pdf", str(pdf), "--json", str(json_path),
    )  # fmt: skip
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "ACME [/] Calls" in done.stdout  # the employer's name is text, not markup
    assert "Partial check — not a readiness proof." in done.stdout
    fixes = " ".join(done.stdout.split("What to fix", 1)[1].split())
    assert "Not checked in this run – Internet speed — Download speed" in fixes

    report = json.loads(json_path.read_text(encoding="utf-8"))
    assert report["verdict"] == "incomplete"
    assert report["scope"]["complete"] is False
    assert report["scope"]["left_out"] == ["bandwidth"]
    download = next(r for r in report["rules"] if r["metric"] == "network.download_mbps")
    assert download["outcome"] == "not_checked"

    text = pdf_text(pdf)
    assert "Partial check — not a readiness proof." in text
    assert "✔ READY" not in text
    assert "Download speed" in text.split("not checked in this run:", 1)[1][:200]

    verified = run(deskready_bin, "report", "verify", str(pdf))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Partial check — not a readiness proof." in verified.stdout
    assert "Left out of the run: Internet speed" in verified.stdout
    shown = run(deskready_bin, "report", "show", str(json_path))
    assert "Partial check — not a readiness proof." in shown.stdout


def test_a_full_run_is_complete(deskready_bin: str, tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[employer]\nname = "A"\n[rules."memory.total_gb"]\nmin = 0.1\n'
        '[rules."disk.free_gb"]\nmin = 0.001\n',
        encoding="utf-8",
    )
    done = run(deskready_bin, "check", "-p", str(spec), "--json", "-", "--no-input")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["scope"]["complete"] is True
    assert report["verdict"] == "ready"
    assert "not_checked" not in {r["outcome"] for r in report["rules"]}
