"""The PDF job: every decision a readiness PDF depends on, made once, before any painting.

A report's PDF depends on its language (every word the renderer adds), its paper, the
fonts, which layout it gets (a ready report is fitted onto one page when the compact
summary allows it) and the blocks on each page. :func:`pdf_job` derives all of that into
one frozen :class:`PdfJob`; :mod:`deskready.pdf.render` only paints it. Choosing the
layout needs text measured, so the job carries the :class:`Canvas` it was measured on and
the painter reuses those measurements (same resolution, same fonts, same pages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from PySide6.QtCore import QBuffer, QLocale, QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

from deskready import __version__
from deskready.checks.i18n import _, active_language, using_language
from deskready.checks.l10n import format_number
from deskready.pdf.charts import ChartRow
from deskready.pdf.content import mapping, report_blocks
from deskready.pdf.fonts import CJK, font_set, require_all_drawable, require_drawable
from deskready.pdf.layout import Block, Canvas, Placed, paginate
from deskready.pdf.paper import choose_page_size, territory_of
from deskready.pdf.qt import ensure_qt_app

DPI = 600
MARGIN_PT = (48.0, 40.0, 48.0, 34.0)  # left, top, right, bottom
RUNNING_HEAD_PT = 22.0
FOOTER_PT = 34.0

Report = Mapping[str, Any]
Paper = Literal["a4", "letter"]


class Layout(StrEnum):
    """Which body the report gets; tried in this order for a ready report."""

    FULL = "full"
    COMPACT = "compact"  # the one-table summary, charts kept
    COMPACT_WITHOUT_CHARTS = "compact_without_charts"


@dataclass(frozen=True)
class Geometry:
    """The page and its bands, in device pixels of a :data:`DPI` writer."""

    page_width: float
    page_height: float
    left: float
    top: float
    right: float
    bottom: float
    #: where the body starts on pages with a running head (page 2 on)
    body_top: float
    body_width: float
    body_height: float


@dataclass(frozen=True)
class FrameText:
    """The words around the body: running head, footer lines, the page-number pattern.

    Translated when the job is made, so the frame reads in the report's language too.
    """

    title: str
    head: str
    digest: str
    version: str
    note: str
    #: "Page {page} of {pages}" in the report's language
    page_label: str


@dataclass(frozen=True)
class PdfJob:
    """One readiness PDF, decided: what :func:`deskready.pdf.render.render_job` paints."""

    report: Report
    #: the report's language, active while the job was derived and while it is painted
    language: str | None
    paper: Paper
    #: whose CJK glyph forms go first in the font fallback
    font_language: str
    layout: Layout
    pages: tuple[tuple[Placed, ...], ...]
    geometry: Geometry
    frame: FrameText
    #: the fonts and the text measured for ``pages``; painting reuses both
    canvas: Canvas


def report_language(report: Report) -> str | None:
    """The language the report asks to be read in (None: the active one)."""
    language = report.get("language")
    return language if isinstance(language, str) else None


def system_territory() -> str | None:
    """The territory of the machine's locale (the paper of last resort)."""
    return territory_of(QLocale.system().name())


def page_size_id(paper: Paper) -> QPageSize.PageSizeId:
    return QPageSize.PageSizeId.Letter if paper == "letter" else QPageSize.PageSizeId.A4


def page_layout(paper: Paper) -> QPageLayout:
    """Portrait ``paper`` with no printer margins: the renderer draws its own."""
    return QPageLayout(
        QPageSize(page_size_id(paper)), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)
    )


def pdf_job(report: Report, *, page_size: str = "auto") -> PdfJob:
    """Derive the PDF for ``report``: language, paper, fonts, layout, pages, frame texts.

    Raises:
        ValueError: ``page_size`` is not "auto", "a4" or "letter".
        MissingGlyphError: a character of the report (a translation, a name, an advice)
            is in none of the fonts at hand; the PDF would show it as an empty box.
    """
    language = report_language(report)
    with using_language(language):
        ensure_qt_app()
        chosen = choose_page_size(page_size, report, system_territory())
        paper: Paper = "letter" if chosen == "letter" else "a4"
        font_language = _font_language(report)
        canvas, geometry = _measuring_canvas(paper, font_language)
        layout, pages = _choose_layout(report, canvas, geometry)
        frame = _frame_text(report)
        _require_drawable(canvas, pages, frame)
        return PdfJob(
            report=report,
            language=language,
            paper=paper,
            font_language=font_language,
            layout=layout,
            pages=tuple(tuple(page) for page in pages),
            geometry=geometry,
            frame=frame,
            canvas=canvas,
        )


def _require_drawable(canvas: Canvas, pages: list[list[Placed]], frame: FrameText) -> None:
    """Fail before painting if any text would come out as an empty box (docs/report.md,
    "Fonts"): the body as laid out, the running head and footer, the chart labels.

    Raises:
        MissingGlyphError: naming the character and the text it is in.
    """
    for (span, _width), (text_layout, _height) in canvas.layouts.items():
        font = canvas.font(span.size, bold=span.bold, mono=span.mono)
        require_drawable(span.text, font, canvas.device, text_layout)
    regular, mono = canvas.font(7.5), canvas.font(7, mono=True)
    texts = [(frame.head, regular), (frame.note, regular), (frame.page_label, regular)]
    texts += [(f"{frame.version} · {frame.digest}", mono)]
    # Chart axes: numbers, seconds and the limit, painted with drawText (not laid out here).
    label = canvas.font(6.5)
    digits = format_number(-1234567.89)
    texts += [(_("{seconds} s").format(seconds=digits), label)]
    for placed in (item for page in pages for item in page):
        if isinstance(placed.block, ChartRow):
            for series in placed.block.charts:
                limit = _("limit {value} {unit}").format(value=digits, unit=series.unit)
                texts += [(limit, label)]
    require_all_drawable(texts, canvas.device)


def _font_language(report: Report) -> str:
    """The language whose CJK glyph forms go first: the UI's if CJK, else the report's."""
    active = active_language()
    if active.split("_")[0] in CJK:
        return active
    return str(report.get("language") or active)


def _measuring_canvas(paper: Paper, font_language: str) -> tuple[Canvas, Geometry]:
    """A canvas on a writer like the one the PDF is painted on: same resolution and page,
    so text measured here is laid out exactly as it will be painted."""
    buffer = QBuffer()
    writer = QPdfWriter(buffer)
    buffer.setParent(writer)  # the writer keeps its (never written) device alive
    writer.setResolution(DPI)
    writer.setPageLayout(page_layout(paper))
    canvas = Canvas(writer, float(DPI), font_set(font_language))
    left, top, right, bottom = (canvas.pt(v) for v in MARGIN_PT)
    page_width, page_height = float(writer.width()), float(writer.height())
    body_top = top + canvas.pt(RUNNING_HEAD_PT)
    geometry = Geometry(
        page_width=page_width,
        page_height=page_height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        body_top=body_top,
        body_width=page_width - left - right,
        body_height=page_height - body_top - bottom - canvas.pt(FOOTER_PT),
    )
    return canvas, geometry


def _choose_layout(
    report: Report, canvas: Canvas, geometry: Geometry
) -> tuple[Layout, list[list[Placed]]]:
    """The full layout, unless the report is ready and a compact one fits on one page.

    Tried in order: the full layout, the compact summary with charts, then without.
    """

    def pages_of(blocks: list[Block]) -> list[list[Placed]]:
        # Page 1 has no running head, so its body may use that band too.
        extra = canvas.pt(RUNNING_HEAD_PT)
        return paginate(blocks, canvas, geometry.body_width, geometry.body_height, extra)

    full = pages_of(report_blocks(report))
    if len(full) == 1 or report.get("verdict") != "ready":
        return Layout.FULL, full
    for layout, charts in ((Layout.COMPACT, True), (Layout.COMPACT_WITHOUT_CHARTS, False)):
        compact = pages_of(report_blocks(report, charts=charts, compact=True))
        if len(compact) == 1:
            return layout, compact
    return Layout.FULL, full


def _frame_text(report: Report) -> FrameText:
    spec = mapping(report.get("spec"))
    agent = mapping(report.get("agent"))
    parts = [
        _("Readiness report"),
        str(agent.get("name") or agent.get("id") or ""),
        str(mapping(spec.get("employer")).get("name") or ""),
    ]
    digest = str(mapping(report.get("integrity")).get("digest") or "")
    return FrameText(
        title=_("Readiness report"),
        head=" · ".join(part for part in parts if part),
        digest=f"sha256:{digest}" if digest else _("no integrity digest"),
        version=_("deskready {version}").format(version=__version__),
        note=_("The report data is attached to this PDF; check it with “deskready report verify”."),
        page_label=_("Page {page} of {pages}"),
    )


__all__ = ["DPI", "FrameText", "Geometry", "Layout", "PdfJob", "pdf_job", "report_language"]
