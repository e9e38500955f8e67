"""Fixtures for the readiness PDF: the sample report (sealed), variants, rendered PDFs.

Qt runs offscreen (set before any Qt import); the PDFs are rendered once per session.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.pdf.helpers import load_sample, make_japanese, make_passing


@pytest.fixture
def sample_report() -> dict[str, Any]:
    return load_sample()


@pytest.fixture
def passing_report() -> dict[str, Any]:
    return make_passing(load_sample())


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample, the all-pass variant and the Japanese variant rendered once (A4)."""
    from deskready.pdf import render_pdf

    out = tmp_path_factory.mktemp("pdf")
    sample = load_sample()
    reports = {
        "sample": sample,
        "passing": make_passing(sample),
        "japanese": make_japanese(sample),
    }
    paths = {}
    for name, report in reports.items():
        paths[name] = out / f"{name}.pdf"
        render_pdf(report, paths[name], page_size="a4")
    return paths
