"""Questions on the command line: a real pseudo-terminal, --answer, answers files, --no-input.

Every run uses a small spec with only a memory rule and phone rules, so no network or audio
check runs and each run takes well under a second.
"""

from __future__ import annotations

import json
import subprocess

import pexpect
import pytest

SPEC = """
[employer]
name = "T"
[rules."phone.kind"]
one_of = ["corded"]
[rules."memory.total_gb"]
min = 0.1
"""

PROMPT = r"Your choice \(1-6\): "


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "phone.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture
def line_spec(tmp_path):
    path = tmp_path / "phone_line.toml"
    path.write_text(SPEC + "[checks.phone]\nask_line = true\n")
    return path


def run(bin_, *args, env):
    return subprocess.run(
        [bin_, *args], capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL
    )


def spawn(bin_, *args, env):
    child = pexpect.spawn(bin_, list(args), env=env, encoding="utf-8", timeout=20)
    child.setwinsize(40, 120)
    return child


def finish(child) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus if child.exitstatus is not None else -(
        child.signalstatus or 0
    ), child.before


# -- a real terminal -------------------------------------------------------------------
def test_prompt_shows_question_help_and_numbered_choices(deskready_bin, spec, env):
    child = spawn(deskready_bin, "check", "--profile", str(spec), env=env)
    child.expect("Which phone do you use for work calls")
    child.expect("cordless")  # the help says why cordless phones are not allowed
    child.expect(r"1\) A phone with a cord between handset and base")
    child.expect(r"5\) No phone: I take calls on the computer with my headset")
    child.expect(PROMPT)
    child.sendline("1")
    child.expect("READY")
    code, _rest = finish(child)
    assert code == 0


def test_bad_answer_then_good_answer(deskready_bin, spec, env):
    child = spawn(deskready_bin, "check", "--profile", str(spec), env=env)
    child.expect(PROMPT)
    child.sendline("9")
    child.expect("Answer to 'phone.kind' is not valid")
    child.expect("choose one of: corded, cordless, mobile, usb_handset, softphone_only, none")
    child.expect(PROMPT)  # asked again
    child.sendline("cordless")  # the stable value works as well as the number
    child.expect("NOT READY")
    code, _rest = finish(child)
    assert code == 1


def test_line_question_asked_when_the_spec_sets_ask_line(deskready_bin, line_spec, env, tmp_path):
    out_json = tmp_path / "r.json"
    child = spawn(
        deskready_bin, "check", "--profile", str(line_spec), "--json", str(out_json), env=env
    )
    child.expect(PROMPT)
    child.sendline("1")
    child.expect("What kind of phone line")
    child.expect(r"Your choice \(1-3\): ")
    child.sendline("2")
    code, _rest = finish(child)
    assert code == 0
    report = json.loads(out_json.read_text())
    [phone] = [r for r in report["results"] if r["check"] == "phone"]
    assert phone["measurements"] == {"phone.kind": "corded", "phone.line": "voip"}
    assert phone["declared"]["phone.line"]["source"] == "prompt"
    assert phone["declared"]["phone.kind"]["answered_at"]


def test_ctrl_c_mid_question_exits_130_without_traceback(deskready_bin, spec, env):
    child = spawn(deskready_bin, "check", "--profile", str(spec), env=env)
    child.expect(PROMPT)
    child.sendcontrol("c")
    code, rest = finish(child)
    assert code == 130
    assert "Traceback" not in rest
    assert "Stopped before any check ran" in rest


def test_end_of_input_mid_question_exits_130(deskready_bin, spec, env):
    child = spawn(deskready_bin, "check", "--profile", str(spec), env=env)
    child.expect(PROMPT)
    child.sendeof()
    code, rest = finish(child)
    assert code == 130
    assert "Traceback" not in rest


def test_no_input_on_a_terminal_does_not_ask(deskready_bin, spec, env):
    child = spawn(deskready_bin, "check", "--profile", str(spec), "--no-input", env=env)
    index = child.expect([PROMPT, "INCOMPLETE"])
    assert index == 1
    code, _rest = finish(child)
    assert code == 3


# -- answers given up front ------------------------------------------------------------
def test_no_input_leaves_the_phone_unknown_and_the_verdict_incomplete(deskready_bin, spec, env):
    out = run(deskready_bin, "check", "--profile", str(spec), "--no-input", "--json", "-", env=env)
    assert out.returncode == 3, out.stderr
    report = json.loads(out.stdout)
    assert report["verdict"] == "incomplete"
    [phone] = [r for r in report["results"] if r["check"] == "phone"]
    assert phone["measurements"] == {"phone.kind": None}
    assert phone["declared"] == {}


def test_answer_option_is_declared_in_the_report(deskready_bin, spec, env):
    out = run(
        deskready_bin,
        "check",
        "--profile",
        str(spec),
        "--answer",
        "phone.kind=corded",
        "--json",
        "-",
        env=env,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    [phone] = [r for r in report["results"] if r["check"] == "phone"]
    assert phone["measurements"]["phone.kind"] == "corded"
    assert phone["declared"]["phone.kind"]["source"] == "command-line"
    assert "(declared)" in out.stderr  # the table marks it


def test_not_allowed_answer_is_not_ready(deskready_bin, spec, env):
    out = run(
        deskready_bin, "check", "--profile", str(spec), "--answer", "phone.kind=mobile", env=env
    )
    assert out.returncode == 1
    assert "NOT READY" in out.stdout


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        ("answers.toml", '[phone]\nkind = "corded"\n', 0),
        ("answers.toml", '"phone.kind" = "cordless"\n', 1),
        ("answers.json", '{"phone.kind": "corded"}', 0),
        ("answers.json", '{"phone": {"kind": "usb_handset"}}', 1),
    ],
)
def test_answers_file_toml_and_json(deskready_bin, spec, env, tmp_path, name, text, code):
    path = tmp_path / name
    path.write_text(text)
    out = run(deskready_bin, "check", "--profile", str(spec), "--answers", str(path), env=env)
    assert out.returncode == code, out.stdout + out.stderr


def test_answer_option_overrides_the_answers_file(deskready_bin, spec, env, tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[phone]\nkind = "cordless"\n')
    out = run(
        deskready_bin,
        "check",
        "--profile",
        str(spec),
        "--answers",
        str(path),
        "--answer",
        "phone.kind=corded",
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr


# -- bad answers given up front: exit 2, naming the question and the allowed values ---
ALLOWED = "corded, cordless, mobile, usb_handset, softphone_only, none"


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--answer", "phone.kind=wireless"], ["'phone.kind'", ALLOWED]),
        (["--answer", "phone.kind"], ["ID=VALUE"]),
        (["--answer", "phone.kinds=corded"], ["no question 'phone.kinds'", "phone.kind"]),
        # phone.line is not asked unless the spec sets ask_line
        (["--answer", "phone.line=voip"], ["no question 'phone.line'"]),
    ],
)
def test_bad_answer_option_exits_2(deskready_bin, spec, env, args, expected):
    out = run(deskready_bin, "check", "--profile", str(spec), *args, env=env)
    assert out.returncode == 2
    message = _one_line(out.stderr)
    for text in expected:
        assert text in message
    assert "Traceback" not in out.stderr


def test_bad_line_answer_names_the_line_values(deskready_bin, line_spec, env):
    out = run(
        deskready_bin,
        "check",
        "--profile",
        str(line_spec),
        "--answer",
        "phone.kind=corded",
        "--answer",
        "phone.line=cable",
        env=env,
    )
    assert out.returncode == 2
    assert "'phone.line'" in out.stderr
    assert "landline, voip, mobile" in _one_line(out.stderr)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad.toml", '[phone]\nkind = "dect"\n', ["'phone.kind'", ALLOWED]),
        ("bad.json", '{"phone.kind": 3}', ["'phone.kind'", ALLOWED]),
        ("bad.json", '{"phone.kind": ', ["not valid JSON"]),
        ("bad.toml", "phone.kind = \n", ["not valid TOML"]),
        ("bad.json", '["corded"]', ["must map question ids"]),
        ("bad.toml", '[phone]\nkind = ["corded"]\n', ["'phone.kind'", "single value"]),
    ],
)
def test_bad_answers_file_exits_2(deskready_bin, spec, env, tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    out = run(deskready_bin, "check", "--profile", str(spec), "--answers", str(path), env=env)
    assert out.returncode == 2, out.stdout + out.stderr
    message = _one_line(out.stderr)
    for text_ in expected:
        assert text_ in message
    assert "Traceback" not in out.stderr


def test_missing_answers_file_exits_2(deskready_bin, spec, env, tmp_path):
    out = run(
        deskready_bin,
        "check",
        "--profile",
        str(spec),
        "--answers",
        str(tmp_path / "nope.toml"),
        env=env,
    )
    assert out.returncode == 2
    assert "Cannot read the answers file" in _one_line(out.stderr)
