"""A PDF verified on its own: the attached report, its digest, the visible verdict."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter

from deskready.pdf import extract_embedded_report, render_pdf, verify_pdf
from deskready.pdf.embedded import EmbeddedReportError
from deskready.pdf.render import ATTACHMENT_NAME
from deskready.report.integrity import seal, verify_digest


def _replace_attachment(source: Path, target: Path, report: dict[str, Any] | None) -> None:
    """Rewrite the PDF with pypdf, its attachment replaced by ``report`` (or removed)."""
    reader = PdfReader(str(source))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    if report is not None:
        writer.add_attachment(ATTACHMENT_NAME, json.dumps(report).encode("utf-8"))
    with target.open("wb") as out:
        writer.write(out)


def test_embedded_report_equals_the_input(
    rendered: dict[str, Path], sample_report: dict[str, Any]
) -> None:
    assert extract_embedded_report(rendered["sample"]) == sample_report


def test_untouched_pdf_verifies(rendered: dict[str, Path]) -> None:
    for name, verdict in (("sample", "not_ready"), ("passing", "ready"), ("japanese", "not_ready")):
        result = verify_pdf(rendered[name], digest_check=verify_digest)
        assert result.problems == ()
        assert result.consistent
        assert result.digest_valid is True
        assert result.ok
        assert result.embedded_verdict == result.visible_verdict == verdict


def test_without_digest_check_it_is_not_ok(rendered: dict[str, Path]) -> None:
    result = verify_pdf(rendered["sample"])
    assert result.consistent
    assert result.digest_valid is None
    assert not result.ok


def test_edited_report_is_caught_by_its_digest(
    rendered: dict[str, Path], sample_report: dict[str, Any], tmp_path: Path
) -> None:
    edited = dict(sample_report, verdict="ready")  # digest left as it was
    target = tmp_path / "edited.pdf"
    _replace_attachment(rendered["sample"], target, edited)
    result = verify_pdf(target, digest_check=verify_digest)
    assert result.digest_valid is False
    assert not result.ok
    assert not result.consistent  # the page still says NOT READY
    assert any("integrity digest" in problem for problem in result.problems)


def test_edited_and_resealed_report_is_caught_by_the_page(
    rendered: dict[str, Path], sample_report: dict[str, Any], tmp_path: Path
) -> None:
    """Whoever edits the data can recompute a sha256; the printed page still disagrees."""
    edited = seal(dict(sample_report, verdict="ready"))
    target = tmp_path / "resealed.pdf"
    _replace_attachment(rendered["sample"], target, edited)
    result = verify_pdf(target, digest_check=verify_digest)
    assert result.digest_valid is True
    assert not result.consistent
    assert not result.ok
    assert result.visible_verdict == "not_ready"
    assert result.embedded_verdict == "ready"
    assert any("differs from the attached report" in problem for problem in result.problems)
    assert any("digest printed on page 1" in problem for problem in result.problems)


def test_pdf_of_another_report_does_not_verify(rendered: dict[str, Path], tmp_path: Path) -> None:
    """The passing report's data attached to the failing report's pages."""
    target = tmp_path / "swapped.pdf"
    _replace_attachment(rendered["sample"], target, extract_embedded_report(rendered["passing"]))
    result = verify_pdf(target, digest_check=verify_digest)
    assert result.digest_valid is True
    assert not result.ok


def test_missing_attachment_is_reported(rendered: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "stripped.pdf"
    _replace_attachment(rendered["sample"], target, None)
    with pytest.raises(EmbeddedReportError, match="no deskready report attached"):
        extract_embedded_report(target)
    result = verify_pdf(target, digest_check=verify_digest)
    assert result.report is None
    assert not result.ok
    assert "no deskready report attached" in result.problems[0]


def test_not_a_pdf_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "not.pdf"
    target.write_bytes(b"hello")
    result = verify_pdf(target, digest_check=verify_digest)
    assert not result.ok
    assert "not a readable PDF" in result.problems[0]


def test_attachment_survives_a_round_trip_in_memory(sample_report: dict[str, Any]) -> None:
    from deskready.pdf import render_pdf_bytes

    reader = PdfReader(io.BytesIO(render_pdf_bytes(sample_report)))
    assert json.loads(reader.attachments[ATTACHMENT_NAME][0]) == sample_report


def test_render_then_verify_a_letter_pdf(sample_report: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    render_pdf(sample_report, path, page_size="letter")
    assert verify_pdf(path, digest_check=verify_digest).ok


def test_incomplete_verdict_renders_and_verifies(
    sample_report: dict[str, Any], tmp_path: Path
) -> None:
    # Consistent: the two failures fixed, the microphone still not measured.
    for rule in sample_report["rules"]:
        if rule["metric"] == "network.connection":
            rule.update(actual="ethernet", actual_text="ethernet", outcome="pass", advice="")
        if rule["metric"] == "network.rtt_ms":
            rule.update(actual=38.0, actual_text="38 ms", outcome="pass", advice="")
    report = seal(dict(sample_report, verdict="incomplete"))
    path = tmp_path / "incomplete.pdf"
    render_pdf(report, path)
    result = verify_pdf(path, digest_check=verify_digest)
    assert result.ok, result.problems
    assert result.visible_verdict == "incomplete"


# -- re-judging and hostile PDFs (issue 14, item 6) -------------------------------------
def test_a_resealed_report_with_a_flipped_verdict_does_not_verify(
    sample_report: dict[str, Any], tmp_path: Path
) -> None:
    """The digest is recomputed and the page shows the new verdict: only re-judging the
    rules catches it."""
    path = tmp_path / "flipped.pdf"
    render_pdf(seal(dict(sample_report, verdict="ready")), path)
    result = verify_pdf(path, digest_check=verify_digest)
    assert result.readable
    assert result.digest_valid is True
    assert result.consistent  # the page agrees with the attachment…
    assert not result.ok  # …but the attachment disagrees with itself
    assert result.disagreements == ("verdict: says ready, but its rule outcomes make it not_ready",)
    assert result.disagreements[0] in result.problems


def test_a_resealed_rule_outcome_that_contradicts_its_value(
    sample_report: dict[str, Any], tmp_path: Path
) -> None:
    for rule in sample_report["rules"]:
        if rule["metric"] == "network.download_mbps":
            rule["actual"] = 4.2
    path = tmp_path / "rule.pdf"
    render_pdf(seal(sample_report), path)
    result = verify_pdf(path, digest_check=verify_digest)
    assert not result.ok
    assert (
        "rule network.download_mbps: says pass, but 4.2 Mbps is not at least 10 Mbps"
        in result.problems
    )


@pytest.mark.parametrize(
    "edit",
    [
        lambda r: r.pop("verdict"),
        lambda r: r.update(results="x"),
        lambda r: r.update(rules={"a": 1}),
        lambda r: r["rules"].append(7),
        lambda r: r["rules"][0].update(expected={"between": 3}),
    ],
)
def test_a_sealed_attachment_that_is_no_report_is_unreadable_not_a_crash(
    rendered: dict[str, Path], sample_report: dict[str, Any], tmp_path: Path, edit: Any
) -> None:
    edit(sample_report)
    target = tmp_path / "odd.pdf"
    _replace_attachment(rendered["sample"], target, seal(sample_report))
    result = verify_pdf(target, digest_check=verify_digest)
    assert not result.readable
    assert not result.ok
    assert "is not a deskready report" in result.problems[0]


def _inflating_pdf(target: Path, limit: int) -> None:
    """A PDF whose attachment inflates to more than pypdf's output limit (a zip bomb)."""
    import zlib

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_attachment(ATTACHMENT_NAME, b"x")
    data = io.BytesIO()
    writer.write(data)
    bomb = zlib.compress(b" " * (limit + 1024), 9)
    raw = data.getvalue()
    # Swap the one-byte embedded file stream for the bomb, declared as FlateDecode.
    marker = raw.index(b"/Type /EmbeddedFile")
    start = raw.rindex(b"<<", 0, marker)
    end = raw.index(b"endstream", marker) + len(b"endstream")
    stream = (
        b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length "
        + str(len(bomb)).encode()
        + b" >>\nstream\n"
        + bomb
        + b"\nendstream"
    )
    target.write_bytes(raw[:start] + stream + raw[end:])


def test_an_attachment_past_pypdfs_limit_is_worded(tmp_path: Path) -> None:
    """pypdf refuses to inflate a stream past 75 MB with LimitReachedError: a sentence."""
    target = tmp_path / "bomb.pdf"
    _inflating_pdf(target, 80_000_000)  # 80 KB on disk
    result = verify_pdf(target, digest_check=verify_digest)
    assert not result.readable
    assert not result.ok
    assert "not a readable PDF" in result.problems[0]
    with pytest.raises(EmbeddedReportError):
        extract_embedded_report(target)


def test_pypdf_warnings_stay_out_of_the_answer(
    rendered: dict[str, Path], tmp_path: Path, capfd: Any, caplog: Any
) -> None:
    """A wrong startxref makes pypdf log WARNING lines while it recovers; the verifier
    words what matters itself and sends pypdf's lines to the debug log."""
    import logging
    import re

    raw = rendered["sample"].read_bytes()
    at = raw.rindex(b"startxref")
    target = tmp_path / "damaged.pdf"
    target.write_bytes(raw[:at] + re.sub(rb"startxref\s+\d+", b"startxref\n12", raw[at:]))
    with caplog.at_level(logging.DEBUG):
        result = verify_pdf(target, digest_check=verify_digest)
    assert result.ok, result.problems  # pypdf recovers; the report is intact
    pypdf_lines = [r for r in caplog.records if r.name == "pypdf" or "pypdf:" in r.getMessage()]
    assert pypdf_lines, "this PDF should make pypdf warn (else the test tests nothing)"
    assert all(r.levelno == logging.DEBUG for r in pypdf_lines)
    captured = capfd.readouterr()
    assert "startxref" not in captured.out + captured.err
