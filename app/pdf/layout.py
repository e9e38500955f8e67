"""A small flow layout for the report: blocks measured, split into pages, then painted.

Qt's QTextDocument can paginate HTML, but its page breaks, table headers and vector
drawing inside the flow are hard to control, and "page n of m" needs the page count before
the first footer is painted. Here every block knows its height for a width, pagination is
a pure pass over heights, and painting happens after, so the count is known.

Units are device pixels of the QPdfWriter; :meth:`Canvas.pt` converts from points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPaintDevice, QPainter, QPen, QTextLayout, QTextOption

from deskready.pdf.fonts import FontSet


@dataclass(frozen=True)
class Canvas:
    """What measuring and painting share: the device (for font metrics) and the fonts."""

    device: QPaintDevice
    dpi: float
    fonts: FontSet
    #: Text laid out once and reused: pagination measures each block before painting it.
    layouts: dict[tuple[Span, float], tuple[QTextLayout, float]] = field(
        default_factory=dict, compare=False, hash=False
    )

    def pt(self, points: float) -> float:
        """Device pixels for a length in typographic points."""
        return points * self.dpi / 72.0

    def font(self, size_pt: float, *, bold: bool = False, mono: bool = False) -> QFont:
        """A report font (see :class:`FontSet`)."""
        return self.fonts.font(size_pt, bold=bold, mono=mono)


@dataclass(frozen=True)
class Span:
    """One paragraph of text in one font and colour."""

    text: str
    size: float = 9.0
    bold: bool = False
    color: str = "#202124"
    mono: bool = False
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft


def layout_text(canvas: Canvas, span: Span, width: float) -> tuple[QTextLayout, float]:
    """Wrap ``span`` to ``width``; return the laid-out text and its height.

    Wraps at word boundaries, or anywhere when a word (a URL, a digest, CJK without
    spaces) is wider than the column, so nothing is ever cut off.
    """
    key = (span, round(width, 2))
    cached = canvas.layouts.get(key)
    if cached is not None:
        return cached
    font = canvas.font(span.size, bold=span.bold, mono=span.mono)
    layout = QTextLayout(span.text, font, canvas.device)
    option = QTextOption(span.align)
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    y = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(width, 1.0))
        line.setPosition(QPointF(0.0, y))
        y += line.height()
    layout.endLayout()
    canvas.layouts[key] = (layout, y)
    return layout, y


def stack_height(canvas: Canvas, spans: Sequence[Span], width: float) -> float:
    """Height of ``spans`` stacked vertically with a small gap between them."""
    gap = canvas.pt(1.5)
    heights = [layout_text(canvas, span, width)[1] for span in spans]
    return sum(heights) + gap * max(len(heights) - 1, 0)


def draw_stack(
    painter: QPainter, canvas: Canvas, spans: Sequence[Span], x: float, y: float, width: float
) -> None:
    """Paint ``spans`` stacked from (x, y), as measured by :func:`stack_height`."""
    gap = canvas.pt(1.5)
    for span in spans:
        layout, height = layout_text(canvas, span, width)
        painter.setPen(QColor(span.color))
        layout.draw(painter, QPointF(x, y))
        y += height + gap


class Block(Protocol):
    """Anything placed in the flow: measured for a width, then painted at a position."""

    keep_with_next: bool

    def height(self, canvas: Canvas, width: float) -> float:
        """Height the block takes at ``width``."""

    def draw(self, painter: QPainter, canvas: Canvas, x: float, y: float, width: float) -> None:
        """Paint the block with its top-left corner at (x, y)."""


@dataclass
class Paragraph:
    """Text (one or more spans) with space around it; headings keep with the next block."""

    spans: Sequence[Span]
    before_pt: float = 0.0
    after_pt: float = 4.0
    indent_pt: float = 0.0
    keep_with_next: bool = False

    def height(self, canvas: Canvas, width: float) -> float:
        inner = width - canvas.pt(self.indent_pt)
        return (
            canvas.pt(self.before_pt)
            + stack_height(canvas, self.spans, inner)
            + canvas.pt(self.after_pt)
        )

    def draw(self, painter: QPainter, canvas: Canvas, x: float, y: float, width: float) -> None:
        indent = canvas.pt(self.indent_pt)
        top = y + canvas.pt(self.before_pt)
        draw_stack(painter, canvas, self.spans, x + indent, top, width - indent)


@dataclass
class Spacer:
    """Vertical space; dropped at the top of a page."""

    points: float
    keep_with_next: bool = False

    def height(self, canvas: Canvas, width: float) -> float:
        return canvas.pt(self.points)

    def draw(self, painter: QPainter, canvas: Canvas, x: float, y: float, width: float) -> None:
        return None


@dataclass
class Row:
    """One table row: cells of stacked spans in fixed column fractions, optional fill.

    A row that starts a new page is preceded by its table's ``header`` row again, so a
    table split over pages still says which column is which.
    """

    cells: Sequence[Sequence[Span]]
    columns: Sequence[float]
    fill: str | None = None
    rule: str | None = "#dadce0"
    header: Block | None = None
    keep_with_next: bool = False
    pad_pt: float = 3.5

    def _cell_widths(self, canvas: Canvas, width: float) -> list[float]:
        pad = canvas.pt(self.pad_pt)
        return [width * fraction - 2 * pad for fraction in self.columns]

    def height(self, canvas: Canvas, width: float) -> float:
        pad = canvas.pt(self.pad_pt)
        widths = self._cell_widths(canvas, width)
        tallest = max(
            (stack_height(canvas, cell, w) for cell, w in zip(self.cells, widths, strict=True)),
            default=0.0,
        )
        return tallest + 2 * pad

    def draw(self, painter: QPainter, canvas: Canvas, x: float, y: float, width: float) -> None:
        pad = canvas.pt(self.pad_pt)
        height = self.height(canvas, width)
        if self.fill:
            painter.fillRect(QRectF(x, y, width, height), QColor(self.fill))
        if self.rule:
            painter.setPen(QPen(QColor(self.rule), canvas.pt(0.5)))
            painter.drawLine(QPointF(x, y + height), QPointF(x + width, y + height))
        left = x
        widths = self._cell_widths(canvas, width)
        for cell, fraction, cell_width in zip(self.cells, self.columns, widths, strict=True):
            draw_stack(painter, canvas, cell, left + pad, y + pad, cell_width)
            left += width * fraction


@dataclass
class Stack:
    """Blocks painted one under the other as one block (a "continued" title + header row)."""

    blocks: Sequence[Block]
    keep_with_next: bool = True

    def height(self, canvas: Canvas, width: float) -> float:
        return sum(block.height(canvas, width) for block in self.blocks)

    def draw(self, painter: QPainter, canvas: Canvas, x: float, y: float, width: float) -> None:
        for block in self.blocks:
            block.draw(painter, canvas, x, y, width)
            y += block.height(canvas, width)


@dataclass(frozen=True)
class Placed:
    """A block and the y at which it is painted on its page."""

    block: Block
    y: float


def paginate(
    blocks: Sequence[Block],
    canvas: Canvas,
    width: float,
    page_height: float,
    first_page_extra: float = 0.0,
) -> list[list[Placed]]:
    """Split ``blocks`` into pages of at most ``page_height``.

    A block never splits (rows, charts and paragraphs are small); one taller than a page
    gets a page of its own and is clipped by the margin rather than lost. A block marked
    ``keep_with_next`` moves to the next page with its follower, so headings are never
    left alone at the bottom. The first page may be ``first_page_extra`` taller (it has
    no running head).
    """
    pages: list[list[Placed]] = [[]]
    y = 0.0
    limit = page_height + first_page_extra
    for index, block in enumerate(blocks):
        height = block.height(canvas, width)
        need, follower = height, index
        while blocks[follower].keep_with_next and follower + 1 < len(blocks):
            follower += 1
            need += blocks[follower].height(canvas, width)
        if pages[-1] and y + need > limit:
            pages.append([])
            y = 0.0
            limit = page_height
            header = getattr(block, "header", None)
            if header is not None:
                pages[-1].append(Placed(header, y))
                y += header.height(canvas, width)
        if isinstance(block, Spacer) and not pages[-1]:
            continue
        pages[-1].append(Placed(block, y))
        y += height
    return pages
