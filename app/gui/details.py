"""The details view: every measurement of every check, for support staff and the curious."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from deskready.checks.i18n import _
from deskready.format import format_timestamp, format_value
from deskready.report.view import machine_text

#: Details longer than this (time series) are summarised rather than printed whole.
MAX_DETAIL_CHARS = 120


class DetailsView(QTreeWidget):
    """Checks as top-level rows, their measurements, notes and extra data below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels([_("Item"), _("Value"), _("Note")])
        self.setAccessibleName(_("All measurements"))
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def show_report(self, report: dict[str, Any] | None) -> None:
        self.clear()
        if report is None:
            return
        from deskready.cli.render import outcome_label  # imports rich: not before first paint

        declared_note = _("declared by you")
        for result in report["results"]:
            top = QTreeWidgetItem(
                [
                    result["title"],
                    outcome_label(result["status"]),
                    _("{s} s").format(s=result["duration_s"]),
                ]
            )
            units = result.get("units", {})
            for metric, value in result["measurements"].items():
                note = declared_note if metric in result.get("declared", {}) else ""
                QTreeWidgetItem(top, [metric, format_value(value, units.get(metric, "")), note])
            for message in result.get("messages", []):
                QTreeWidgetItem(top, [_("Note"), str(message), ""])
            if result.get("error"):
                QTreeWidgetItem(top, [_("Problem"), str(result["error"]), ""])
            for key, value in result.get("details", {}).items():
                QTreeWidgetItem(top, [key, _summary(value), _("detail")])
            self.addTopLevelItem(top)
        meta = QTreeWidgetItem([_("About this report"), "", ""])
        for key, value in (
            (_("Employer"), report["spec"]["employer"]["name"]),
            (_("Profile"), report["spec"]["source"]),
            (_("Created"), format_timestamp(report["created_at"])),
            (_("Computer"), machine_text(report)),
        ):
            QTreeWidgetItem(meta, [key, str(value), ""])
        self.addTopLevelItem(meta)
        self.expandAll()


def _summary(value: Any) -> str:
    if isinstance(value, list) and len(value) > 6:
        return _("{n} values").format(n=len(value))
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"
