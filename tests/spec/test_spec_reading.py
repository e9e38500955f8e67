"""Reading a spec file: the bounded reader's refusals arrive as SpecError problems with
the file and line, a byte-order mark is accepted, and report_language is a bundled one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deskready.checks.i18n import LANGUAGES
from deskready.spec import SpecError, load_spec_text
from deskready.spec.loader import load_spec, load_spec_bytes
from tests.core.fakes import RamCheck, registry_of

REG = registry_of(RamCheck)
SPEC = '[employer]\nname = "ACME"\n[rules]\n"ram.gb" = { min = 4 }\n'


def problem_of(call, *args, **kwargs):
    with pytest.raises(SpecError) as info:
        call(*args, **kwargs)
    assert len(info.value.problems) == 1
    return info.value.problems[0]


def test_a_byte_order_mark_is_accepted_and_hashed_as_given():
    plain = load_spec_bytes(SPEC.encode(), REG, file_name="a.toml")
    marked = load_spec_bytes(b"\xef\xbb\xbf" + SPEC.encode(), REG, file_name="a.toml")
    assert marked.rules == plain.rules
    assert marked.sha256 != plain.sha256  # the digest is of the file's own bytes


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_spec_is_a_problem_not_a_hang(tmp_path):
    fifo = tmp_path / "spec.toml"
    os.mkfifo(fifo)
    problem = problem_of(load_spec, fifo, REG)
    assert problem.render("spec.toml") == "spec.toml: this is a pipe (FIFO), not a regular file"


def test_a_folder_and_a_missing_file(tmp_path):
    assert "folder" in problem_of(load_spec, tmp_path, REG).message
    assert "does not exist" in problem_of(load_spec, tmp_path / "nope.toml", REG).message


def test_a_file_over_the_cap_says_its_size(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (2 * 1024 * 1024))
    assert (
        problem_of(load_spec, big, REG).message == "the file is 2048 kB; a spec is at most 1024 kB"
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (SPEC + "[" + ".".join(["a"] * 3000) + "]\n", 5),
        (SPEC + "x = " + "{b = " * 100_000 + "1" + "}" * 100_000 + "\n", 5),
    ],
)
def test_deep_nesting_names_the_line(text, line):
    problem = problem_of(load_spec_text, text, REG, file_name="deep.toml")
    assert (
        problem.render("deep.toml") == f"deep.toml:{line}: nested too deeply (more than 64 levels)"
    )


def test_a_huge_integer_is_worded_with_its_line():
    problem = problem_of(load_spec_text, SPEC + "x = " + "9" * 5000 + "\n", REG)
    assert problem.line == 5
    assert "more than 4300 digits" in problem.message


def test_nul_bytes_name_their_line():
    problem = problem_of(load_spec_bytes, SPEC.encode() + b"a = 1\x00\n", REG, file_name="n.toml")
    assert problem.render("n.toml") == "n.toml:5: this is not a text file"


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_bundled_report_language_is_accepted(code):
    assert load_spec_text(f'report_language = "{code}"\n' + SPEC, REG).report_language == code


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("jp", " (did you mean 'ja'?)"),
        ("ja-JP", " (did you mean 'ja'?)"),
        ("EN", " (did you mean 'en'?)"),
        ("my", " (did you mean 'ms'?)"),
        ("../../etc/xx", ""),
    ],
)
def test_an_unknown_report_language_is_refused_with_a_hint(code, hint):
    problem = problem_of(load_spec_text, f'report_language = "{code}"\n' + SPEC, REG)
    assert problem.location == "report_language"
    assert problem.line == 1
    assert problem.message == (f"unknown language '{code}'; use one of: en, ja, de, nl, ms{hint}")


def test_report_language_must_still_be_text():
    problem = problem_of(load_spec_text, "report_language = 1\n" + SPEC, REG)
    assert problem.message == "must be a language code such as 'en'"


def test_the_spec_named_in_problems_is_the_file_name(tmp_path: Path):
    path = tmp_path / "acme.toml"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(SpecError) as info:
        load_spec(path, REG)
    assert str(info.value).splitlines()[1] == "  acme.toml:1: the file is not UTF-8 text (byte 0)"
