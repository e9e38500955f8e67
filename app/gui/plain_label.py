"""The one way the guided run's pages make a label: plain text, wrapped, optionally larger.

Titles, instructions, findings and advice come from checks, specs and reports: they are
data, so a label never reads them as rich text (an employer named ``<b>ACME`` shows as
typed). One helper, so no page forgets the text format.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy


def plain_label(text: str = "", *, bold: bool = False, scale: float = 1.0) -> QLabel:
    """A word-wrapped :class:`QLabel` that shows ``text`` as written, ``scale`` times the
    normal point size."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    if bold or scale != 1.0:
        font = QFont(label.font())
        font.setBold(bold)
        if scale != 1.0:
            font.setPointSizeF(font.pointSizeF() * scale)
        label.setFont(font)
    return label
