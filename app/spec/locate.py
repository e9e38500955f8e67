"""Finds the line of a key in TOML source, so a spec problem can say where it is.

tomllib gives no positions, so this scans the text for table headers and keys. It only
has to be right for well-formed files (malformed ones are reported by tomllib itself,
with their line), and a miss just means the message has no line number.

The scan is one linear pass (issue 14): the earlier line-by-line regular expressions had
nested quantifiers, and a line of ``[`` plus 3,000 spaces inside a multi-line string took
29 s. Now strings (multi-line ones too), comments and multi-line arrays are skipped as
whole tokens, so text inside them is never taken for a header or a key, and every
pattern is a single possessive run that cannot backtrack.
"""

from __future__ import annotations

import re

from deskready.bounded_read import skip_toml_string

_BLANK = re.compile(r"[ \t\r\f\v]*+")
_PART = re.compile(
    r"""[ \t]*+(?:"((?:[^"\\\n]++|\\.)*+)"|'([^'\n]*+)'|([A-Za-z0-9_\-]++))[ \t]*+"""
)
_VALUE_SPECIAL = re.compile(r"""["'#\[\]{}\n]""")


def _parts(text: str, pos: int) -> tuple[tuple[str, ...], int]:
    """The dotted key starting at ``pos`` (``a."b.c".d``) and the index after it."""
    parts: list[str] = []
    while True:
        match = _PART.match(text, pos)
        if not match:
            return tuple(parts), pos
        parts.append(next((g for g in match.groups() if g is not None), ""))
        pos = match.end()
        if pos < len(text) and text[pos] == ".":
            pos += 1
        else:
            return tuple(parts), pos


def split_key(dotted: str) -> tuple[str, ...]:
    """Split a TOML key (``a."b.c".d``) into its parts."""
    return _parts(dotted, 0)[0]


def _skip_statement(text: str, pos: int, line: int) -> tuple[int, int]:
    """Skip to the start of the next top-level line: past strings, comments and any
    brackets still open (a multi-line array). Returns (index, line number there)."""
    depth = 0
    size = len(text)
    while pos < size:
        found = _VALUE_SPECIAL.search(text, pos)
        if found is None:
            return size, line
        index = found.start()
        char = text[index]
        if char == "\n":
            line += 1
            pos = index + 1
            if depth == 0:
                return pos, line
        elif char == "#":
            newline = text.find("\n", index)
            pos = size if newline < 0 else newline
        elif char in "\"'":
            pos = skip_toml_string(text, index)
            line += text.count("\n", index, pos)
        elif char in "[{":
            depth += 1
            pos = index + 1
        else:
            depth = max(0, depth - 1)
            pos = index + 1
    return size, line


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map every table header and key path to the first line (1-based) it appears on."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    pos = 0
    line = 1
    size = len(text)
    while pos < size:
        pos = _BLANK.match(text, pos).end()  # type: ignore[union-attr]  # * always matches
        if pos >= size:
            break
        char = text[pos]
        if char == "\n":
            line += 1
            pos += 1
            continue
        if char == "[":
            start = pos + (2 if text.startswith("[[", pos) else 1)
            parts, end = _parts(text, start)
            if parts and text.startswith("]", end):
                table = parts
                lines.setdefault(table, line)
                pos = end + (2 if text.startswith("]]", end) else 1)
            else:  # not a header after all (malformed): the rest of the line is no key
                newline = text.find("\n", pos)
                pos = size if newline < 0 else newline
        elif char != "#":
            parts, end = _parts(text, pos)
            if parts and text.startswith("=", end):
                lines.setdefault(table + parts, line)
                pos = end + 1
        pos, line = _skip_statement(text, pos, line)
    return lines


def find_line(lines: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int | None:
    """Line of ``path``, or of its closest enclosing key that is known."""
    for end in range(len(path), 0, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None
