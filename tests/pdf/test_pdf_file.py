"""The PDF as a file: valid structure, page images, paper size, atomic writing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from deskready.checks.i18n import catalogue
from deskready.pdf import render_pdf, render_pdf_bytes
from deskready.pdf.job import Layout, pdf_job
from deskready.pdf.render import render_job
from tests.pdf.helpers import make_japanese, make_passing, run_tool


@pytest.mark.parametrize("name", ["sample", "passing", "japanese"])
def test_qpdf_check_passes(rendered: dict[str, Path], name: str) -> None:
    result = run_tool("qpdf", "--check", str(rendered[name]))
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_rasterise(rendered: dict[str, Path], tmp_path: Path) -> None:
    result = run_tool("pdftoppm", "-r", "40", "-png", str(rendered["sample"]), str(tmp_path / "p"))
    assert result.returncode == 0, result.stderr
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == 2
    assert all(image.stat().st_size > 5_000 for image in images)  # not blank


def _width_pt(data: bytes) -> float:
    import io

    return float(PdfReader(io.BytesIO(data)).pages[0].mediabox.width)


def test_paper_size_option_and_auto(sample_report: dict[str, Any]) -> None:
    assert round(_width_pt(render_pdf_bytes(sample_report, page_size="a4"))) == 595
    assert round(_width_pt(render_pdf_bytes(sample_report, page_size="letter"))) == 612
    sample_report["locale"] = "en_US"
    assert round(_width_pt(render_pdf_bytes(sample_report))) == 612
    sample_report["locale"] = "ja_JP"
    assert round(_width_pt(render_pdf_bytes(sample_report))) == 595


def test_bad_page_size_leaves_existing_file_untouched(
    sample_report: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="Page size"):
        render_pdf(sample_report, target, page_size="legal")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_long_report_paginates_and_repeats_table_header(
    sample_report: dict[str, Any], tmp_path: Path
) -> None:
    template = sample_report["rules"][2]
    for n in range(80):
        sample_report["rules"].append(dict(template, label=f"Extra memory rule {n}"))
    path = tmp_path / "long.pdf"
    render_pdf(sample_report, path)
    pages = len(PdfReader(str(path)).pages)
    assert pages >= 4
    continued = 0
    for number in range(2, pages + 1):
        result = run_tool("pdftotext", "-f", str(number), "-l", str(number), str(path), "-")
        if "Extra memory rule" in result.stdout:  # the Computer table runs over this page
            assert "Computer (continued)" in result.stdout
            assert "Requirement" in result.stdout  # the column titles again
            continued += 1
        assert f"Page {number} of {pages}" in " ".join(result.stdout.split())
    assert continued >= 2
    text = run_tool("pdftotext", str(path), "-").stdout
    assert "Extra memory rule 79" in text


def test_repeated_renders_do_not_crash_the_interpreter(tmp_path: Path) -> None:
    """PySide6 6.12 on Python 3.11 drops a reference to None per void call; see app/pdf/qt.py."""
    code = (
        "import json; from deskready.pdf import render_pdf_bytes\n"
        "from deskready.report.integrity import seal\n"
        "r = seal(json.load(open('tests/data/reports/sample_not_ready.json')))\n"
        "for _ in range(5): render_pdf_bytes(r)\n"
    )
    root = Path(__file__).parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _pages(data: bytes) -> int:
    import io

    return len(PdfReader(io.BytesIO(data)).pages)


def test_a_not_ready_report_is_decided_as_the_full_layout(sample_report: dict[str, Any]) -> None:
    job = pdf_job(sample_report, page_size="letter")
    assert (job.layout, job.paper, job.language) == (Layout.FULL, "letter", "en")
    data = render_job(job)
    assert _pages(data) == len(job.pages) >= 2  # painted exactly as decided
    assert round(_width_pt(data)) == 612


def test_a_ready_report_is_decided_onto_one_compact_page(sample_report: dict[str, Any]) -> None:
    passing = make_passing(sample_report)
    assert len(pdf_job(sample_report, page_size="a4").pages) > 1
    job = pdf_job(passing, page_size="a4")
    assert job.layout in (Layout.COMPACT, Layout.COMPACT_WITHOUT_CHARTS)
    assert len(job.pages) == 1
    assert _pages(render_job(job)) == 1


def test_the_job_speaks_the_report_language(sample_report: dict[str, Any]) -> None:
    job = pdf_job(make_japanese(sample_report), page_size="a4")
    assert job.language == job.font_language == "ja"
    title = catalogue("ja").gettext("Readiness report")
    assert job.frame.title == title != "Readiness report"
    assert job.frame.page_label == catalogue("ja").gettext("Page {page} of {pages}")


def test_the_job_refuses_an_unknown_paper(sample_report: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Page size"):
        pdf_job(sample_report, page_size="legal")
