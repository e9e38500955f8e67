"""Finds the line of a key in TOML source, so a spec problem can say where it is.

tomllib gives no positions, so this scans the text for table headers and keys. It only
has to be right for well-formed files (malformed ones are reported by tomllib itself,
with their line), and a miss just means the message has no line number.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="""
)
_PART = re.compile(r"""\s*("([^"]*)"|'([^']*)'|([A-Za-z0-9_\-]+))\s*""")


def split_key(dotted: str) -> tuple[str, ...]:
    """Split a TOML key (``a."b.c".d``) into its parts."""
    parts: list[str] = []
    pos = 0
    while pos < len(dotted):
        match = _PART.match(dotted, pos)
        if not match:
            break
        parts.append(match.group(2) or match.group(3) or match.group(4) or "")
        pos = match.end()
        if pos < len(dotted) and dotted[pos] == ".":
            pos += 1
    return tuple(parts)


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map every table header and key path to the first line (1-based) it appears on."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = split_key(header.group(2))
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault(table + split_key(key.group(1)), number)
    return lines


def find_line(lines: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int | None:
    """Line of ``path``, or of its closest enclosing key that is known."""
    for end in range(len(path), 0, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None
