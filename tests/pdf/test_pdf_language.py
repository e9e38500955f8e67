"""A PDF is drawn in its report's language and verifies on a machine running another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from deskready.checks.i18n import LANGUAGES, active_language, catalogue, set_language
from deskready.pdf import labels, render_pdf, verify_pdf
from deskready.report.integrity import seal, verify_digest
from tests.pdf.helpers import pdf_text


def in_language(report: dict[str, Any], language: str) -> dict[str, Any]:
    data = {k: v for k, v in report.items() if k != "integrity"}
    data["language"] = language
    return seal(data)


def test_rendered_in_japanese_verified_in_english(
    sample_report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ja.pdf"
    assert active_language() == "en"
    render_pdf(in_language(sample_report, "ja"), path)
    text = pdf_text(path)
    ja = catalogue("ja").gettext
    assert f"✘ {ja('NOT READY')}" in text
    assert ja("Readiness report") in text
    pages = len(PdfReader(path).pages)
    assert ja("Page {page} of {pages}").format(page=pages, pages=pages) in text
    assert "Readiness report" not in text  # the page speaks the report's language only

    result = verify_pdf(path, digest_check=verify_digest)  # on an English machine
    assert result.ok, result.problems
    assert result.visible_verdict == "not_ready"
    # Without the Japanese catalogue the headline cannot be read back: not verified.
    monkeypatch.setattr(labels, "_translators", lambda: (str,))
    assert verify_pdf(path, digest_check=verify_digest).visible_verdict is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_report_language_wins_over_the_screen_language(
    language: str, sample_report: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / f"{language}.pdf"
    set_language("de" if language != "de" else "ja")  # the screen speaks something else
    try:
        render_pdf(in_language(sample_report, language), path)
    finally:
        set_language("en")
    text = " ".join(pdf_text(path).split())
    assert catalogue(language).gettext("Readiness report") in text
    assert verify_pdf(path, digest_check=verify_digest).ok
