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
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import LimitReachedError

from deskready.bounded_read import ReadProblem, decode_text, load_json, read_file
from deskready.checks.i18n import _
from deskready.pdf.labels import verdict_headlines
from deskready.pdf.render import ATTACHMENT_NAME
from deskready.report.rejudge import NotAReport, rejudge

_DIGEST = re.compile(r"sha256:([0-9a-f]{64})")
_SPACE = re.compile(r"\s+")


class EmbeddedReportError(Exception):
    """The PDF has no readable deskready report attached (message is for the agent)."""


#: A readiness PDF is a few pages (well under 5 MB even with embedded CJK fonts).
MAX_PDF_BYTES = 50 * 1024 * 1024
#: The attached JSON is bounded like a report file on disk (report.files.MAX_REPORT_BYTES).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

log = logging.getLogger(__name__)


@contextmanager
def quiet_pypdf() -> Iterator[None]:
    """Keep pypdf's own warnings out of the answer.

    pypdf logs a WARNING line on the ``pypdf`` logger (and sometimes a Python warning) for
    every oddity of a damaged PDF; printed before the verdict they read like the answer.
    The problems that matter are worded by the verifier itself; pypdf's lines go to the
    debug log (``--debug``) instead.
    """
    logger = logging.getLogger("pypdf")
    saved = logger.propagate, list(logger.handlers)
    handler = _ToDebug()
    logger.handlers = [handler]
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.propagate, logger.handlers = saved[0], saved[1]


class _ToDebug(logging.Handler):
    """Re-logs pypdf's records at DEBUG under this module's logger."""

    def emit(self, record: logging.LogRecord) -> None:
        log.debug("pypdf: %s", record.getMessage())


def _pdf_problem(pdf_path: Path, exc: Exception) -> EmbeddedReportError:
    """pypdf's exceptions in words: a limit it refused to go past, or an unreadable file."""
    if isinstance(exc, LimitReachedError):
        return EmbeddedReportError(
            _(
                "{file} is not a readable PDF: a part of it expands to more data than a "
                "report can hold."
            ).format(file=pdf_path)
        )
    return EmbeddedReportError(
        _("{file} is not a readable PDF: {reason}").format(file=pdf_path, reason=exc)
    )


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
        with quiet_pypdf():
            return PdfReader(io.BytesIO(data))
    except Exception as exc:  # pypdf on a damaged file raises anything; all are "unreadable"
        raise _pdf_problem(pdf_path, exc) from None


def _attached_report(reader: PdfReader, pdf_path: Path) -> dict[str, Any]:
    try:
        with quiet_pypdf():
            files = reader.attachments.get(ATTACHMENT_NAME) or []
    except Exception as exc:  # pypdf on a damaged file raises anything; all are "unreadable"
        raise _pdf_problem(pdf_path, exc) from None
    if len(files) == 1 and len(files[0]) > MAX_ATTACHMENT_BYTES:
        raise EmbeddedReportError(
            _("The report attached to {file} is too large to be a report.").format(file=pdf_path)
        )
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
        readable: False when there is nothing to verify: not a readable PDF, no report
            attached, or the attachment is not a deskready report (the CLI's exit 2,
            a usage error, rather than 1, "altered").
        disagreements: the attached report contradicting itself (a rule's outcome or the
            verdict that does not follow from its values, see
            :mod:`deskready.report.rejudge`); also in ``problems``.
    """

    report: dict[str, Any] | None
    embedded_verdict: str | None
    visible_verdict: str | None
    consistent: bool
    digest_valid: bool | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)
    readable: bool = True
    disagreements: tuple[str, ...] = field(default_factory=tuple)

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

    The attached report is also re-judged (:func:`deskready.report.rejudge.rejudge`): a
    sealed report whose verdict does not follow from its own rules does not verify.

    Never raises: every problem becomes a sentence in ``problems``, pypdf's limits and
    damaged files included, and pypdf's warnings go to the debug log.
    """
    pdf_path = Path(pdf_path)
    try:
        with quiet_pypdf():
            return _verify(pdf_path, digest_check)
    except EmbeddedReportError as exc:
        return PdfVerification(None, None, None, False, None, (str(exc),), readable=False)
    except Exception as exc:  # never raise: a bug or a pypdf surprise is still an answer
        log.debug("verifying %s failed", pdf_path, exc_info=True)
        problem = _pdf_problem(pdf_path, exc)
        return PdfVerification(None, None, None, False, None, (str(problem),), readable=False)


def _verify(
    pdf_path: Path, digest_check: Callable[[dict[str, Any]], bool] | None
) -> PdfVerification:
    reader = _reader(pdf_path)
    report = _attached_report(reader, pdf_path)
    try:
        disagreements = tuple(rejudge(report))
    except NotAReport as exc:
        raise EmbeddedReportError(
            _("The report attached to {file} is not a deskready report: {reason}.").format(
                file=pdf_path, reason=exc.reason
            )
        ) from None

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

    problems.extend(disagreements)
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # a page pypdf cannot decode: the verdict cannot be seen
        raise _pdf_problem(pdf_path, exc) from None
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
        report,
        embedded_verdict,
        visible,
        consistent,
        digest_valid,
        tuple(problems),
        disagreements=disagreements,
    )
