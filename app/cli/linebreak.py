"""Where a line of terminal text may break, counted in cells, for every language we ship.

Rich and click break lines at spaces only, so a Japanese sentence (no spaces) is one long
"word": it is pushed to a line of its own, leaving the symbol before it alone ("?" on one
line, the requirement on the next), then cut at an arbitrary cell, so a line may start with
"、" or "）". Japanese text may break between any two full-width characters except before
closing punctuation and after opening punctuation (kinsoku shori, JIS X 4051 / W3C
"Requirements for Japanese Text Layout" §3.1.7); Latin text still breaks at spaces.
"""

from __future__ import annotations

import itertools

from rich.cells import cell_len

#: never at the start of a line: closing brackets, commas, full stops, the prolonged sound mark
NO_LINE_START = frozenset("、。，．・：；？！ー…‥）」』】〕〉》］｝〟’”,.:;!?)]}%")
#: never at the end of a line: opening brackets
NO_LINE_END = frozenset("（「『【〔〈《［｛〝‘“([{")


def may_break(before: str, after: str) -> bool:
    """True if a line may end after the character ``before`` and start with ``after``."""
    if after.isspace() or after in NO_LINE_START or before in NO_LINE_END:
        return False
    if before.isspace():
        return True
    return cell_len(before) == 2 or cell_len(after) == 2  # between full-width characters


def line_starts(text: str, width: int) -> list[int]:
    """The offsets in ``text`` (one paragraph, no newlines) where a new line starts, so that
    no line is wider than ``width`` cells. Spaces at a break hang past the margin (the
    caller strips them); a word wider than a whole line is cut at the margin."""
    starts: list[int] = []
    start = used = allowed = 0  # the line's start, its cells so far, its last break point
    for index, char in enumerate(text):
        if index > start and may_break(text[index - 1], char):
            allowed = index
        cells = cell_len(char)
        if not char.isspace() and index > start and used + cells > width:
            cut = allowed if allowed > start else index
            starts.append(cut)
            start, used = cut, cell_len(text[cut:index])
        used += cells
    return starts


def wrap_cells(text: str, width: int) -> list[str]:
    """``text`` wrapped to ``width`` terminal cells (see :func:`line_starts`). Paragraphs
    (blank lines) are kept; lines within one are joined, as click does."""
    lines: list[str] = []
    for number, paragraph in enumerate(text.split("\n\n")):
        if number:
            lines.append("")
        joined = " ".join(paragraph.split())
        if not joined:
            continue
        bounds = [0, *line_starts(joined, width), len(joined)]
        lines.extend(joined[a:b].rstrip() for a, b in itertools.pairwise(bounds))
    return lines
