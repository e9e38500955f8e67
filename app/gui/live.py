"""Small live views shown in a check's row while it runs: a level meter and a latency chart.

Both are painted directly (no chart library) and repaint only when a value arrives.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from deskready.checks.i18n import _
from deskready.gui.theme import status_color

#: The meter's range: below -60 dBFS is silence for a headset microphone.
FLOOR_DBFS = -60.0


class LevelMeter(QWidget):
    """Horizontal microphone level (dBFS), green in the speech range, amber when loud."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dbfs = FLOOR_DBFS
        self.setMinimumSize(160, 14)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(_("Microphone level"))

    def sizeHint(self) -> QSize:
        return QSize(240, 16)

    def set_level(self, dbfs: float) -> None:
        dbfs = max(FLOOR_DBFS, min(0.0, dbfs))
        if abs(dbfs - self._dbfs) < 0.2:
            return
        self._dbfs = dbfs
        self.setAccessibleDescription(_("{dbfs} dBFS").format(dbfs=round(dbfs)))
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid)))
        p.setBrush(self.palette().color(QPalette.ColorRole.Base))
        p.drawRoundedRect(rect, 3, 3)
        fraction = (self._dbfs - FLOOR_DBFS) / -FLOOR_DBFS
        fill = QRectF(
            rect.left() + 1, rect.top() + 1, (rect.width() - 2) * fraction, rect.height() - 2
        )
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(status_color("warn" if self._dbfs > -6 else "pass"))
        p.drawRoundedRect(fill, 2, 2)
        p.end()


class LatencyChart(QWidget):
    """The last round-trip times (ms) as a line, with the highest value as the scale."""

    def __init__(self, parent: QWidget | None = None, capacity: int = 120) -> None:
        super().__init__(parent)
        self._values: deque[float] = deque(maxlen=capacity)
        self.setMinimumSize(200, 64)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(_("Latency chart"))

    def sizeHint(self) -> QSize:
        return QSize(320, 72)

    def add(self, values: Iterable[float]) -> None:
        self._values.extend(values)
        if self._values:
            self.setAccessibleDescription(
                _("Latest delay {ms} ms").format(ms=round(self._values[-1]))
            )
        self.update()

    def values(self) -> list[float]:
        return list(self._values)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QPen(pal.color(QPalette.ColorRole.Mid)))
        p.setBrush(pal.color(QPalette.ColorRole.Base))
        p.drawRoundedRect(rect, 3, 3)
        top = max(50.0, max(self._values, default=0.0) * 1.15)
        text_color = QColor(pal.color(QPalette.ColorRole.Text))
        p.setPen(text_color)
        font = p.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        p.setFont(font)
        label = _("{ms} ms").format(ms=round(top))
        metrics = p.fontMetrics()
        # The scale sits in its own strip at the top so the line never runs through it.
        strip = metrics.height() + 2
        p.drawText(
            rect.adjusted(4, 1, -4, 0).toRect(),
            Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight,
            label,
        )
        if len(self._values) >= 2:
            plot = rect.adjusted(4, strip, -4, -4)
            # Fill the width from the first sample; scroll once the buffer is full.
            step = plot.width() / max(1, len(self._values) - 1)
            points = QPolygonF(
                [
                    QPointF(plot.left() + i * step, plot.bottom() - plot.height() * v / top)
                    for i, v in enumerate(self._values)
                ]
            )
            p.setPen(QPen(status_color("info"), 1.6))
            p.drawPolyline(points)
        p.end()
