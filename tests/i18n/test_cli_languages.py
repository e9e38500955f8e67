"""The command line speaks each language: screen, help, PDF; the JSON keeps ids English."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from deskready.checks.i18n import LANGUAGES, catalogue
from tests.pdf.helpers import pdf_text

SPEC = """
[employer]
name = "ACME Calls"
name_ja = "ACMEコール"

[rules]
"memory.total_gb" = { min = 0.5 }
"disk.free_gb" = { min = 0.1 }
"os.name" = { one_of = ["linux", "windows", "macos"] }
"cpu.logical_cores" = { min = 100000, severity = "recommended", advice = "Use a bigger computer.", advice_de = "Nehmen Sie einen größeren Computer.", advice_ja = "もっと大きなコンピューターを使ってください。" }
"""
#: msgids this run is sure to show: a check title, a table heading, the verdict
ON_SCREEN = ("Operating system", "Memory", "Requirement")
IN_PDF = ("Readiness report", "Operating system")


def tr(language: str, msgid: str) -> str:
    return catalogue(language).gettext(msgid)


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def run(
    deskready_bin: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {**os.environ, "COLUMNS": "160", "LANGUAGE": "", "LC_ALL": "", "LANG": "C.UTF-8"}
    return subprocess.run(
        [deskready_bin, *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=90,
    )


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_a_run_reads_in_the_language_asked_for(
    language: str, deskready_bin: str, spec: Path, tmp_path: Path
) -> None:
    pdf = tmp_path / f"{language}.pdf"
    done = run(
        deskready_bin,
        "--lang",
        language,
        "check",
        "--profile",
        str(spec),
        "--only",
        "os,cpu,memory,disk",
        "--no-input",
        "--pdf",
        str(pdf),
        "--json",
        str(tmp_path / "r.json"),
    )
    assert done.returncode == 0, done.stderr
    screen = " ".join(done.stdout.split())  # rich wraps long cells
    for msgid in ON_SCREEN:
        assert tr(language, msgid) != msgid
        assert tr(language, msgid) in screen, (msgid, done.stdout)
    if language in {"de", "ja"}:  # the employer's own translation of its advice
        assert {"de": "größeren Computer", "ja": "大きなコンピューター"}[language] in screen
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["language"] == language
    assert report["verdict"] == "ready"  # ids and values stay machine-readable English
    assert {r["check"] for r in report["results"]} == {"os", "cpu", "memory", "disk"}
    text = " ".join(pdf_text(pdf).split())
    for msgid in IN_PDF:
        assert tr(language, msgid) in text, (msgid, text[:400])


def test_help_is_translated(deskready_bin: str) -> None:
    done = run(deskready_bin, "--lang", "de", "check", "--help")
    assert done.returncode == 0
    assert tr("de", "Write the PDF report.") in " ".join(done.stdout.split())
    top = run(deskready_bin, "--lang", "ja", "--help")
    assert tr("ja", "List the bundled employer profiles.") in top.stdout


def test_the_system_language_is_used_without_lang(deskready_bin: str, spec: Path) -> None:
    done = run(
        deskready_bin,
        "check",
        "--profile",
        str(spec),
        "--only",
        "os",
        "--no-input",
        env={"LANG": "nl_NL.UTF-8"},
    )
    assert tr("nl", "Operating system") in done.stdout


def test_report_language_in_the_spec_sets_the_files_not_the_screen(
    deskready_bin: str, spec: Path, tmp_path: Path
) -> None:
    spec.write_text('report_language = "en"\n' + SPEC, encoding="utf-8")
    out = tmp_path / "r.json"
    done = run(
        deskready_bin,
        "--lang",
        "de",
        "check",
        "--profile",
        str(spec),
        "--only",
        "os,cpu",
        "--no-input",
        "--json",
        str(out),
    )
    assert done.returncode == 3, done.stderr  # --only leaves memory and disk out: incomplete
    assert tr("de", "Operating system") in done.stdout  # the agent reads German
    assert "größeren Computer" in " ".join(done.stdout.split())
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["language"] == "en"  # the employer reads English
    titles = {r["check"]: r["title"] for r in report["results"]}
    assert titles["os"] == "Operating system"
    advice = next(r["advice"] for r in report["rules"] if r["metric"] == "cpu.logical_cores")
    assert advice == "Use a bigger computer."


def test_lang_reaches_the_desktop_app(monkeypatch: pytest.MonkeyPatch) -> None:
    import deskready.gui_launcher
    from deskready.cli.main import main

    seen: list[list[str]] = []
    monkeypatch.setattr(
        deskready.gui_launcher, "launch_gui", lambda argv: seen.append(list(argv)) or 0
    )
    for argv in (["--lang", "ja", "gui"], ["--lang", "de"], ["gui"]):
        with pytest.raises(SystemExit):
            main(argv)
    assert seen == [["--lang", "ja"], ["--lang", "de"], []]
