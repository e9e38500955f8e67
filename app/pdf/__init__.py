"""The readiness PDF: rendering a report dict with Qt, and verifying a PDF on its own.

The PDF is what an employer keeps, so it carries its own evidence: the JSON report is
attached inside it, and :func:`verify_pdf` checks that what a person reads (the verdict,
the digest in the footer) matches what is attached.
"""

from deskready.pdf.embedded import (
    EmbeddedReportError,
    PdfVerification,
    extract_embedded_report,
    verify_pdf,
)
from deskready.pdf.paper import PAGE_SIZES
from deskready.pdf.qt import ensure_qt_app
from deskready.pdf.render import ATTACHMENT_NAME, render_pdf, render_pdf_bytes

__all__ = [
    "ATTACHMENT_NAME",
    "PAGE_SIZES",
    "EmbeddedReportError",
    "PdfVerification",
    "ensure_qt_app",
    "extract_embedded_report",
    "render_pdf",
    "render_pdf_bytes",
    "verify_pdf",
]
