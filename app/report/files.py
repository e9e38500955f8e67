"""Reading and writing report files: atomic writes, clear errors on bad input."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from deskready.bounded_read import (
    FileMissing,
    FileTooLarge,
    ReadProblem,
    decode_text,
    load_json,
    read_file,
)
from deskready.checks.i18n import _
from deskready.report import READABLE_SCHEMAS, SCHEMA

MAX_REPORT_BYTES = 20 * 1024 * 1024


class ReportFileError(Exception):
    """A report file could not be read or written; the message is for the agent."""


def output_target(path: Path) -> Path:
    """The file a report written to ``path`` lands in, checked before anything is written.

    Why up front: a check run takes minutes; an output path that cannot be written must be
    an error before it starts, not after (the results would be lost). The rules:

    - the folder must exist (it is never created silently: a typo in a folder name would
      otherwise scatter reports) and be writable;
    - ``path`` must not be a folder, nor an existing device, pipe or other special file;
    - a symbolic link is followed: the report replaces the link's target, atomically, and
      the link stays (docs/report.md, "Where reports are written").

    Raises:
        ReportFileError: naming ``path`` and what is wrong with it.
    """
    path = path.expanduser()
    try:
        target = path.resolve() if path.is_symlink() else path
    except (OSError, RuntimeError):  # a loop of links
        raise ReportFileError(
            _("Cannot write {path}: it is a symbolic link that does not lead to a file.").format(
                path=path
            )
        ) from None
    folder = target.parent if str(target.parent) else Path(".")
    try:
        if target.is_dir():
            raise ReportFileError(
                _("Cannot write {path}: it is a folder; give a file name.").format(path=path)
            )
        if target.exists() and not target.is_file():
            raise ReportFileError(
                _("Cannot write {path}: it is not a regular file.").format(path=path)
            )
        if not folder.is_dir():
            message = (
                _("Cannot write {path}: {folder} is not a folder.")
                if folder.exists()
                else _("Cannot write {path}: the folder {folder} does not exist.")
            )
            raise ReportFileError(message.format(path=path, folder=folder))
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ReportFileError(
                _("Cannot write {path}: the folder {folder} is not writable.").format(
                    path=path, folder=folder
                )
            )
    except OSError as exc:  # a path too long, a component that is not a folder…
        raise ReportFileError(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None
    return target


def same_file(first: Path, second: Path) -> bool:
    """True when two output paths name one file (``--json X --pdf X``, ``./X`` and ``X``,
    or a link and its target): the second write would destroy the first."""
    try:
        return first.expanduser().resolve() == second.expanduser().resolve()
    except (OSError, RuntimeError):
        return False


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` so that the target is either the old file or the whole new one.

    A crash or Ctrl-C mid-write must never leave a half report an employer might receive.
    The target is :func:`output_target` (a symbolic link's target; the link stays).

    Raises:
        ReportFileError: the path breaks a rule of :func:`output_target`, or the write
            failed (full disk…); the target is left untouched.
    """
    target = output_target(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ReportFileError(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None
    try:
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ReportFileError(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def report_json(report: dict[str, Any]) -> str:
    """The report as pretty, UTF-8 JSON text (what ``--json`` writes)."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def write_report_json(path: Path, report: dict[str, Any]) -> None:
    """Write the (sealed) report as JSON, atomically."""
    write_atomically(path, report_json(report).encode("utf-8"))


def read_report_json(path: Path) -> dict[str, Any]:
    """Load a JSON report file.

    Raises:
        ReportFileError: missing, unreadable, not JSON, or not a deskready report.
    """
    try:
        # Regular files only, at most MAX_REPORT_BYTES read (deskready.bounded_read).
        data = read_file(path, limit=MAX_REPORT_BYTES)
    except FileMissing:
        raise ReportFileError(_("{path} does not exist.").format(path=path)) from None
    except FileTooLarge:
        raise ReportFileError(_("{path} is too large to be a report.").format(path=path)) from None
    except ReadProblem as exc:
        raise ReportFileError(
            _("Cannot read {path}: {reason}").format(path=path, reason=exc.reason)
        ) from None
    return parse_report_json(data, str(path))


def parse_report_json(data: bytes, name: str) -> dict[str, Any]:
    """Parse report bytes (from a file or a PDF attachment).

    Bounded like every file deskready reads: nesting at most MAX_DEPTH levels, finite
    numbers only (a report with NaN would not be JSON any other tool accepts).
    """
    try:
        report = load_json(decode_text(data))
    except ReadProblem as exc:
        if exc.syntax:
            raise ReportFileError(_("{path} is not a JSON report.").format(path=name)) from None
        raise ReportFileError(
            _("Cannot read {path}: {reason}").format(path=exc.where(name), reason=exc.reason)
        ) from None
    if not isinstance(report, dict) or report.get("schema") not in READABLE_SCHEMAS:
        raise ReportFileError(
            _("{path} is not a deskready report (schema {schema}).").format(
                path=name, schema=SCHEMA
            )
        )
    return report
