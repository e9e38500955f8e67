"""A QR code of the employer hub's verification link, painted as vector squares.

The matrix comes from ``segno`` (pure Python, ISO/IEC 18004); painting is ours, with
QPainter, so the code is vector art in the PDF like the charts: sharp at any zoom and at
any printer resolution. :class:`SignedBox` is the block under the verdict of a report the
employer's hub countersigned: who signed and when, the link, and its QR code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from deskready.pdf.layout import Canvas, Span, draw_stack, stack_height

#: The white margin around the code, in modules (ISO/IEC 18004 asks for 4).
QUIET_ZONE = 4
#: The printed code with its quiet zone: about 32 mm, so a phone reads it from a sheet.
QR_SIDE_PT = 90.0
#: The longest link drawn as a code (a version-10 code at level M holds 213 bytes).
MAX_LINK = 200
BORDER = "#5f6368"
TINT = "#f8f9fa"

Matrix = tuple[tuple[bool, ...], ...]


def qr_matrix(text: str) -> Matrix:
    """The dark (True) and light modules of ``text``'s QR code, without the quiet zone.

    Error correction level M (15 % of the code may be smudged); segno picks the smallest
    version that holds the text and raises the level when the version has room.

    Raises:
        ValueError: the text is too long for a QR code.
    """
    import segno

    try:
        code = segno.make_qr(text, error="m", boost_error=True)
    except segno.DataOverflowError as exc:
        raise ValueError(str(exc)) from None
    return tuple(tuple(bool(cell) for cell in row) for row in code.matrix)


def qr_path(matrix: Matrix, x: float, y: float, module: float) -> QPainterPath:
    """The dark modules as one path: each horizontal run of dark modules one rectangle
    (fewer, larger shapes than one square per module, and no seams between them)."""
    path = QPainterPath()
    for row_index, row in enumerate(matrix):
        start: int | None = None
        for col_index, dark in enumerate((*row, False)):
            if dark and start is None:
                start = col_index
            elif not dark and start is not None:
                path.addRect(
                    QRectF(
                        x + start * module,
                        y + row_index * module,
                        (col_index - start) * module,
                        module,
                    )
                )
                start = None
    return path


def draw_qr(painter: QPainter, matrix: Matrix, x: float, y: float, side: float) -> None:
    """Paint ``matrix`` with its quiet zone into the square at (x, y) of ``side``."""
    count = len(matrix) + 2 * QUIET_ZONE
    module = side / count
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.fillRect(QRectF(x, y, side, side), QColor("#ffffff"))
    painter.setPen(QPen(QColor(0, 0, 0, 0), 0))
    painter.setBrush(QColor("#000000"))
    offset = QUIET_ZONE * module
    painter.drawPath(qr_path(matrix, x + offset, y + offset, module))
    painter.restore()


@dataclass
class SignedBox:
    """Framed text (who signed, when, the link) with the link's QR code on the right."""

    spans: Sequence[Span]
    #: the verification link's code; None draws the text alone
    matrix: Matrix | None = None
    keep_with_next: bool = False
    side_pt: float = field(default=QR_SIDE_PT)

    def _text_width(self, canvas: Canvas, width: float) -> float:
        inner = width - canvas.pt(20)
        if self.matrix is not None:
            inner -= canvas.pt(self.side_pt + 12)
        return max(inner, canvas.pt(40))

    def height(self, canvas: Canvas, width: float) -> float:
        text = stack_height(canvas, self.spans, self._text_width(canvas, width))
        code = canvas.pt(self.side_pt) if self.matrix is not None else 0.0
        return max(text, code) + canvas.pt(20) + canvas.pt(8)

    def draw(self, painter: QPainter, canvas: Canvas, x: float, y: float, width: float) -> None:
        box = QRectF(x, y + canvas.pt(4), width, self.height(canvas, width) - canvas.pt(8))
        painter.setPen(QPen(QColor(BORDER), canvas.pt(0.75)))
        painter.setBrush(QColor(TINT))
        painter.drawRoundedRect(box, canvas.pt(4), canvas.pt(4))
        painter.setBrush(QColor(0, 0, 0, 0))
        draw_stack(
            painter,
            canvas,
            self.spans,
            x + canvas.pt(10),
            box.top() + canvas.pt(10),
            self._text_width(canvas, width),
        )
        if self.matrix is not None:
            side = canvas.pt(self.side_pt)
            draw_qr(
                painter,
                self.matrix,
                box.right() - canvas.pt(10) - side,
                box.top() + (box.height() - side) / 2,
                side,
            )


__all__ = ["MAX_LINK", "QUIET_ZONE", "Matrix", "SignedBox", "draw_qr", "qr_matrix", "qr_path"]
