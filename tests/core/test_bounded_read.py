"""The one bounded reader (deskready.bounded_read): what it refuses, and that its cheap
depth scan agrees with the real parsers."""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from deskready.bounded_read import (
    MAX_DEPTH,
    FileMissing,
    FileTooLarge,
    ReadProblem,
    decode_text,
    json_depth,
    load_json,
    load_toml,
    read_file,
    toml_depth,
)


def depth_of(value: Any) -> int:
    """Reference nesting: every dict or list is one level, scalars none."""
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


# -- the bytes --------------------------------------------------------------------------

CAP = 512


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=CAP))
def test_any_bytes_up_to_the_cap_round_trip(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.bin"
        path.write_bytes(data)
        assert read_file(path, limit=CAP) == data


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=CAP + 1, max_size=4 * CAP))
def test_above_the_cap_is_always_the_size_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.bin"
        path.write_bytes(data)
        with pytest.raises(FileTooLarge) as info:
            read_file(path, limit=CAP)
    assert info.value.size == len(data)
    assert "larger than 512 bytes" in info.value.reason


def test_the_cap_does_not_trust_st_size():
    # /proc files say st_size 0 whatever they hold; the bounded read still stops.
    with pytest.raises(FileTooLarge):
        read_file("/proc/self/maps", limit=8)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_at_once_without_a_writer(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(ReadProblem, match="pipe"):
        read_file(fifo, limit=1024)
    assert time.monotonic() - start < 1


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused():
    with pytest.raises(ReadProblem, match="device"):
        read_file("/dev/zero", limit=1024)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(ReadProblem, match="folder"):
        read_file(tmp_path, limit=1024)


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets")
def test_a_socket_is_refused():
    # A short folder name: a Unix socket path is limited to about 100 bytes.
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        path = os.path.join(folder, "s")
        server = socket.socket(socket.AF_UNIX)
        try:
            server.bind(path)
            with pytest.raises(ReadProblem, match="socket"):
                read_file(path, limit=1024)
        finally:
            server.close()


def test_a_missing_file_is_its_own_problem(tmp_path):
    with pytest.raises(FileMissing, match="does not exist"):
        read_file(tmp_path / "nope", limit=1024)


# -- the text ---------------------------------------------------------------------------


def test_a_byte_order_mark_is_accepted():
    assert decode_text(b"\xef\xbb\xbfa = 1\n") == "a = 1\n"


def test_nul_and_bad_utf8_name_their_line():
    with pytest.raises(ReadProblem, match="not a text file") as nul:
        decode_text(b"a\nb\nc\x00")
    assert nul.value.line == 3
    with pytest.raises(ReadProblem, match=r"not UTF-8 text \(byte 4\)") as bad:
        decode_text(b"ok\nx\xff")
    assert bad.value.line == 2


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_decodes_back(text):
    assume("\x00" not in text)
    assert decode_text(text.encode("utf-8")) == text


# -- nesting depth: the scan agrees with the parsers ------------------------------------

SCALARS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(
        [
            '"a [b] {c} = d, e.f # g"',
            r'"esc \" [ {"',
            "'lit [ { # '",
            '"""\n[[[ multi\n{ {"""',
            "'''\n[x.y.z]\n'''",
            '"""quotes ""inside"" ["""',
            "1979-05-27T07:32:00Z",
            "true",
        ]
    ),
)
KEYS = st.sampled_from(["k", "key-1", '"dotted.key"', "'lit.key'", "x_2"])


def _inline(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    arrays = st.lists(children, max_size=3).map(lambda items: "[ " + ", ".join(items) + " ]")
    pairs = st.lists(
        st.tuples(st.lists(KEYS, min_size=1, max_size=3, unique=True), children),
        max_size=3,
    ).map(
        lambda kvs: (
            "{ "
            + ", ".join(f"{'.'.join(['p' + str(i), *key])} = {v}" for i, (key, v) in enumerate(kvs))
            + " }"
        )
    )
    return st.one_of(arrays, pairs)


TOML_VALUES = st.recursive(SCALARS, _inline, max_leaves=12)


@st.composite
def toml_documents(draw: st.DrawFn) -> str:
    """Root keys, [tables] and [[arrays of tables]] with dotted keys and inline values."""
    lines: list[str] = []
    counter = 0

    def pairs() -> None:
        nonlocal counter
        for _ in range(draw(st.integers(0, 3))):
            counter += 1
            key = ".".join([f"v{counter}", *draw(st.lists(KEYS, max_size=3, unique=True))])
            comment = draw(st.sampled_from(["", "  # [[ { ", " # ]"]))
            lines.append(f"{key} = {draw(TOML_VALUES)}{comment}")

    pairs()
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.lists(st.sampled_from(["a", "b", '"c.d"']), min_size=1, max_size=4))
        brackets = draw(st.sampled_from(["[]", "[[]]"]))
        opening, closing = brackets[: len(brackets) // 2], brackets[len(brackets) // 2 :]
        lines.append(f"{opening} {'.'.join(path)} {closing}")
        pairs()
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(toml_documents())
def test_toml_depth_scan_agrees_with_tomllib(text):
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assume(False)
    assert toml_depth(text, limit=10_000) == depth_of(parsed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(toml_documents(), st.integers(1, 6))
def test_toml_depth_cap_refuses_exactly_what_is_too_deep(text, limit):
    try:
        depth = depth_of(tomllib.loads(text))
    except tomllib.TOMLDecodeError:
        assume(False)
    if depth > limit:
        with pytest.raises(ReadProblem, match=f"more than {limit} levels"):
            toml_depth(text, limit=limit)
    else:
        assert toml_depth(text, limit=limit) == depth


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    # Strings full of brackets, quotes and backslashes must not count.
    | st.text(alphabet='[]{}"\\ab,:NI\n'),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=4), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_json_depth_scan_agrees_with_json(value, pretty):
    text = json.dumps(value, indent=2 if pretty else None)
    assert json_depth(text, limit=10_000) == depth_of(value)
    assert load_json(text) == value


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[" + ".".join(["a"] * 3000) + "]\n", 1),  # a 3,000-level dotted header
        ("x = 1\n" + ".".join(["a"] * 3000) + " = 1\n", 2),  # a 3,000-part dotted key
        ("a = " + "{b = " * 100_000 + "1" + "}" * 100_000 + "\n", 1),
        ("a = [\n" + "[" * 100_000 + "]" * 100_000 + "]\n", 2),
        # Arrays of tables in arrays of tables: [[t]], [[t.t]], … each adds two levels,
        # so the 32nd header is the first one past 64.
        ("".join("[[" + ".".join(["t"] * n) + "]]\n" for n in range(1, 41)), 32),
    ],
)
def test_deep_toml_is_refused_with_its_line(text, line):
    start = time.monotonic()
    with pytest.raises(ReadProblem) as info:
        load_toml(text)
    assert info.value.reason == f"nested too deeply (more than {MAX_DEPTH} levels)"
    assert info.value.line == line
    assert time.monotonic() - start < 1


def test_deep_json_is_refused_with_its_line():
    with pytest.raises(ReadProblem, match="nested too deeply") as info:
        load_json('{"a":\n' + "[" * 100_000 + "]" * 100_000 + "}")
    assert info.value.line == 2


def test_recursion_error_is_the_last_resort():
    # With the scan told to allow anything, the parser's own RecursionError is still
    # turned into the same sentence (no line: the parser does not say where).
    deep = "[" * 100_000 + "]" * 100_000
    for load, text in ((load_json, deep), (load_toml, f"a = {deep}\n")):
        with pytest.raises(ReadProblem, match="nested too deeply") as info:
            load(text, max_depth=10**9)
        assert info.value.line is None


# -- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word", "line"),
    [
        ('{"a":\n NaN}', "NaN", 2),
        ("[1,\n\n-Infinity]", "Infinity", 3),
        ('["NaN", Infinity]', "Infinity", 1),
    ],
)
def test_json_nan_and_infinity_are_refused(text, word, line):
    with pytest.raises(ReadProblem, match=f"{word} is not a number JSON allows") as info:
        load_json(text)
    assert info.value.line == line


def test_json_float_overflow_is_refused():
    with pytest.raises(ReadProblem, match="the number 1e999 is too large"):
        load_json("[1e999]")


@pytest.mark.skipif(sys.get_int_max_str_digits() == 0, reason="no integer digit limit")
@pytest.mark.parametrize(
    ("load", "text"),
    [
        (load_json, '{"a": "' + "1" * 5000 + '",\n "b": ' + "9" * 5000 + "}"),
        (load_toml, 'a = "' + "1" * 5000 + '"\nb = ' + "9" * 5000 + "\n"),
    ],
)
def test_a_5000_digit_integer_is_worded_with_its_line(load, text):
    with pytest.raises(ReadProblem, match="more than 4300 digits") as info:
        load(text)
    # The string of digits on line 1 is not a number; the line is the number's.
    assert info.value.line == 2


def test_syntax_errors_keep_the_parsers_words_and_line():
    with pytest.raises(ReadProblem) as toml_info:
        load_toml("a = 1\nb = \n")
    assert toml_info.value.syntax
    assert toml_info.value.line == 2
    assert toml_info.value.reason.startswith("not valid TOML: ")
    with pytest.raises(ReadProblem) as json_info:
        load_json('{\n"a": }')
    assert json_info.value.syntax
    assert json_info.value.line == 2
    assert json_info.value.detail == "Expecting value"
