"""Reports with missing or odd fields still render: a PDF is better than a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deskready.pdf import render_pdf
from tests.pdf.helpers import pdf_text


@pytest.mark.parametrize(
    "report",
    [
        pytest.param({}, id="empty"),
        pytest.param({"verdict": "bogus", "results": [], "rules": []}, id="unknown-verdict"),
        pytest.param(
            {
                "verdict": "not_ready",
                "agent": None,
                "spec": {"employer": None},
                "machine": {"memory_gb": None},
                "created_at": "yesterday",
                "results": [
                    {
                        "check": "x",
                        "title": "Odd check",
                        "category": "garden",
                        "status": "??",
                        "details": {
                            "rtt_series": [[0, 1], [1, 2], [2, "x"]],
                            "bad_series": "nope",
                            "x": 3,
                        },
                        "measurements": {"x.y": None, "x.z": 3},
                    },
                    {
                        "check": "y",
                        "title": "No details",
                        "category": "network",
                        "details": None,
                        "messages": None,
                    },
                ],
                "rules": [
                    {
                        "check": "x",
                        "label": "Odd rule",
                        "expected": ["not", "a", "dict"],
                        "outcome": "fail",
                        "declared": True,
                    },
                    {"check": "nobody", "label": "Rule of no check", "outcome": "unknown"},
                ],
                "integrity": None,
            },
            id="odd-fields",
        ),
    ],
)
def test_odd_reports_render(report: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "odd.pdf"
    render_pdf(report, path)
    text = pdf_text(path)
    assert "Readiness report" in text
    for result in report.get("results", []):
        assert result["title"] in text
    for rule in report.get("rules", []):
        assert rule["label"] in text
