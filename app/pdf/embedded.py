"""Read the JSON report attached to a readiness PDF and check the PDF against it.

A PDF can be checked on its own: the report travels inside it. Verification compares what
a person reads on the page (the verdict headline, the digest in every footer) with the
attached report. Whether the attached report itself was edited is decided by its digest,
checked by the caller-supplied ``digest_check`` (``deskready.report.integrity.verify_digest``),
so this module does not duplicate the canonical-JSON rules.

pypdf reads the PDF (no Qt, no poppler), so verification also works in a plain Python on
the employer's side.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from deskready.bounded_read import ReadProblem, decode_text, load_json, read_file
from deskready.checks.i18n import _
from deskready.pdf.labels import verdict_headlines
from deskready.pdf.render import ATTACHMENT_NAME

_DIGEST = re.compile(r"sha256:([0-9a-f]{64})")
_SPACE = re.compile(r"\s+")


class EmbeddedReportError(Exception):
    """The PDF has no readable deskready report attached (message is for the agent)."""


#: A readiness PDF is a few pages (well under 5 MB even with embedded CJK fonts).
MAX_PDF_BYTES = 50 * 1024 * 1024


def _reader(pdf_path: Path) -> PdfReader:
    try:
        # Regular files only, at most MAX_PDF_BYTES read (deskready.bounded_read):
        # pypdf given the path would read a FIFO or /dev/zero forever.
        data = read_file(pdf_path, limit=MAX_PDF_BYTES)
    except ReadProblem as exc:
        raise EmbeddedReportError(
            _("Cannot read {path}: {reason}").format(path=pdf_path, reason=exc.reason)
        ) from None
    try:
        return PdfReader(io.BytesIO(data))
    except (OSError, PdfReadError, ValueError) as exc:
        raise EmbeddedReportError(
            _("{file} is not a readable PDF: {reason}").format(file=pdf_path, reason=exc)
        ) from exc


def _attached_report(reader: PdfReader, pdf_path: Path) -> dict[str, Any]:
    files = reader.attachments.get(ATTACHMENT_NAME) or []
    if len(files) != 1:
        raise EmbeddedReportError(
            _(
                "{file} has no deskready report attached; it was not made by deskready or the "
                "attachment was removed."
            ).format(file=pdf_path)
            if not files
            else _("{file} has more than one attached report.").format(file=pdf_path)
        )
    try:
        # The attachment is a file inside the file: the same depth and number bounds.
        report = load_json(decode_text(files[0]))
    except ReadProblem as exc:
        raise EmbeddedReportError(
            _("The report attached to {file} is not valid JSON: {reason}").format(
                file=pdf_path, reason=exc.detail
            )
        ) from None
    if not isinstance(report, dict):
        raise EmbeddedReportError(
            _("The report attached to {file} is not a report object.").format(file=pdf_path)
        )
    return report


def extract_embedded_report(pdf_path: Path) -> dict[str, Any]:
    """Return the JSON report attached to ``pdf_path`` as a dict.

    Raises:
        EmbeddedReportError: not a PDF, no ``deskready-report.json`` attached, or it is not
            a JSON object. The message names the file and says what is wrong.
    """
    pdf_path = Path(pdf_path)
    return _attached_report(_reader(pdf_path), pdf_path)


def _compact(text: str) -> str:
    """Page text without any whitespace: extraction splits words and lines unpredictably."""
    return _SPACE.sub("", text)


def visible_verdicts(first_page_text: str) -> set[str]:
    """Verdicts whose headline (symbol and word, any shipped language) is on the page."""
    page = _compact(first_page_text)
    return {
        verdict
        for verdict, headlines in verdict_headlines().items()
        if any(_compact(headline) in page for headline in headlines)
    }


@dataclass(frozen=True)
class PdfVerification:
    """What verifying a readiness PDF found.

    Attributes:
        report: the attached report, or None when none could be read.
        embedded_verdict: ``report["verdict"]``.
        visible_verdict: the verdict whose headline is printed on page 1 (None: none or
            several found).
        consistent: the visible verdict and every footer digest match the attached report.
        digest_valid: the attached report's own digest check; None when not checked.
        problems: one sentence per problem found, for the agent or employer.
    """

    report: dict[str, Any] | None
    embedded_verdict: str | None
    visible_verdict: str | None
    consistent: bool
    digest_valid: bool | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True only when consistent and the digest was checked and is valid."""
        return self.consistent and self.digest_valid is True and not self.problems


def verify_pdf(
    pdf_path: Path, *, digest_check: Callable[[dict[str, Any]], bool] | None = None
) -> PdfVerification:
    """Check a readiness PDF on its own: attached report, visible verdict, footer digests.

    Args:
        pdf_path: the PDF to check.
        digest_check: returns True when a report's ``integrity.digest`` matches its content
            (pass ``deskready.report.integrity.verify_digest``); without it ``digest_valid`` is
            None and :attr:`PdfVerification.ok` is False.

    Never raises for a bad PDF: every problem becomes a sentence in ``problems``.
    """
    pdf_path = Path(pdf_path)
    try:
        reader = _reader(pdf_path)
        report = _attached_report(reader, pdf_path)
    except EmbeddedReportError as exc:
        return PdfVerification(None, None, None, False, None, (str(exc),))

    problems: list[str] = []
    embedded = report.get("verdict")
    embedded_verdict = embedded if isinstance(embedded, str) else None
    digest_valid = None
    if digest_check is not None:
        digest_valid = bool(digest_check(report))
        if not digest_valid:
            problems.append(
                _(
                    "The attached report was changed after it was made: its "
                    "integrity digest does not match its content."
                )
            )

    pages = [page.extract_text() or "" for page in reader.pages]
    found = visible_verdicts(pages[0] if pages else "")
    visible = next(iter(found)) if len(found) == 1 else None
    if not found:
        problems.append(_("No verdict is visible on the first page."))
    elif len(found) > 1:
        problems.append(_("More than one verdict is visible on the first page."))
    elif visible != embedded_verdict:
        problems.append(
            _(
                "The verdict shown ({visible}) differs from the attached report ({embedded})."
            ).format(visible=visible, embedded=embedded_verdict)
        )

    integrity = report.get("integrity")
    digest = integrity.get("digest") if isinstance(integrity, dict) else None
    attached_digest = str(digest or "")
    for number, text in enumerate(pages, start=1):
        shown = _DIGEST.findall(_compact(text))
        if shown != [attached_digest]:
            problems.append(
                _("The digest printed on page {page} does not match the attached report.").format(
                    page=number
                )
            )
    consistent = (
        visible is not None
        and visible == embedded_verdict
        and not any(_DIGEST.findall(_compact(t)) != [attached_digest] for t in pages)
    )
    return PdfVerification(
        report, embedded_verdict, visible, consistent, digest_valid, tuple(problems)
    )
