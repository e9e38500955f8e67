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


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` so that ``path`` is either the old file or the whole new one.

    A crash or Ctrl-C mid-write must never leave a half report an employer might receive.
    """
    path = path.expanduser()
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ReportFileError(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None
    try:
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(tmp, path)
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
