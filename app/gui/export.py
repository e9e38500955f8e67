"""Saving the report: JSON always, PDF through ``deskready.pdf`` (its renderer, not ours).

Both run in a worker; these functions are plain and raise :class:`ExportError` with a
message for the agent.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths

from deskready.checks.i18n import _


class ExportError(Exception):
    """The report could not be saved; the message says why, in plain words."""


def default_folder() -> Path:
    """Where reports go unless the agent picks another place: Documents, else home."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs else Path.home()


def default_name(report: dict[str, Any], suffix: str) -> str:
    """``deskready-report-20261123-1830.json``: sortable and unique per run."""
    try:
        stamp = datetime.fromisoformat(report["created_at"]).strftime("%Y%m%d-%H%M")
    except (KeyError, ValueError):
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return f"deskready-report-{stamp}{suffix}"


def save_json(report: dict[str, Any], path: Path) -> Path:
    from deskready.report.files import ReportFileError, write_report_json

    try:
        write_report_json(path, report)
    except ReportFileError as exc:
        raise ExportError(str(exc)) from None
    return path


def save_pdf(report: dict[str, Any], path: Path) -> Path:
    try:
        from deskready.pdf.render import render_pdf
    except ImportError as exc:  # the PDF part is optional while it lands
        raise ExportError(_("PDF export is not available: {reason}").format(reason=exc)) from None
    from deskready.report.files import ReportFileError

    try:
        render_pdf(report, path)
    except ReportFileError as exc:
        raise ExportError(str(exc)) from None
    return path
