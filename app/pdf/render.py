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

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPdfWriter, QPen

from deskready import __version__
from deskready.checks.i18n import using_language
from deskready.outcomes import GREY
from deskready.pdf.job import DPI, FOOTER_PT, RUNNING_HEAD_PT, PdfJob, page_layout, pdf_job
from deskready.pdf.layout import Canvas, Span, draw_stack
from deskready.pdf.tounicode import fix_text_layer
from deskready.report.files import output_target, write_atomically

#: Name of the JSON report attached to every PDF; the verifier looks for exactly this.
ATTACHMENT_NAME = "deskready-report.json"

Report = Mapping[str, Any]


def report_attachment(report: Report) -> bytes:
    """The JSON attached to the PDF: the report exactly as given, readable when opened."""
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


def _draw_frame(painter: QPainter, job: PdfJob, number: int, total: int) -> None:
    """Running head (from page 2), footer with version, digest and "page n of m"."""
    c, g, frame = job.canvas, job.geometry, job.frame
    left, top, width = g.left, g.top, g.body_width
    painter.setPen(QPen(QColor("#dadce0"), c.pt(0.5)))
    if number > 1:
        draw_stack(painter, c, [Span(frame.head, 7.5, color=GREY)], left, top, width)
        line_y = top + c.pt(RUNNING_HEAD_PT) - c.pt(8)
        painter.setPen(QPen(QColor("#dadce0"), c.pt(0.5)))
        painter.drawLine(QPointF(left, line_y), QPointF(left + width, line_y))
    foot_top = g.page_height - g.bottom - c.pt(FOOTER_PT) + c.pt(8)
    painter.setPen(QPen(QColor("#dadce0"), c.pt(0.5)))
    painter.drawLine(QPointF(left, foot_top), QPointF(left + width, foot_top))
    page_label = frame.page_label.format(page=number, pages=total)
    page_span = Span(page_label, 7.5, color=GREY, align=Qt.AlignmentFlag.AlignRight)
    y = foot_top + c.pt(4)
    draw_stack(painter, c, [page_span], left, y, width)
    draw_stack(
        painter,
        c,
        [
            Span(f"{frame.version} · {frame.digest}", 7, color=GREY, mono=True),
            Span(frame.note, 7, color=GREY),
        ],
        left,
        y,
        width * 0.8,
    )


def render_pdf_bytes(report: Report, *, page_size: str = "auto") -> bytes:
    """Render ``report`` (a loaded ``deskready-report`` dict) and return the PDF bytes.

    Texts the renderer adds (headings, labels, numbers, dates) are in the report's own
    language, so they match the texts inside it, whatever language the screen is in.
    When every rule passes the report is kept to one page: charts are dropped if they would
    push it onto a second. Both decisions are made once, in :func:`deskready.pdf.job.pdf_job`.

    Raises:
        ValueError: ``page_size`` is not "auto", "a4" or "letter".
    """
    return render_job(pdf_job(report, page_size=page_size))


def render_job(job: PdfJob) -> bytes:
    """Paint ``job`` onto a PDF writer, attach the report, return the bytes.

    Painting runs in the job's language: charts and the verdict box format their numbers
    and axis words as they draw.
    """
    with using_language(job.language):
        return _paint(job)


def _paint(job: PdfJob) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setPageLayout(page_layout(job.paper))
    writer.setTitle(job.frame.title)
    writer.setCreator(f"deskready {__version__}")
    writer.addFileAttachment(
        ATTACHMENT_NAME, QByteArray(report_attachment(job.report)), "application/json"
    )
    canvas: Canvas = job.canvas
    g = job.geometry
    painter = QPainter(writer)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    try:
        for number, placed in enumerate(job.pages, start=1):
            if number > 1:
                writer.newPage()
            _draw_frame(painter, job, number, len(job.pages))
            first_top = g.top if number == 1 else g.body_top
            for item in placed:
                item.block.draw(painter, canvas, g.left, first_top + item.y, g.body_width)
    finally:
        painter.end()
    buffer.close()
    return fix_text_layer(bytes(buffer.data().data()))


def render_pdf(report: Report, path: Path, *, page_size: str = "auto") -> None:
    """Render ``report`` to ``path`` atomically, like every report file deskready writes.

    Raises:
        ValueError: ``page_size`` is not "auto", "a4" or "letter".
        ReportFileError: ``path`` cannot be written (see
            :func:`deskready.report.files.output_target`: checked before rendering, so a bad
            path costs no rendering); ``path`` is left untouched.
    """
    output_target(Path(path))
    write_atomically(Path(path), render_pdf_bytes(report, page_size=page_size))


__all__ = [
    "ATTACHMENT_NAME",
    "PdfJob",
    "pdf_job",
    "render_job",
    "render_pdf",
    "render_pdf_bytes",
    "report_attachment",
]
