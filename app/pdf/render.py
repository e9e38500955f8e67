"""Render a report dict to a readiness PDF with Qt: painted pages plus the attached JSON.

QPainter on a QPdfWriter (no browser, no HTML engine) gives vector text and charts, fonts
embedded as subsets, and the PDF file attachment API (Qt 6.8+) that makes the PDF carry
its own evidence. The PDF is built in memory and written with temp file + ``os.replace``,
so a crash or a full disk never leaves a half-written report where an employer may pick
it up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLocale, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from deskready import __version__
from deskready.checks.i18n import _, active_language, using_language
from deskready.pdf.content import mapping, report_blocks
from deskready.pdf.fonts import CJK, font_set
from deskready.pdf.labels import GREY
from deskready.pdf.layout import Canvas, Placed, Span, draw_stack, paginate
from deskready.pdf.paper import choose_page_size, territory_of
from deskready.pdf.qt import ensure_qt_app
from deskready.pdf.tounicode import fix_text_layer
from deskready.report.files import write_atomically

#: Name of the JSON report attached to every PDF; the verifier looks for exactly this.
ATTACHMENT_NAME = "deskready-report.json"
DPI = 600
MARGIN_PT = (48.0, 40.0, 48.0, 34.0)  # left, top, right, bottom
RUNNING_HEAD_PT = 22.0
FOOTER_PT = 34.0

Report = Mapping[str, Any]


def report_attachment(report: Report) -> bytes:
    """The JSON attached to the PDF: the report exactly as given, readable when opened."""
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


def _system_territory() -> str | None:
    return territory_of(QLocale.system().name())


def _font_language(report: Report) -> str:
    """The language whose CJK glyph forms go first: the UI's if CJK, else the report's."""
    active = active_language()
    if active.split("_")[0] in CJK:
        return active
    return str(report.get("language") or active)


class _Frame:
    """Running head (from page 2), footer with version, digest and "page n of m"."""

    def __init__(self, report: Report, canvas: Canvas, page: QRectF) -> None:
        self.canvas = canvas
        self.page = page
        spec = mapping(report.get("spec"))
        agent = mapping(report.get("agent"))
        parts = [
            _("Readiness report"),
            str(agent.get("name") or agent.get("id") or ""),
            str(mapping(spec.get("employer")).get("name") or ""),
        ]
        self.head = " · ".join(part for part in parts if part)
        digest = str(mapping(report.get("integrity")).get("digest") or "")
        self.digest = f"sha256:{digest}" if digest else _("no integrity digest")
        self.note = _(
            "The report data is attached to this PDF; check it with “deskready report verify”."
        )

    def draw(self, painter: QPainter, number: int, total: int) -> None:
        c, page = self.canvas, self.page
        left, top, right, bottom = (c.pt(v) for v in MARGIN_PT)
        width = page.width() - left - right
        painter.setPen(QPen(QColor("#dadce0"), c.pt(0.5)))
        if number > 1:
            draw_stack(painter, c, [Span(self.head, 7.5, color=GREY)], left, top, width)
            line_y = top + c.pt(RUNNING_HEAD_PT) - c.pt(8)
            painter.setPen(QPen(QColor("#dadce0"), c.pt(0.5)))
            painter.drawLine(QPointF(left, line_y), QPointF(left + width, line_y))
        foot_top = page.height() - bottom - c.pt(FOOTER_PT) + c.pt(8)
        painter.setPen(QPen(QColor("#dadce0"), c.pt(0.5)))
        painter.drawLine(QPointF(left, foot_top), QPointF(left + width, foot_top))
        page_label = _("Page {page} of {pages}").format(page=number, pages=total)
        page_span = Span(page_label, 7.5, color=GREY, align=Qt.AlignmentFlag.AlignRight)
        y = foot_top + c.pt(4)
        draw_stack(painter, c, [page_span], left, y, width)
        version = _("deskready {version}").format(version=__version__)
        draw_stack(
            painter,
            c,
            [
                Span(f"{version} · {self.digest}", 7, color=GREY, mono=True),
                Span(self.note, 7, color=GREY),
            ],
            left,
            y,
            width * 0.8,
        )


def render_pdf_bytes(report: Report, *, page_size: str = "auto") -> bytes:
    """Render ``report`` (a loaded ``deskready-report/1`` dict) and return the PDF bytes.

    Texts the renderer adds (headings, labels, numbers, dates) are in the report's own
    language, so they match the texts inside it, whatever language the screen is in.
    When every rule passes the report is kept to one page: charts are dropped if they would
    push it onto a second.

    Raises:
        ValueError: ``page_size`` is not "auto", "a4" or "letter".
    """
    language = report.get("language")
    with using_language(language if isinstance(language, str) else None):
        return _render_pdf_bytes(report, page_size)


def _render_pdf_bytes(report: Report, page_size: str) -> bytes:
    ensure_qt_app()
    paper = choose_page_size(page_size, report, _system_territory())
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    size = QPageSize.PageSizeId.Letter if paper == "letter" else QPageSize.PageSizeId.A4
    writer.setPageLayout(
        QPageLayout(QPageSize(size), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )
    writer.setTitle(_("Readiness report"))
    writer.setCreator(f"deskready {__version__}")
    writer.addFileAttachment(
        ATTACHMENT_NAME, QByteArray(report_attachment(report)), "application/json"
    )
    canvas = Canvas(writer, float(DPI), font_set(_font_language(report)))
    page = QRectF(0, 0, writer.width(), writer.height())
    left, top, right, bottom = (canvas.pt(v) for v in MARGIN_PT)
    width = page.width() - left - right
    body_top = top + canvas.pt(RUNNING_HEAD_PT)
    body_height = page.height() - body_top - bottom - canvas.pt(FOOTER_PT)

    pages = _layout(report, canvas, width, body_height)
    frame = _Frame(report, canvas, page)
    painter = QPainter(writer)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    try:
        for number, placed in enumerate(pages, start=1):
            if number > 1:
                writer.newPage()
            frame.draw(painter, number, len(pages))
            first_top = top if number == 1 else body_top
            for item in placed:
                item.block.draw(painter, canvas, left, first_top + item.y, width)
    finally:
        painter.end()
    buffer.close()
    return fix_text_layer(bytes(buffer.data().data()))


def _layout(report: Report, canvas: Canvas, width: float, height: float) -> list[list[Placed]]:
    """Paginate; a ready report is fitted onto one page when any layout allows it.

    Tried in order: the full layout, the compact summary with charts, then without.
    """
    # Page 1 has no running head, so its body may use that band too.
    extra = canvas.pt(RUNNING_HEAD_PT)
    pages = paginate(report_blocks(report), canvas, width, height, extra)
    if len(pages) == 1 or report.get("verdict") != "ready":
        return pages
    for charts in (True, False):
        blocks = report_blocks(report, charts=charts, compact=True)
        compact = paginate(blocks, canvas, width, height, extra)
        if len(compact) == 1:
            return compact
    return pages


def render_pdf(report: Report, path: Path, *, page_size: str = "auto") -> None:
    """Render ``report`` to ``path`` atomically, like every report file deskready writes.

    Raises:
        ValueError: ``page_size`` is not "auto", "a4" or "letter".
        ReportFileError: the folder is not writable; ``path`` is left untouched.
    """
    write_atomically(Path(path), render_pdf_bytes(report, page_size=page_size))


__all__ = ["ATTACHMENT_NAME", "render_pdf", "render_pdf_bytes", "report_attachment"]
