"""Helpers for the PDF tests: the sample report and its variants, poppler/qpdf wrappers.

The PDF is read back with poppler (pdftotext, pdffonts, pdftoppm) and qpdf, which
scripts/test.sh installs, so the checks see the file as a viewer would.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from deskready.report.integrity import seal

SAMPLE = Path(__file__).parents[1] / "data" / "reports" / "sample_not_ready.json"
JAPANESE_NAME = "田中 愛子"
JAPANESE_ADVICE = "ルーターからパソコンにLANケーブルをつなぎ、Wi-Fiをオフにしてください。"
JAPANESE_MESSAGE = "このパソコンはWi-Fiでインターネットに接続しています。"


def need_tool(name: str) -> str:
    """Path of a command-line tool, or skip the test (scripts/test.sh installs them)."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (apt: poppler-utils qpdf)")
    return found


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    need_tool(args[0])
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def pdf_text(path: Path) -> str:
    """Text of the PDF as poppler extracts it, whitespace collapsed to single spaces."""
    result = run_tool("pdftotext", "-enc", "UTF-8", str(path), "-")
    assert result.returncode == 0, result.stderr
    return re.sub(r"\s+", " ", result.stdout)


def page_count(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def load_sample() -> dict[str, Any]:
    return seal(json.loads(SAMPLE.read_text(encoding="utf-8")))


def make_passing(report: dict[str, Any]) -> dict[str, Any]:
    """The sample with every problem fixed: cable, low latency, a microphone, newer CPU."""
    report = copy.deepcopy(report)
    fixed = {
        "cpu.generation": (10, "10"),
        "network.connection": ("ethernet", "ethernet"),
        "network.rtt_ms": (38.0, "38 ms"),
        "microphone.speech_dbfs": (-22.0, "-22 dBFS"),
    }
    for rule in report["rules"]:
        if rule["metric"] in fixed:
            rule["actual"], rule["actual_text"] = fixed[rule["metric"]]
        rule["outcome"] = "pass"
        rule["advice"] = ""
    for result in report["results"]:
        result["status"] = "pass"
        result["error"] = None
        result["messages"] = []
        if result["check"] == "call_quality":
            result["details"]["rtt_series"] = [[0.02, 36.0], [0.04, 39.5], [0.06, 38.2]]
    report["verdict"] = "ready"
    report["summary"] = {"pass": 13, "warn": 0, "fail": 0, "unknown": 0}
    return seal(report)


def make_japanese(report: dict[str, Any]) -> dict[str, Any]:
    report = copy.deepcopy(report)
    report["language"] = "ja"
    report["agent"]["name"] = JAPANESE_NAME
    for rule in report["rules"]:
        if rule["metric"] == "network.connection":
            rule["advice"] = JAPANESE_ADVICE
    for result in report["results"]:
        if result["check"] == "connection":
            result["messages"] = [JAPANESE_MESSAGE]
    return seal(report)
