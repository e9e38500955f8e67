"""One report, three views: the terminal, the window and the PDF use the same words.

Every status and outcome in the report and every category heading must read the same in
each view (the words of :mod:`deskready.outcomes` and ``Category.label``), in English and
in German; and none of the old view-specific words may come back.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from PySide6.QtWidgets import QLabel

from deskready.checks.api import Answer
from deskready.checks.i18n import set_language, using_language
from deskready.cli.render import plain_console, print_report
from deskready.outcomes import outcome_look
from deskready.pdf import render_pdf
from deskready.session import Session
from deskready.spec import load_spec_text
from tests.core.fakes import FailingCheck, PhoneLikeCheck, RamCheck, SpeedCheck, registry_of
from tests.pdf.helpers import pdf_text

REG = registry_of(SpeedCheck, RamCheck, PhoneLikeCheck, FailingCheck)
SPEC = """
[employer]
name = "ACME Calls"
[rules]
"ram.gb" = { min = 4 }
"net.down_mbps" = [{ min = 100 }, { min = 200, severity = "recommended" }]
"failing.value" = { min = 1 }
"phoneish.kind" = { equals = "corded" }
"""


def judged_report(language: str) -> dict:
    spec = load_spec_text(SPEC, REG, file_name="views.toml")
    session = Session.planned(spec, REG, skip=["phoneish"])
    session.answers["phoneish.kind"] = Answer(
        "phoneish.kind", "corded", datetime.now().astimezone(), "dialog"
    )
    return session.report(session.run(), language=language)


def cli_text(report: dict) -> str:
    console = plain_console(record=True, width=200)
    print_report(console, report)
    return console.export_text()


def gui_text(make_window, report: dict, qtbot) -> str:
    window = make_window(registry=REG, spec=SPEC)
    qtbot.waitUntil(lambda: window.controller.session is not None, timeout=10000)
    window.run_view.show_report(report)
    texts = [label.text() for label in window.findChildren(QLabel) if label.text()]
    return " ".join(re.sub(r"<[^>]+>", " ", text) for text in texts)


def words_of(report: dict) -> set[str]:
    states = {r["status"] for r in report["results"]} | {r["outcome"] for r in report["rules"]}
    return {outcome_look(state).label() for state in states}


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_view_says_the_same_words(language, make_window, qtbot, tmp_path: Path):
    set_language(language)
    try:
        report = judged_report(language)
        states = {r["status"] for r in report["results"]} | {r["outcome"] for r in report["rules"]}
        assert {"pass", "fail", "warn", "error", "skipped", "not_checked", "unknown"} <= states
        pdf = tmp_path / "views.pdf"
        render_pdf(report, pdf)
        views = {
            "cli": " ".join(cli_text(report).split()),
            "gui": " ".join(gui_text(make_window, report, qtbot).split()),
            "pdf": pdf_text(pdf),
        }
        with using_language(language):
            expected_words = words_of(report)
            categories = {r["category_label"] for r in report["results"]}
        for view, text in views.items():
            for word in expected_words | categories:
                assert word in text, f"{view} lacks {word!r}"
        if language == "en":
            for view, text in views.items():
                for old in ("could not check", "Internet connection", "Headset and sound"):
                    assert old not in text, f"{view} still says {old!r}"
    finally:
        set_language("en")
