"""Line charts of measurements over time (latency during the call test, speed during the
bandwidth test), painted as vectors with QPainter.

A single number hides whether a connection was steadily slow or spiked once; the chart
shows which, and the employer's limit is drawn on it so the agent sees how far off it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from deskready.checks.i18n import _
from deskready.checks.l10n import format_number
from deskready.outcomes import GREY, RED
from deskready.pdf.layout import Canvas, Span, draw_stack, stack_height

LINE = "#1a73e8"
AXIS = "#9aa0a6"
GRID = "#e8eaed"


@dataclass(frozen=True)
class Series:
    """One chart: title, unit, points (seconds, value) and the spec's limit if any."""

    title: str
    unit: str
    points: Sequence[tuple[float, float]]
    limit: float | None = None


def axis_ticks(value: float, most: int = 5) -> list[float]:
    """Round y-axis ticks from 0 covering ``value``, at most ``most`` steps (0, 50 … 250).

    Steps are 1, 2, 2.5 or 5 × 10ⁿ so every label is a number people read at a glance.
    """
    if value <= 0:
        return [0.0, 1.0]
    raw = value / most
    exponent = math.floor(math.log10(raw))
    step = 10.0 ** (exponent + 1)
    for factor in (1.0, 2.0, 2.5, 5.0):
        if factor * 10**exponent >= raw:
            step = factor * 10**exponent
            break
    count = math.ceil(value / step - 1e-9)
    return [step * i for i in range(count + 1)]


def draw_chart(painter: QPainter, canvas: Canvas, series: Series, rect: QRectF) -> None:
    """Paint ``series`` inside ``rect``: title, y grid with labels, line, limit."""
    title = Span(f"{series.title} ({series.unit})" if series.unit else series.title, 8, True)
    draw_stack(painter, canvas, [title], rect.left(), rect.top(), rect.width())
    top = rect.top() + stack_height(canvas, [title], rect.width()) + canvas.pt(4)
    label_font = canvas.font(6.5)
    painter.setFont(label_font)
    gutter = canvas.pt(24)
    plot = QRectF(rect.left() + gutter, top, rect.width() - gutter, rect.bottom() - top)
    plot.setBottom(plot.bottom() - canvas.pt(10))  # room for the time labels

    values = [v for _t, v in series.points]
    times = [t for t, _v in series.points]
    ticks = axis_ticks(max([*values, series.limit or 0.0]) * 1.05)
    y_max = ticks[-1]
    t_min, t_max = min(times), max(times)
    t_span = (t_max - t_min) or 1.0

    def at(t: float, v: float) -> QPointF:
        x = plot.left() + (t - t_min) / t_span * plot.width()
        return QPointF(x, plot.bottom() - v / y_max * plot.height())

    text_height = canvas.pt(8)
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    for i, v in enumerate(ticks):
        y = at(t_min, v).y()
        painter.setPen(QPen(QColor(GRID if i else AXIS), canvas.pt(0.5)))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor(GREY))
        label = QRectF(rect.left(), y - text_height / 2, gutter - canvas.pt(3), text_height)
        painter.drawText(label, right, format_number(v))
    time_row = QRectF(plot.left(), plot.bottom() + canvas.pt(1), plot.width(), text_height)
    painter.drawText(
        time_row,
        int(Qt.AlignmentFlag.AlignLeft),
        _("{seconds} s").format(seconds=format_number(t_min)),
    )
    painter.drawText(
        time_row,
        int(Qt.AlignmentFlag.AlignRight),
        _("{seconds} s").format(seconds=format_number(t_max)),
    )

    if series.limit is not None:
        y = at(t_min, series.limit).y()
        pen = QPen(QColor(RED), canvas.pt(0.8), Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor(RED))
        mark = QRectF(
            plot.left() + canvas.pt(2),
            y - text_height - canvas.pt(1),
            plot.width() - canvas.pt(4),
            text_height,
        )
        painter.drawText(
            mark,
            int(Qt.AlignmentFlag.AlignRight),
            _("limit {value} {unit}")
            .format(value=format_number(series.limit), unit=series.unit)
            .strip(),
        )

    path = QPainterPath(at(*series.points[0]))
    for t, v in series.points[1:]:
        path.lineTo(at(t, v))
    painter.setPen(QPen(QColor(LINE), canvas.pt(1.2)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    painter.setBrush(QColor(LINE))
    radius = canvas.pt(1.3)
    for t, v in series.points:
        painter.drawEllipse(at(t, v), radius, radius)
    painter.setBrush(Qt.BrushStyle.NoBrush)


@dataclass
class ChartRow:
    """Up to two charts side by side, as one block in the flow."""

    charts: Sequence[Series]
    height_pt: float = 120.0
    keep_with_next: bool = False

    def height(self, canvas: Canvas, width: float) -> float:
        return canvas.pt(self.height_pt + 14)

    def draw(self, painter: QPainter, canvas: Canvas, x: float, y: float, width: float) -> None:
        gap = canvas.pt(16)
        slot = (width - gap) / 2
        for index, series in enumerate(self.charts):
            rect = QRectF(
                x + index * (slot + gap), y + canvas.pt(10), slot, canvas.pt(self.height_pt)
            )
            draw_chart(painter, canvas, series, rect)
