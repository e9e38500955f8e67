"""One check in the main window: icon, title, one-line status, live view, results, Re-run.

The row shows runner events while its check runs and the judged rules from the report
after; it never reads check objects for results, so it says what the JSON and PDF say.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from deskready.checks.api import Category, Check
from deskready.format import format_number, format_value, join_sentences, list_separator
from deskready.gui.icons import icon
from deskready.gui.live import LatencyChart, LevelMeter
from deskready.gui.theme import status_color, theme_changed
from deskready.outcomes import outcome_look

if TYPE_CHECKING:
    from deskready.gui.bridge import Progress
    from deskready.runner import CheckResult
from deskready.checks.i18n import _


def outcome_html(outcome: str) -> str:
    """Coloured symbol and word for an outcome, as rich text for a QLabel."""
    color = status_color(outcome).name()
    return f'<span style="color:{color}; font-weight:600">{escape(outcome_look(outcome).text())}</span>'


def _wrapping(text: str = "", *, selectable: bool = False) -> QLabel:
    label = QLabel(text)
    # Status, requirement, measured value and advice come from checks, the spec and the
    # report: plain text, so markup in them is shown as written, never rendered.
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def category_title(category: Category) -> str:
    """A category as the agent reads it (a heading in the list of checks)."""
    return category.label()


class CheckRow(QFrame):
    """The view of one check. ``run_requested`` carries the check id (Run / Re-run)."""

    run_requested = Signal(str)

    def __init__(self, check: type[Check], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check_id = check.id
        self.words = {m.id: m.labels for m in check.metrics}
        self.title = _(check.title)
        self.description = _(check.description)
        self.state = "idle"  # idle, waiting, running, done
        self._result: dict[str, Any] | None = None
        self._rules: list[dict[str, Any]] = []
        self.setObjectName(f"row-{check.id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.title)
        # In the scroll area rows keep their natural height; the list scrolls instead of
        # squeezing rows (word-wrapped labels would otherwise report a tiny minimum).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.icon_label = QLabel()
        self.icon_label.setPixmap(icon(check.category.value).pixmap(22, 22))
        self.icon_label.setAccessibleName(
            _("Category: {category}").format(category=category_title(check.category))
        )
        self.title_label = QLabel(f"<b>{escape(self.title)}</b>")
        self.title_label.setTextFormat(Qt.TextFormat.RichText)
        self.outcome_label = QLabel()
        self.outcome_label.setTextFormat(Qt.TextFormat.RichText)
        self.outcome_label.setAccessibleName(_("Result of {check}").format(check=self.title))
        self.button = QPushButton(_("Run"))
        self.button.setAccessibleName(_("Run the {check} check").format(check=self.title))
        self.button.clicked.connect(lambda: self.run_requested.emit(self.check_id))

        self.status_label = _wrapping(self.description)
        self.status_label.setAccessibleName(_("Status of {check}").format(check=self.title))
        self.progress = QProgressBar()
        self.progress.setMaximumHeight(10)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(_("Progress of {check}").format(check=self.title))
        self.progress.hide()
        self.live_label = QLabel()
        self.live_label.setAccessibleName(_("Live value of {check}").format(check=self.title))
        self.live_label.hide()
        self.meter: LevelMeter | None = None
        self.chart: LatencyChart | None = None

        self.results = QWidget()
        self.results_layout = QGridLayout(self.results)
        self.results_layout.setContentsMargins(30, 2, 0, 0)
        self.results_layout.setHorizontalSpacing(16)
        self.results_layout.setVerticalSpacing(3)
        self.results.hide()
        theme_changed().connect(self._on_theme_changed)

        head = QHBoxLayout()
        head.addWidget(self.icon_label)
        head.addWidget(self.title_label)
        head.addStretch(1)
        head.addWidget(self.outcome_label)
        head.addWidget(self.button)
        body = QVBoxLayout()
        body.setContentsMargins(30, 0, 0, 0)
        body.setSpacing(4)
        body.addWidget(self.status_label)
        live = QHBoxLayout()
        live.addWidget(self.progress, 1)
        live.addWidget(self.live_label)
        body.addLayout(live)
        self.live_box = body
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(4)
        outer.addLayout(head)
        outer.addLayout(body)
        outer.addWidget(self.results)

    # -- run states --------------------------------------------------------------------
    def set_enabled_to_run(self, enabled: bool) -> None:
        self.button.setEnabled(enabled)

    def set_waiting(self) -> None:
        self.state = "waiting"
        self.status_label.setText(_("Waiting…"))
        self.outcome_label.setText("")

    def set_running(self) -> None:
        self.state = "running"
        self.status_label.setText(_("Running…"))
        self.outcome_label.setText("")
        self.progress.setRange(0, 0)  # busy until the check reports a fraction
        self.progress.show()

    def show_progress(self, progress: Progress) -> None:
        if self.state != "running":
            return
        if progress.fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(progress.fraction * 1000))
        if progress.message:
            self.status_label.setText(progress.message)
        if not progress.live:
            return
        latest = progress.live[-1]
        if "mbps" in latest:
            self.live_label.setText(f"<b>{format_number(round(latest['mbps'], 1))} Mbps</b>")
            self.live_label.show()
        rtts = [v["rtt_ms"] for v in progress.live if "rtt_ms" in v]
        if rtts:
            if self.chart is None:
                self.chart = LatencyChart()
                self.live_box.addWidget(self.chart)
            self.chart.show()
            self.chart.add(rtts)
        if "dbfs" in latest:
            if self.meter is None:
                self.meter = LevelMeter()
                self.live_box.addWidget(self.meter)
            self.meter.show()
            self.meter.set_level(latest["dbfs"])

    def set_finished(self, status: str | None, error: str | None, summary: str = "") -> None:
        """The runner's word (before the report judges it): error, skipped or measured."""
        self.state = "done"
        self.progress.hide()
        self.live_label.hide()  # the summary below says what was measured
        if self.meter is not None:
            self.meter.hide()
        if error:
            self.status_label.setText(error)
        elif status == "skipped":
            self.status_label.setText(_("Not run."))
        else:
            self.status_label.setText(summary or _("Done."))

    def set_report(self, result: dict[str, Any] | None, rules: list[dict[str, Any]]) -> None:
        """Show what the report says about this check (None: not part of the report)."""
        self._result, self._rules = result, rules
        self.state = "done" if result is not None else "idle"
        self.progress.hide()
        self.live_label.hide()
        if self.meter is not None:
            self.meter.hide()
        self._render()

    # -- drawing -------------------------------------------------------------------------
    def _render(self) -> None:
        result = self._result
        while self.results_layout.count():
            item = self.results_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if result is None:
            self.outcome_label.setText("")
            self.status_label.setText(self.description)
            self.button.setText(_("Run"))
            self.results.hide()
            return
        self.button.setText(_("Re-run"))
        self.button.setAccessibleName(_("Run the {check} check again").format(check=self.title))
        status = result["status"]
        self.outcome_label.setText(outcome_html(status))
        self.status_label.setText(status_line(result, self.words))
        if not self._rules:
            self.results.hide()
            return
        grid = self.results_layout
        for col, heading in enumerate((_("Requirement"), _("Measured"), _("Result"))):
            label = QLabel(f"<small><b>{heading}</b></small>")
            grid.addWidget(label, 0, col)
        row = 1
        for rule in self._rules:
            requirement = _wrapping(f"{rule['label']}: {rule['expected_text']}")
            measured_text = rule["actual_text"]
            if rule.get("declared"):
                measured_text += " " + _("(declared)")
            measured = _wrapping(measured_text, selectable=True)
            outcome = QLabel(outcome_html(rule["outcome"]))
            outcome.setTextFormat(Qt.TextFormat.RichText)
            outcome.setAccessibleName(
                _("{rule}: {outcome}").format(
                    rule=rule["label"], outcome=outcome_look(rule["outcome"]).label()
                )
            )
            grid.addWidget(requirement, row, 0)
            grid.addWidget(measured, row, 1)
            grid.addWidget(outcome, row, 2)
            row += 1
            if rule["outcome"] != "pass" and rule.get("advice"):
                advice = _wrapping(_("What to do: {advice}").format(advice=rule["advice"]))
                advice.setStyleSheet(f"color: {status_color(rule['outcome']).name()};")
                grid.addWidget(advice, row, 0, 1, 3)
                row += 1
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 0)
        grid.setRowStretch(row, 1)  # extra height goes below the rules, not between them
        self.results.show()

    def _on_theme_changed(self) -> None:
        if self._result is not None:
            self._render()


def measured_summary(result: CheckResult) -> str:
    """A finished check's notes or values, shown until the whole run is judged."""
    measurements = result.measurements
    if measurements.messages:
        return join_sentences(measurements.messages)
    metrics = {m.id: m for m in result.check.metrics}
    values = [
        format_value(v, metrics[k].unit, metrics[k].labels) if k in metrics else format_value(v)
        for k, v in measurements.values.items()
        if v is not None
    ]
    return list_separator().join(values[:4])


def status_line(
    result: dict[str, Any], words: Mapping[str, Mapping[str, str]] | None = None
) -> str:
    """One line about a finished check: its error, its own notes, or what it measured.

    ``words`` maps metric ids to their labels for choice values (``Metric.labels``).
    """
    if result.get("error"):
        return str(result["error"])
    if result.get("messages"):
        return join_sentences(str(m) for m in result["messages"])
    if isinstance(result.get("measured_text"), str):
        return str(result["measured_text"]) or _("Done.")
    units = result.get("units", {})
    values = [
        format_value(v, units.get(k, ""), (words or {}).get(k))
        for k, v in result.get("measurements", {}).items()
        if v is not None and not isinstance(v, dict | list)
    ]
    return list_separator().join(values[:4]) or _("Done.")
