"""Line location in spec source (deskready.spec.locate): right lines, linear time."""

from __future__ import annotations

import time

import pytest

from deskready.spec.locate import find_line, key_lines, split_key

SPEC = """\
# a comment with [not.a.header] and key = 1
[employer]
name = "ACME [/] Calls"   # trailing [comment]
notes = \"\"\"
[rules."not.real"]
fake = 1
\"\"\"

[rules]
"net.down_mbps" = { min = 10 }
'ram.gb' = { min = 4, max = 64 }
a . b = 1
servers = [
  "x",
  "[y]",
]
after_array = true

[[rules."os.name"]]
one_of = ["linux"]
[ checks . speed ]  # spaces around the dots
server = 'https://speed.example/[mini]'
"""


def test_headers_and_keys_get_their_lines():
    lines = key_lines(SPEC)
    assert lines[("employer",)] == 2
    assert lines[("employer", "name")] == 3
    assert lines[("employer", "notes")] == 4
    assert lines[("rules",)] == 9
    assert lines[("rules", "net.down_mbps")] == 10
    assert lines[("rules", "ram.gb")] == 11
    assert lines[("rules", "a", "b")] == 12
    assert lines[("rules", "servers")] == 13
    assert lines[("rules", "after_array")] == 17
    assert lines[("rules", "os.name")] == 19
    assert lines[("rules", "os.name", "one_of")] == 20
    assert lines[("checks", "speed")] == 21
    assert lines[("checks", "speed", "server")] == 22


def test_nothing_inside_strings_comments_or_arrays_is_taken_for_a_key():
    lines = key_lines(SPEC)
    assert ("rules", "not.real") not in lines
    assert ("employer", "fake") not in lines
    assert ("not", "a", "header") not in lines
    assert not any(path[-1] in {"[y]", "x"} for path in lines)


def test_find_line_falls_back_to_the_enclosing_key():
    lines = key_lines(SPEC)
    assert find_line(lines, ("rules", "net.down_mbps", "min")) == 10
    assert find_line(lines, ("nowhere",)) is None


def test_split_key():
    assert split_key('a."b.c".d') == ("a", "b.c", "d")
    assert split_key("  x . 'y.z' ") == ("x", "y.z")


@pytest.mark.parametrize(
    "text",
    [
        # The case from issue 14: '[' and spaces inside a multi-line string (was 29 s
        # for 3,000 spaces with the old regular expressions).
        'notes = """\n[' + " " * 1_000_000 + '\n"""\n',
        "[" + " " * 1_000_000 + "\n",
        "[a" + ".b" * 300_000 + "\n",
        "a" + " " * 1_000_000 + "\n",
        '"' + " " * 1_000_000 + "\n",
        'x = "' + "\\" * 1_000_000 + '"\n',
        "x = [" + "[" * 500_000 + "\n",
        "k" + " . k" * 200_000 + " = 1\n",
    ],
)
def test_a_one_megabyte_line_takes_well_under_a_second(text):
    start = time.monotonic()
    key_lines(text)
    assert time.monotonic() - start < 1
