"""A PDF rendered in one language verifies on a machine running another."""

from __future__ import annotations

import gettext
from pathlib import Path
from typing import Any

import pytest

import checks.i18n
from app.pdf import labels, render_pdf, verify_pdf
from app.report.integrity import verify_digest
from tests.pdf.helpers import pdf_text

JAPANESE = {
    "NOT READY": "準備未完了",
    "READY": "準備完了",
    "INCOMPLETE": "未確定",
    "Readiness report": "準備状況レポート",
    "Fail": "不合格",
    "Page {page} of {pages}": "{pages} ページ中 {page} ページ",
}


class FakeJapanese(gettext.NullTranslations):
    """A stand-in catalogue, so the test does not depend on shipped .mo files."""

    def gettext(self, message: str) -> str:
        return JAPANESE.get(message, message)


def test_rendered_in_japanese_verified_in_english(
    sample_report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ja.pdf"
    monkeypatch.setattr(checks.i18n, "_active", FakeJapanese())
    render_pdf(sample_report, path)
    text = pdf_text(path)
    assert "✘ 準備未完了" in text
    assert "準備状況レポート" in text
    assert "2 ページ中 1 ページ" in text

    monkeypatch.setattr(checks.i18n, "_active", gettext.NullTranslations())
    # English alone does not know the Japanese headline …
    assert verify_pdf(path, digest_check=verify_digest).visible_verdict is None
    # … a shipped Japanese catalogue does.
    monkeypatch.setattr(labels, "_translators", lambda: (str, FakeJapanese().gettext))
    result = verify_pdf(path, digest_check=verify_digest)
    assert result.ok, result.problems
    assert result.visible_verdict == "not_ready"
