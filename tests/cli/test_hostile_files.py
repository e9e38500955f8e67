"""Hostile files through the installed ``deskready`` command (issue 14).

Every file deskready reads (``-p`` spec, ``--answers``, ``report show``/``verify`` JSON
and PDF) goes through deskready.bounded_read. Each case must finish within 5 s with its
documented exit code (2: a file it cannot use), one sentence and no traceback. The small
files are in tests/data/hostile/ (see its README.md); pipes, folders, big and deeply
nested files are made here.

The spec cases use ``--only os``: the exit code for a partial run may change (to 3,
"incomplete"), so a refused spec asserts exit 2 and an accepted one "not 2".
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import DATA

HOSTILE = DATA / "hostile"
SPEC = '[employer]\nname = "ACME Calls"\n[rules]\n"os.name" = { one_of = ["linux", "windows", "macos"] }\n'
LIMIT_S = 5.0


def run(
    bin_: str, *args: str, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    out = subprocess.run(
        [bin_, *args], capture_output=True, text=True, env=env, timeout=30, stdin=subprocess.DEVNULL
    )
    return out, time.monotonic() - start


def assert_clean(out: subprocess.CompletedProcess[str], seconds: float) -> str:
    text = out.stdout + out.stderr
    assert seconds < LIMIT_S, f"took {seconds:.1f} s: {text[-500:]}"
    assert "Traceback" not in text, text[-2000:]
    assert "Unexpected problem" not in text, text[-2000:]
    return " ".join(text.split())  # rich wraps long messages; compare on one line


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """Hostile files too big, or of a kind, that cannot be committed."""
    root = tmp_path_factory.mktemp("hostile")
    files: dict[str, Path] = {"folder": root / "folder.toml", "folder.pdf": root / "folder.pdf"}
    for folder in (files["folder"], files["folder.pdf"]):
        folder.mkdir()
    if hasattr(os, "mkfifo"):
        for name in ("fifo.toml", "fifo.json", "fifo.pdf"):
            os.mkfifo(root / name)
            files[name] = root / name
    files["2mb.toml"] = root / "2mb.toml"
    files["2mb.toml"].write_bytes(b"#" * (2 * 1024 * 1024 - 1) + b"\n")
    files["2mb.json"] = root / "2mb.json"
    files["2mb.json"].write_bytes(b" " * (2 * 1024 * 1024))
    # A report may be 20 MB: 21 MB of a sparse file (zeros, and a st_size that is right).
    files["21mb.json"] = root / "21mb.json"
    with files["21mb.json"].open("wb") as fp:
        fp.truncate(21 * 1024 * 1024)
    deep_inline = "x = " + "{b = " * 100_000 + "1" + "}" * 100_000 + "\n"
    files["deep_inline.toml"] = root / "deep_inline.toml"
    files["deep_inline.toml"].write_text(SPEC + deep_inline)
    files["deep_answers.toml"] = root / "deep_answers.toml"  # under the 256 kB cap
    files["deep_answers.toml"].write_text("x = " + "{b = " * 30_000 + "1" + "}" * 30_000 + "\n")
    files["deep.json"] = root / "deep.json"
    files["deep.json"].write_text(
        '{"schema": "deskready-report/1",\n"x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    # The line that made the old locator cubic, at 1 MB (the old code would take days).
    files["1mb_line.toml"] = root / "1mb_line.toml"
    files["1mb_line.toml"].write_text(
        SPEC.replace(
            'name = "ACME Calls"\n',
            'name = "ACME Calls"\nnotes = """\n[' + " " * 1_000_000 + '\n"""\n',
        )
    )
    return files


def path_of(made: dict[str, Path], name: str) -> str:
    if name == "/dev/zero":
        if not Path(name).exists():
            pytest.skip("no /dev/zero here")
        return name
    if name.startswith("fifo") and name not in made:
        pytest.skip("no FIFOs on this system")
    return str(made[name]) if name in made else str(HOSTILE / name)


# -- the employer spec (-p) -------------------------------------------------------------

SPEC_REFUSED = [
    ("fifo.toml", "this is a pipe (FIFO), not a regular file"),
    ("/dev/zero", "this is a device, not a regular file"),
    ("folder", "this is a folder, not a file"),
    ("2mb.toml", "the file is 2048 kB; a spec is at most 1024 kB"),
    ("spec_deep_header.toml", "spec_deep_header.toml:5: nested too deeply (more than 64 levels)"),
    ("deep_inline.toml", "deep_inline.toml:5: nested too deeply (more than 64 levels)"),
    ("spec_bigint.toml", "spec_bigint.toml:6: a number has more than 4300 digits"),
    ("spec_invalid_utf8.toml", "spec_invalid_utf8.toml:6: the file is not UTF-8 text (byte 117)"),
    ("spec_nul.toml", "spec_nul.toml:5: this is not a text file"),
    (
        "spec_jp.toml",
        "spec_jp.toml:1: report_language: unknown language 'jp'; use one of: en, ja, de, nl, ms"
        " (did you mean 'ja'?)",
    ),
]


@pytest.mark.parametrize(("name", "message"), SPEC_REFUSED)
def test_a_hostile_spec_exits_2_with_one_sentence(deskready_bin, env, made, name, message):
    out, seconds = run(
        deskready_bin, "check", "-p", path_of(made, name), "--only", "os", "--no-input", env=env
    )
    text = assert_clean(out, seconds)
    assert out.returncode == 2, text
    assert message in text


@pytest.mark.parametrize("name", ["spec_bom.toml", "spec_cubic_line.toml", "1mb_line.toml"])
def test_an_odd_but_valid_spec_is_accepted(deskready_bin, env, made, name):
    out, seconds = run(
        deskready_bin, "check", "-p", path_of(made, name), "--only", "os", "--no-input", env=env
    )
    text = assert_clean(out, seconds)
    assert out.returncode != 2, text
    assert "Readiness check for ACME Calls" in text


# -- the answers file (--answers) -------------------------------------------------------

ANSWERS_REFUSED = [
    ("fifo.json", "this is a pipe (FIFO), not a regular file"),
    ("/dev/zero", "this is a device, not a regular file"),
    ("folder", "folder.toml' is a directory"),  # click's own check comes first
    ("2mb.toml", "the file is larger than 256 kB"),
    ("deep_answers.toml", "deep_answers.toml:1: nested too deeply (more than 64 levels)"),
    ("deep.json", "deep.json:2: nested too deeply (more than 64 levels)"),
    ("answers_nan.json", "answers_nan.json:2: NaN is not a number JSON allows"),
    ("answers_bigint.json", "answers_bigint.json:2: a number has more than 4300 digits"),
    ("answers_invalid_utf8.toml", "answers_invalid_utf8.toml:1: the file is not UTF-8 text"),
    ("spec_nul.toml", "spec_nul.toml:5: this is not a text file"),
]


@pytest.fixture
def spec_file(tmp_path) -> str:
    path = tmp_path / "acme.toml"
    path.write_text(SPEC)
    return str(path)


@pytest.mark.parametrize(("name", "message"), ANSWERS_REFUSED)
def test_a_hostile_answers_file_exits_2(deskready_bin, env, made, spec_file, name, message):
    answers = path_of(made, name)
    out, seconds = run(
        deskready_bin,
        "check",
        "-p",
        spec_file,
        "--only",
        "os",
        "--no-input",
        "--answers",
        answers,
        env=env,
    )
    text = assert_clean(out, seconds)
    assert out.returncode == 2, text
    assert name == "folder" or "Cannot read the answers file" in text
    assert message in text


@pytest.mark.parametrize("name", ["answers_bom.toml", "answers_bom.json"])
def test_an_answers_file_with_a_byte_order_mark_is_accepted(deskready_bin, env, spec_file, name):
    out, seconds = run(
        deskready_bin,
        "check",
        "-p",
        spec_file,
        "--only",
        "os",
        "--no-input",
        "--answers",
        str(HOSTILE / name),
        env=env,
    )
    text = assert_clean(out, seconds)
    assert out.returncode != 2, text
    assert "Readiness check for ACME Calls" in text


# -- saved reports (report show / report verify) ----------------------------------------

REPORT_REFUSED = [
    ("fifo.json", "this is a pipe (FIFO), not a regular file"),
    ("/dev/zero", "this is a device, not a regular file"),
    ("folder", "this is a folder, not a file"),
    ("21mb.json", "is too large to be a report"),
    ("2mb.json", "is not a JSON report"),
    ("deep.json", "deep.json:2: nested too deeply (more than 64 levels)"),
    ("report_deep_small.json", "report_deep_small.json:1: nested too deeply (more than 64 levels)"),
    ("report_nan.json", "report_nan.json:3: NaN is not a number JSON allows"),
    ("report_infinity.json", "report_infinity.json:1: Infinity is not a number JSON allows"),
    ("report_bigint.json", "report_bigint.json:2: a number has more than 4300 digits"),
    (
        "report_invalid_utf8.json",
        "report_invalid_utf8.json:1: the file is not UTF-8 text (byte 39)",
    ),
    ("report_nul.json", "report_nul.json:1: this is not a text file"),
    ("fifo.pdf", "this is a pipe (FIFO), not a regular file"),
    ("folder.pdf", "this is a folder, not a file"),
]


@pytest.mark.parametrize(("name", "message"), REPORT_REFUSED)
def test_report_show_refuses_a_hostile_file_with_exit_2(deskready_bin, env, made, name, message):
    out, seconds = run(deskready_bin, "report", "show", path_of(made, name), env=env)
    text = assert_clean(out, seconds)
    assert out.returncode == 2, text
    assert message in text


@pytest.mark.parametrize(("name", "message"), REPORT_REFUSED)
def test_report_verify_refuses_a_hostile_file(deskready_bin, env, made, name, message):
    out, seconds = run(deskready_bin, "report", "verify", path_of(made, name), env=env)
    text = assert_clean(out, seconds)
    assert message in text
    assert out.returncode == 2, text  # a PDF with nothing to verify too (item 6)


# -- sealed but malformed, resealed, unsealed reports; bombs; output (items 6-8) -------

REPORT_NOT_A_REPORT = [
    ("report_sealed_no_verdict.json", "is not a deskready report: 'verdict' is missing."),
    ("report_sealed_results_x.json", "is not a deskready report: 'results' is not a list."),
    ("report_sealed_rules_object.json", "is not a deskready report: 'rules' is not a list."),
    (
        "report_sealed_rule_kind.json",
        "'rules[0].expected' names the requirement 'between', which deskready does not know",
    ),
]


@pytest.mark.parametrize(("name", "message"), REPORT_NOT_A_REPORT)
@pytest.mark.parametrize("command", ["show", "verify"])
def test_a_sealed_malformed_report_is_not_a_report(deskready_bin, env, name, message, command):
    out, seconds = run(deskready_bin, "report", command, str(HOSTILE / name), env=env)
    text = assert_clean(out, seconds)
    assert out.returncode == 2, text
    assert message in text


def test_a_resealed_report_with_a_flipped_verdict_fails_verify(deskready_bin, env):
    path = str(HOSTILE / "report_resealed_ready.json")
    out, seconds = run(deskready_bin, "report", "verify", path, env=env)
    text = assert_clean(out, seconds)
    assert out.returncode == 1, text
    assert "✘ verdict: says ready, but its rule outcomes make it not_ready" in text
    shown, seconds = run(deskready_bin, "report", "show", path, env=env)
    assert shown.returncode == 1
    assert "Warning: verdict: says ready" in assert_clean(shown, seconds)


def test_an_unsealed_report_is_shown_with_a_warning(deskready_bin, env):
    out, seconds = run(
        deskready_bin, "report", "show", str(HOSTILE / "report_unsealed.json"), env=env
    )
    text = assert_clean(out, seconds)
    assert out.returncode == 1, text
    assert text.startswith("Warning: the report has no integrity digest")
    assert text.endswith("nothing shows it is as deskready wrote it")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    """A zip bomb (an attachment inflating past pypdf's 75 MB limit, 80 kB on disk) and a
    PDF with a wrong startxref, over which pypdf logs WARNING lines while it recovers."""
    import json
    import re
    import shutil

    from tests.pdf.helpers import load_sample
    from tests.pdf.test_pdf_verify import _inflating_pdf

    root = tmp_path_factory.mktemp("hostile_pdf")
    _inflating_pdf(root / "bomb.pdf", 80_000_000)
    good = root / "good.pdf"
    sample = root / "sample.json"
    sample.write_text(json.dumps(load_sample()), encoding="utf-8")
    # rendered by the command, not in this process: a headless Qt application made here
    # would keep the GUI tests, later in the same run, from making theirs
    deskready = shutil.which("deskready")
    assert deskready is not None
    made = subprocess.run(
        [deskready, "report", "pdf", str(sample), "-o", str(good)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    raw = good.read_bytes()
    at = raw.rindex(b"startxref")
    (root / "warns.pdf").write_bytes(
        raw[:at] + re.sub(rb"startxref\s+\d+", b"startxref\n12", raw[at:])
    )
    return {"bomb.pdf": root / "bomb.pdf", "warns.pdf": root / "warns.pdf"}


@pytest.mark.parametrize("command", ["show", "verify"])
def test_a_pdf_bomb_is_worded(deskready_bin, env, pdfs, command):
    out, seconds = run(deskready_bin, "report", command, str(pdfs["bomb.pdf"]), env=env)
    text = assert_clean(out, seconds)
    assert out.returncode == 2, text
    assert "is not a readable PDF: a part of it expands to more data than a report can hold" in text


def test_pypdf_warnings_do_not_reach_the_terminal(deskready_bin, env, pdfs):
    out, seconds = run(deskready_bin, "report", "verify", str(pdfs["warns.pdf"]), env=env)
    text = assert_clean(out, seconds)
    assert out.returncode == 0, text
    assert "startxref" not in text
    assert text.startswith("✔")
    debug, _s = run(deskready_bin, "--debug", "report", "verify", str(pdfs["warns.pdf"]), env=env)
    assert "pypdf: incorrect startxref" in debug.stderr  # --debug still shows them


def test_json_to_a_full_stdout(deskready_bin, env, spec_file):
    start = time.monotonic()
    with open("/dev/full", "w") as full:
        out = subprocess.run(
            [deskready_bin, "check", "-p", spec_file, "--only", "os", "--no-input", "--json", "-"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=30,
        )
    text = " ".join(out.stderr.split())
    assert time.monotonic() - start < LIMIT_S
    assert out.returncode == 2, text
    assert "Cannot write the JSON report to standard output: No space left on device" in text
    assert "Unexpected problem" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "{tmp}/missing/r.json"], "the folder {tmp}/missing does not exist"),
        (["--json", "{tmp}/x", "--pdf", "{tmp}/x"], "--json and --pdf name the same file"),
    ],
)
def test_bad_output_paths_before_the_run(deskready_bin, env, spec_file, tmp_path, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    out, seconds = run(
        deskready_bin, "check", "-p", spec_file, "--only", "os", "--no-input", *args, env=env
    )
    text = assert_clean(out, seconds)
    assert out.returncode == 2, text
    assert message.format(tmp=tmp_path) in text
    assert "Checking against" not in text
