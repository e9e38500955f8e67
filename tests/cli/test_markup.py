"""User text is never console markup (issue 14, item 2).

``[/]``, ``[bold]``, ``[link=…]`` and an emoji code go through every place the installed
``deskready`` prints text that came from a spec, the answers, a plugin or a report, and
must come out as written: no traceback, no eaten brackets, the documented exit code.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pexpect
import pytest

from tests.plugin_package import install_plugin

MARK = "[/] [bold]b[link=https://x]x[/link] :smile:"

PLUGIN = f'''
from deskready.checks.api import (
    AnswerType, Category, Check, CheckContext, CheckFailed, Choice, Measurements, Metric,
    MetricType, Question,
)

MARK = {MARK!r}


class MarkupCheck(Check):
    """Every text a plugin gives the CLI carries console markup."""
    id = "markup"
    title = "Markup " + MARK
    category = Category.SYSTEM
    description = "Description " + MARK
    metrics = (
        Metric("markup.value", MetricType.NUMBER, "Value " + MARK, "u[/]"),
        Metric("markup.kind", MetricType.CHOICE, "Kind " + MARK, choices=("plain", "fancy")),
    )
    questions = (
        Question(
            "markup.kind",
            "Question " + MARK,
            AnswerType.CHOICE,
            help="Help " + MARK,
            choices=(Choice("plain", "Plain " + MARK), Choice("fancy", "Fancy " + MARK)),
        ),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        ctx.progress(0.5, "Progress " + MARK)
        answer = ctx.answers.get("markup.kind")
        return Measurements(
            {{"markup.value": 1.0, "markup.kind": answer.value if answer else None}},
            messages=["Message " + MARK],
            declared={{"markup.kind"}},
        )


class BrokenMarkupCheck(Check):
    id = "markup_broken"
    title = "Broken " + MARK
    category = Category.SYSTEM
    metrics = (Metric("markup.broken", MetricType.NUMBER, "Broken value " + MARK),)

    def run(self, ctx: CheckContext) -> Measurements:
        raise CheckFailed("Error " + MARK)
'''

SPEC = f"""
[employer]
name = "ACME {MARK}"
contact = "it@{MARK}"
[rules."markup.value"]
min = 5
advice = "Advice {MARK}"
[rules."markup.kind"]
one_of = ["plain"]
[rules."markup.broken"]
min = 1
[[declarations]]
id = "room"
text = "Declaration {MARK}"
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory) -> str:
    return install_plugin(
        tmp_path_factory.mktemp("markupplugin"),
        "deskready_markup",
        PLUGIN,
        {
            "markup": "deskready_markup:MarkupCheck",
            "markup_broken": "deskready_markup:BrokenMarkupCheck",
        },
    )


@pytest.fixture
def menv(env, plugin_path) -> dict[str, str]:
    return {**env, "PYTHONPATH": plugin_path, "COLUMNS": "400"}


@pytest.fixture
def spec(tmp_path) -> Path:
    path = tmp_path / "markup.toml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def run(bin_, *args, env):
    return subprocess.run(
        [bin_, *args], capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL
    )


def clean(out: subprocess.CompletedProcess[str]) -> str:
    text = out.stdout + out.stderr
    assert "Traceback" not in text
    assert "Unexpected problem" not in text
    assert "😄" not in text  # :smile: stays text
    return text


def check_run(bin_, spec, tmp_path, env, *extra):
    return run(
        bin_,
        "check",
        "-p",
        str(spec),
        "--only",
        "markup,markup_broken,declarations",
        "--no-input",
        "--json",
        str(tmp_path / "r.json"),
        *extra,
        env=env,
    )


def test_check_prints_every_text_verbatim(deskready_bin, spec, tmp_path, menv):
    out = check_run(
        deskready_bin,
        spec,
        tmp_path,
        menv,
        "--answer",
        "markup.kind=fancy",
        "--answer",
        "declaration.room=yes",
    )
    assert out.returncode == 1, out.stderr  # not ready: 1.0 is below min 5
    text = clean(out)
    for shown in (
        f"Checking against ACME {MARK}",
        f"Readiness check for ACME {MARK}",
        f"Markup {MARK}",  # check title (progress lines and table)
        f"Value {MARK}: at least 5 u[/]",  # metric description, unit, requirement
        f"Advice {MARK}",  # the employer's advice
        f"Kind {MARK}: one of: plain",  # a choice metric the agent answered
        f"Declaration {MARK}",  # declaration text
        f"Message {MARK}",  # a check's note
        f"Error {MARK}",  # a check's error
        f"Broken {MARK}",
    ):
        assert shown in text, shown


def test_report_show_and_verify_print_report_texts_verbatim(deskready_bin, spec, tmp_path, menv):
    check_run(deskready_bin, spec, tmp_path, menv, "--answer", "markup.kind=plain")
    report = tmp_path / "r.json"
    shown = run(deskready_bin, "report", "show", str(report), env=menv)
    assert shown.returncode == 0
    text = clean(shown)
    assert f"Readiness check for ACME {MARK}" in text
    assert f"Advice {MARK}" in text
    assert f"Message {MARK}" in text
    verified = run(deskready_bin, "report", "verify", str(report), env=menv)
    assert verified.returncode == 0
    assert f"{report} is intact" in clean(verified)


def test_report_pdf_and_its_path_verbatim(deskready_bin, spec, tmp_path, menv):
    check_run(deskready_bin, spec, tmp_path, menv)
    folder = tmp_path / "[bold]out"
    folder.mkdir()
    target = folder / "r [link=x].pdf"
    out = run(deskready_bin, "report", "pdf", str(tmp_path / "r.json"), "-o", str(target), env=menv)
    assert out.returncode == 0, out.stderr
    assert f"PDF report written to {target}" in clean(out)
    verified = run(deskready_bin, "report", "verify", str(target), env=menv)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{target} is intact" in clean(verified)


def test_error_messages_quote_user_text_verbatim(deskready_bin, spec, tmp_path, menv):
    cases = [
        (
            ["check", "-p", str(spec), "--no-input", "--answer", "[/][bold]x:smile:=1"],
            "no question '[/][bold]x:smile:'",
        ),
        (["check", "-p", str(spec), "--no-input", "--only", "[bold]x"], "no check '[bold]x'"),
        (["report", "show", str(tmp_path / "[/]missing.json")], "[/]missing.json does not exist"),
    ]
    bad_spec = tmp_path / "bad.toml"
    bad_spec.write_text('[employer]\nname = "A"\n[rules."os.name[/]"]\none_of = ["linux"]\n')
    cases.append((["check", "-p", str(bad_spec), "--no-input"], "unknown metric 'os.name[/]'"))
    no_rules = tmp_path / "norules.toml"
    no_rules.write_text('[employer]\nname = "ACME [/] Calls"\n')
    cases.append((["check", "-p", str(no_rules), "--no-input"], "add [rules] with"))
    for args, message in cases:
        out = run(deskready_bin, *args, env=menv)
        assert out.returncode == 2, (args, out.stderr)
        assert message in clean(out), (args, out.stderr)


def test_checks_lists_plugin_texts_verbatim(deskready_bin, menv):
    out = run(deskready_bin, "checks", env=menv)
    assert out.returncode == 0
    text = clean(out)
    assert f"markup — Markup {MARK} (system)" in text
    assert f"markup.value [u[/]]: Value {MARK}" in text
    listed = json.loads(run(deskready_bin, "checks", "--json", env=menv).stdout)
    assert any(c["title"] == f"Markup {MARK}" for c in listed["checks"])


def test_profiles_list_is_plain(deskready_bin, env):
    out = run(deskready_bin, "profiles", env=env)
    assert out.returncode == 0
    assert "typical" in clean(out)


def test_prompt_shows_question_help_and_choices_verbatim(deskready_bin, spec, tmp_path, menv):
    """A real terminal: the question, its help, its choices and the prompt itself."""
    child = pexpect.spawn(
        deskready_bin,
        [
            "check",
            "-p",
            str(spec),
            "--only",
            "markup,declarations",
            "--json",
            str(tmp_path / "p.json"),
        ],
        env=menv,
        encoding="utf-8",
        timeout=30,
    )
    child.setwinsize(40, 300)
    seen = []
    for expected in (f"Question {MARK}", f"Help {MARK}", f"1) Plain {MARK}", f"2) Fancy {MARK}"):
        child.expect_exact(expected)
        seen.append(expected)
    child.expect_exact("Your choice (1-2): ")
    child.sendline("7")  # a bad answer: the error quotes allowed values as written
    child.expect_exact("choose one of: plain, fancy")
    child.expect_exact("Your choice (1-2): ")
    child.sendline("1")
    child.expect_exact(f"Declaration {MARK}")
    child.expect_exact("(y/n): ")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in (child.before or "")
    assert child.exitstatus == 1  # 1.0 is below min 5
    assert len(seen) == 4
