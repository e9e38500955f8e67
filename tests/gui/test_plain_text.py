"""Spec and report text is data in the window too: a ``<b>`` or ``<img>`` in an employer
name, advice or question is shown as written, never rendered as HTML (issue 14, item 2).

Qt guesses rich text for labels in the default AutoText format, so every label that shows
such text is either PlainText or escapes it inside its own rich text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel

from deskready.checks.api import AnswerType, Question
from deskready.gui.banners import MessageBar, VerdictBanner
from deskready.gui.bridge import Progress
from deskready.gui.check_row import CheckRow
from deskready.gui.guided_view import GuidedView
from deskready.gui.questions import QuestionsDialog
from deskready.gui.results_page import ResultsPage
from deskready.gui.steps import plan_steps
from tests.gui.fakes import FakeMemory

HOSTILE = "ACME <b>x</b><img src=x> & Co"


def shown(label: QLabel) -> str:
    """What a person reads on ``label``: its text as Qt renders it."""
    if label.textFormat() is Qt.TextFormat.PlainText:
        return label.text()
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def test_banner_shows_an_employer_name_literally(qtbot):
    banner = VerdictBanner()
    qtbot.addWidget(banner)
    banner.show_idle(f"Profile: {HOSTILE}. Press Run all.")
    assert banner.label.textFormat() is Qt.TextFormat.RichText  # still styled
    assert shown(banner.label) == f"Profile: {HOSTILE}. Press Run all."
    assert "<img" not in banner.label.text()


def test_message_bar_is_plain_text(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message(f"Cannot read {HOSTILE}.toml")
    assert bar.label.textFormat() is Qt.TextFormat.PlainText
    assert shown(bar.label) == f"Cannot read {HOSTILE}.toml"


def test_check_row_shows_advice_and_texts_literally(qtbot):
    row = CheckRow(FakeMemory)
    qtbot.addWidget(row)
    result = {"check": "fake_memory", "status": "fail", "measured_text": HOSTILE}
    rule = {
        "label": f"Memory {HOSTILE}",
        "expected_text": "at least <i>8</i> GB",
        "actual_text": "7.9 GB",
        "outcome": "fail",
        "advice": HOSTILE,
        "declared": False,
    }
    row.set_report(result, [rule])
    texts = [shown(label) for label in row.results.findChildren(QLabel)]
    assert f"Memory {HOSTILE}: at least <i>8</i> GB" in texts
    assert f"What to do: {HOSTILE}" in texts


def test_check_row_title_and_progress_message_literally(qtbot):
    class Hostile(FakeMemory):
        title = HOSTILE

    row = CheckRow(Hostile)
    qtbot.addWidget(row)
    assert shown(row.title_label) == HOSTILE
    row.set_running()
    row.show_progress(Progress(0.5, f"Measuring {HOSTILE}"))
    assert shown(row.status_label) == f"Measuring {HOSTILE}"


def test_question_dialog_shows_declaration_text_literally(qtbot):
    question = Question("declaration.room", HOSTILE, AnswerType.YES_NO, help=f"Why: {HOSTILE}")
    dialog = QuestionsDialog([question])
    qtbot.addWidget(dialog)
    texts = [shown(label) for label in dialog.findChildren(QLabel)]
    assert HOSTILE in texts
    assert f"Why: {HOSTILE}" in texts


def test_what_to_fix_and_the_guided_step_show_texts_literally(qtbot):
    report = {
        "verdict": "not_ready",
        "results": [{"check": "fake_memory", "title": f"Memory {HOSTILE}", "status": "fail"}],
        "rules": [
            {
                "check": "fake_memory",
                "metric": "fake.ram_gb",
                "label": f"RAM {HOSTILE}",
                "outcome": "fail",
                "actual_text": "2 GB",
                "expected_text": "at least <i>8</i> GB",
                "advice": HOSTILE,
            }
        ],
    }
    page = ResultsPage()
    qtbot.addWidget(page)
    page.show_report(report)
    item = page.items[0]
    assert [shown(item.title), shown(item.found), shown(item.advice)] == [
        f"RAM {HOSTILE}",
        "2 GB — needs at least <i>8</i> GB",
        HOSTILE,
    ]
    guided = GuidedView()
    qtbot.addWidget(guided)
    guided.show_steps(plan_steps([FakeMemory]), {"fake_memory": HOSTILE})
    guided.step_started(0)
    guided.check_started("fake_memory")
    guided.check_progressed("fake_memory", Progress(0.5, f"Read aloud: {HOSTILE}"))
    assert shown(guided.check_title) == HOSTILE
    assert shown(guided.instruction) == f"Read aloud: {HOSTILE}"
