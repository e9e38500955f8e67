"""One bounded way to read every file a person hands deskready: spec, answers, report.

Why one reader: each file deskready reads (the employer's spec, the agent's answers file,
a saved report as JSON or PDF) may come from anyone, by mistake or on purpose. Before this
module each reader checked ``stat().st_size`` and then read the whole file, which is 0 for
a pipe or ``/dev/zero``: ``-p /dev/zero`` read forever, a FIFO hung, a 100,000-deep JSON
array ended in ``RecursionError``. So every reader now goes through the same four steps:

1. :func:`read_file` opens with ``O_NONBLOCK`` (a FIFO without a writer cannot block the
   open), refuses anything that ``fstat`` on the opened descriptor says is not a regular
   file, and reads at most ``limit + 1`` bytes: the size cap holds even when ``st_size``
   lies (``/proc`` files, a file that grows while read).
2. :func:`decode_text` accepts a UTF-8 byte-order mark (Windows Notepad writes one) and
   names the line of a NUL byte or of invalid UTF-8.
3. :func:`load_toml` / :func:`load_json` first run a linear scan of brackets, braces and
   dotted keys (strings and comments skipped) that refuses nesting deeper than
   :data:`MAX_DEPTH` with its line, then parse. ``RecursionError`` is still caught, as a
   last resort, should the scan ever under-count.
4. Numbers: JSON ``NaN``/``Infinity`` and floats that overflow to infinity are refused;
   an integer longer than Python's digit limit (``sys.get_int_max_str_digits``) is worded
   with its line instead of escaping as a ``ValueError``.

Every problem is a :class:`ReadProblem`: a reason in words (translated) and the line
where there is one, but no file name. Each caller wraps it in its own error type
(``SpecError``, ``AnswerError``, ``ReportFileError``, ``EmbeddedReportError``) with the
file's name, so the CLI keeps showing them as usage errors (exit 2).

It lives in ``app/`` (``deskready.bounded_read``), not ``checks/``: only the application
reads files that people give it. Checks read operating-system facts (``/proc``, command
output) through their adapters, which have their own bounds.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import stat
import sys
import tomllib
from typing import Any

from deskready.checks.i18n import _, ngettext

#: No file deskready reads nests deeper than a few levels (a spec: rules → metric → one_of
#: → list); 64 leaves room for any honest file and stays far below Python's recursion limit.
MAX_DEPTH = 64


class ReadProblem(Exception):
    """What is wrong with a file, for the agent: a reason and, where known, the line.

    Attributes:
        reason: the whole explanation, e.g. ``"not valid TOML: Invalid statement"``.
        line: 1-based line, or None when the problem is not at one place.
        detail: for a syntax error, the parser's own words (without "not valid TOML:"),
            for callers whose message already says which format it expected.
        syntax: True when the text is not valid TOML/JSON at all (the parser said so);
            False for a file that cannot be read, is not text, or breaks a limit.
    """

    def __init__(
        self, reason: str, line: int | None = None, *, detail: str = "", syntax: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.detail = detail or reason
        self.syntax = syntax

    def where(self, name: str | os.PathLike[str]) -> str:
        """``name:line`` when the line is known, else ``name``."""
        return f"{name}:{self.line}" if self.line is not None else str(name)


class FileMissing(ReadProblem):
    """The file does not exist (some callers word this case on its own)."""


class FileTooLarge(ReadProblem):
    """The file holds more than the reader's limit.

    ``size`` is at least ``limit + 1``: the real size when the file says it (a regular
    file's ``st_size``), else what was read before the reader stopped.
    """

    def __init__(self, reason: str, *, size: int, limit: int) -> None:
        super().__init__(reason)
        self.size = size
        self.limit = limit


# -- 1. the bytes -----------------------------------------------------------------------


def size_words(limit: int) -> str:
    """A size limit in words: ``"1024 kB"``, or bytes for limits under a kilobyte."""
    if limit >= 1024:
        return _("{size} kB").format(size=limit // 1024)
    return ngettext("{size} byte", "{size} bytes", limit).format(size=limit)


def _not_regular(mode: int) -> ReadProblem:
    if stat.S_ISDIR(mode):
        return ReadProblem(_("this is a folder, not a file"))
    if stat.S_ISFIFO(mode):
        return ReadProblem(_("this is a pipe (FIFO), not a regular file"))
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return ReadProblem(_("this is a device, not a regular file"))
    if stat.S_ISSOCK(mode):
        return ReadProblem(_("this is a socket, not a regular file"))
    return ReadProblem(_("this is not a regular file"))


def _open_problem(path: str | os.PathLike[str], exc: OSError) -> ReadProblem:
    if isinstance(exc, FileNotFoundError):
        return FileMissing(_("the file does not exist"))
    if isinstance(exc, IsADirectoryError) or (
        isinstance(exc, PermissionError) and os.path.isdir(path)  # Windows opens no folder
    ):
        return ReadProblem(_("this is a folder, not a file"))
    if isinstance(exc, PermissionError):
        return ReadProblem(_("permission denied"))
    if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP):  # a Unix socket cannot be opened
        try:
            return _not_regular(os.stat(path).st_mode)
        except OSError:
            pass
    return ReadProblem(exc.strerror or str(exc))


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO without a writer must not block the open
    | getattr(os, "O_NOCTTY", 0)  # a terminal device must not become ours
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_CHUNK = 1024 * 1024


def read_file(path: str | os.PathLike[str], *, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Raises:
        FileMissing: there is no such file.
        FileTooLarge: it holds more than ``limit`` bytes.
        ReadProblem: a folder, pipe, device or socket; permission denied; a read error.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _open_problem(path, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(info.st_mode)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(limit + 1 - total, _CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise ReadProblem(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if total > limit:
        raise FileTooLarge(
            _("the file is larger than {limit}").format(limit=size_words(limit)),
            size=max(total, info.st_size),
            limit=limit,
        )
    return b"".join(chunks)


# -- 2. the text ------------------------------------------------------------------------


def _line_of_byte(data: bytes, index: int) -> int:
    return data.count(b"\n", 0, index) + 1


def decode_text(data: bytes) -> str:
    """UTF-8 text from ``data``, without a leading byte-order mark.

    Raises:
        ReadProblem: a NUL byte (not a text file) or bytes that are not UTF-8, with the line.
    """
    offset = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    nul = data.find(b"\x00", offset)
    if nul >= 0:
        raise ReadProblem(_("this is not a text file"), _line_of_byte(data, nul))
    try:
        return data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start + offset
        raise ReadProblem(
            _("the file is not UTF-8 text (byte {pos})").format(pos=at), _line_of_byte(data, at)
        ) from None


def read_text_file(path: str | os.PathLike[str], *, limit: int) -> str:
    """:func:`read_file` then :func:`decode_text`."""
    return decode_text(read_file(path, limit=limit))


# -- 3. nesting depth -------------------------------------------------------------------


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _too_deep(text: str, index: int | None, limit: int) -> ReadProblem:
    return ReadProblem(
        _("nested too deeply (more than {limit} levels)").format(limit=limit),
        None if index is None else _line_at(text, index),
    )


# Possessive quantifiers (Python 3.11+) keep every string match linear: no backtracking.
_BASIC_REST = re.compile(r'(?:[^"\\\n]++|\\.)*+"')
_LITERAL_REST = re.compile(r"[^'\n]*+'")
_ML_BASIC_REST = re.compile(r'(?:[^"\\]++|\\.|"(?!""))*+"""', re.DOTALL)
_ML_LITERAL_END = "'''"


def skip_toml_string(text: str, pos: int) -> int:
    """Index just after the TOML string that starts at ``text[pos]`` (a quote).

    An unterminated one-line string ends at its line's end (the parser reports it), an
    unterminated multi-line string at the end of the text. Linear in the string's length.
    """
    quote = text[pos]
    if text.startswith(quote * 3, pos):
        if quote == '"':
            found = _ML_BASIC_REST.match(text, pos + 3)
            end = found.end() if found else -1
        else:
            end = text.find(_ML_LITERAL_END, pos + 3)
            end = end + 3 if end >= 0 else -1
        if end < 0:
            return len(text)
        # Up to two more quotes belong to the content: '''a''''' is "a''".
        for _extra in range(2):
            if end < len(text) and text[end] == quote:
                end += 1
        return end
    found = (_BASIC_REST if quote == '"' else _LITERAL_REST).match(text, pos + 1)
    if found:
        return found.end()
    newline = text.find("\n", pos)
    return len(text) if newline < 0 else newline


_TOML_SPECIAL = re.compile(r"""["'#\[\]{}=,.\n]""")
_TOML_HEADER_PART = re.compile(
    r"""[ \t]*+(?:"((?:[^"\\\n]++|\\.)*+)"|'([^'\n]*+)'|([A-Za-z0-9_\-]++))[ \t]*+"""
)


class _Trie:
    """Table paths declared as arrays of tables (``[[a.b]]``): each adds a list level."""

    __slots__ = ("array", "children")

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.array = False


def _header_parts(text: str, pos: int, limit: int) -> tuple[list[str], int] | None:
    """Key parts of the header whose name starts at ``pos``, and the index after them.

    Stops after ``limit + 1`` parts (that is already too deep); None when malformed.
    """
    parts: list[str] = []
    while len(parts) <= limit:
        found = _TOML_HEADER_PART.match(text, pos)
        if not found:
            return None
        parts.append(next(g for g in found.groups() if g is not None))
        pos = found.end()
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        return parts, pos
    return parts, pos


def _header_depth(parts: list[str], is_array: bool, arrays: _Trie) -> int:
    """Depth of the table a header opens: the root, one per part, one per array level."""
    depth = 1 + len(parts)
    node = arrays
    for index, part in enumerate(parts):
        child = node.children.get(part)
        if child is None:
            if not is_array:
                break
            child = node.children[part] = _Trie()
        if is_array and index == len(parts) - 1:
            child.array = True
        if child.array:
            depth += 1
        node = child
    return depth


def toml_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest container nesting in TOML ``text``, counting the root table as 1.

    ``[a.b]`` is 3, ``x = [[1]]`` is 3, ``[[t]]`` is 3 (root, the list, its table).
    Linear in the text; strings and comments are skipped. Malformed text is scanned as
    well as it goes (the parser reports it afterwards).

    Raises:
        ReadProblem: as soon as the depth exceeds ``limit``, with the line.
    """
    deepest = 1
    table = 1  # depth of the current [table]
    arrays = _Trie()
    stack: list[tuple[str, int]] = []  # open [ and { in a value, with their depth
    in_key = True  # reading a key (else a value)
    parts = 1  # parts of the key being read
    key_base = 1  # depth of the table the key is in
    holder = 1  # depth of the container that gets the next value
    line_start = True
    pos = 0
    size = len(text)
    while pos < size:
        found = _TOML_SPECIAL.search(text, pos)
        if found is None:
            break
        index = found.start()
        if line_start and text[pos:index].strip():
            line_start = False
        char = text[index]
        pos = index + 1
        if char == "\n":
            if not stack:
                in_key, parts, key_base, line_start = True, 1, table, True
            continue
        if char == "#":
            newline = text.find("\n", index)
            pos = size if newline < 0 else newline
            continue
        if char in "\"'":
            pos = skip_toml_string(text, index)
            line_start = False
            continue
        if char == "[" and line_start and not stack:
            is_array = text.startswith("[[", index)
            header = _header_parts(text, index + (2 if is_array else 1), limit)
            line_start = False
            if header is None:
                continue
            names, pos = header
            table = _header_depth(names, is_array, arrays)
            if table > limit:
                raise _too_deep(text, index, limit)
            deepest = max(deepest, table)
            in_key, parts, key_base = True, 1, table
            continue
        line_start = False
        if char == "," and stack:
            kind, depth = stack[-1]
            if kind == "[":
                holder = depth
            else:
                in_key, parts, key_base = True, 1, depth
        elif char in "]}":
            if stack and stack[-1][0] == ("[" if char == "]" else "{"):
                stack.pop()
                in_key = False  # after a value: a ',' or a closer comes next
                if stack:
                    holder = stack[-1][1]
        elif in_key:
            if char == ".":
                parts += 1
                if key_base + parts - 1 > limit:
                    raise _too_deep(text, index, limit)
            elif char == "=":
                in_key = False
                holder = key_base + parts - 1
                deepest = max(deepest, holder)
        elif char in "[{":
            depth = holder + 1
            if depth > limit:
                raise _too_deep(text, index, limit)
            deepest = max(deepest, depth)
            stack.append((char, depth))
            if char == "[":
                holder = depth
            else:
                in_key, parts, key_base = True, 1, depth
    return deepest


_JSON_SPECIAL = re.compile(r'["\[\]{}NI]')
_JSON_STRING_REST = re.compile(r'(?:[^"\\]++|\\.)*+"', re.DOTALL)


class _NotANumber(ValueError):
    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word


def _not_a_number(word: str, line: int | None) -> ReadProblem:
    return ReadProblem(
        _("{word} is not a number JSON allows (only finite numbers are)").format(word=word), line
    )


def json_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest ``[``/``{`` nesting in JSON ``text`` (``[[]]`` is 2, ``1`` is 0).

    Also refuses a bare ``NaN``/``Infinity`` outside strings with its line. Linear.

    Raises:
        ReadProblem: as soon as the depth exceeds ``limit``, or at NaN/Infinity.
    """
    depth = deepest = 0
    pos = 0
    while True:
        found = _JSON_SPECIAL.search(text, pos)
        if found is None:
            return deepest
        index = found.start()
        char = text[index]
        pos = index + 1
        if char == '"':
            rest = _JSON_STRING_REST.match(text, pos)
            if rest is None:  # unterminated: json.loads reports it
                return deepest
            pos = rest.end()
        elif char in "[{":
            depth += 1
            if depth > limit:
                raise _too_deep(text, index, limit)
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
        else:
            for word in ("NaN", "Infinity"):
                if text.startswith(word, index):
                    raise _not_a_number(word, _line_at(text, index))


# -- 4. parsing -------------------------------------------------------------------------

# Digit runs outside strings and comments: the text before the refused number parsed,
# so its strings are well formed and matching them whole is linear.
_JSON_DIGITS = re.compile(r'"(?:[^"\\]++|\\.)*+"|(?P<digits>[0-9]++)', re.DOTALL)
_TOML_DIGITS = re.compile(
    "|".join(
        (
            r'"""(?:[^"\\]++|\\.|"(?!""))*+"""',  # multi-line basic string
            r"'''(?:[^']++|'(?!''))*+'''",  # multi-line literal string
            r'"(?:[^"\\\n]++|\\.)*+"',  # basic string
            r"'[^'\n]*+'",  # literal string
            r"\#[^\n]*+",  # comment
            r"(?P<digits>[0-9][0-9_]*+)",
        )
    ),
    re.DOTALL,
)


def _long_number_problem(text: str, pattern: re.Pattern[str]) -> ReadProblem:
    """Python refused to turn a very long digit string into an int; say where it is."""
    limit = sys.get_int_max_str_digits()
    line = None
    for found in pattern.finditer(text):
        digits = found.group("digits")
        if digits and len(digits) - digits.count("_") > limit:
            line = _line_at(text, found.start())
            break
    return ReadProblem(
        _("a number has more than {limit} digits; that is too large").format(limit=limit), line
    )


def _toml_syntax(exc: tomllib.TOMLDecodeError) -> ReadProblem:
    """tomllib's message carries '(at line N, column M)'; lift the line out of it."""
    message = str(exc)
    line = getattr(exc, "lineno", None)
    if line is None and "(at line " in message:
        try:
            line = int(message.split("(at line ", 1)[1].split(",", 1)[0])
        except ValueError:
            line = None
    detail = message.split(" (at line ", 1)[0]
    return ReadProblem(
        _("not valid TOML: {detail}").format(detail=detail), line, detail=detail, syntax=True
    )


def load_toml(text: str, *, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """Parse TOML ``text`` within :data:`MAX_DEPTH` levels.

    Raises:
        ReadProblem: not valid TOML (``syntax``), nested too deeply, a too-long integer.
    """
    toml_depth(text, max_depth)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_syntax(exc) from None
    except RecursionError:
        raise _too_deep(text, None, max_depth) from None
    except ValueError:  # int(): more digits than sys.get_int_max_str_digits()
        raise _long_number_problem(text, _TOML_DIGITS) from None


def _finite_float(word: str) -> float:
    value = float(word)
    if value in (float("inf"), float("-inf")):
        raise ReadProblem(_("the number {word} is too large").format(word=word))
    return value


def _reject_constant(word: str) -> float:
    raise _NotANumber(word)


def load_json(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON ``text`` within :data:`MAX_DEPTH` levels, with finite numbers only.

    Raises:
        ReadProblem: not valid JSON (``syntax``), nested too deeply, NaN/Infinity, a
            number too large for a float or with too many digits.
    """
    json_depth(text, max_depth)
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise ReadProblem(
            _("not valid JSON: {detail}").format(detail=exc.msg),
            exc.lineno,
            detail=exc.msg,
            syntax=True,
        ) from None
    except _NotANumber as exc:
        raise _not_a_number(exc.word, None) from None
    except RecursionError:
        raise _too_deep(text, None, max_depth) from None
    except ValueError:  # int(): more digits than sys.get_int_max_str_digits()
        raise _long_number_problem(text, _JSON_DIGITS) from None


__all__ = [
    "MAX_DEPTH",
    "FileMissing",
    "FileTooLarge",
    "ReadProblem",
    "decode_text",
    "json_depth",
    "load_json",
    "load_toml",
    "read_file",
    "read_text_file",
    "size_words",
    "skip_toml_string",
    "toml_depth",
]
