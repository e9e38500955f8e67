"""Answering the window's dialogs from tests (they are opened with ``open()``)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialogButtonBox

from deskready.answers import make_answer
from deskready.gui.questions import QuestionsDialog
from deskready.gui.window import MainWindow
from tests.gui.fakes import KIND


def answer_dialog(dialog: QuestionsDialog, values: dict[str, str | bool]) -> None:
    for field in dialog.fields:
        if field.question.id in values:
            field.set_raw(values[field.question.id])
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def auto_ready(window: MainWindow, delay_ms: int = 30) -> None:
    """Press *I'm ready* whenever a step of the guided run waits for the agent."""

    def on_gate(_gate: object) -> None:
        QTimer.singleShot(delay_ms, window.guided.ready_button.click)

    window.controller.gate_reached.connect(on_gate)


def auto_answer(window: MainWindow, values: dict[str, str | bool], delay_ms: int = 30) -> None:
    """Answer every question a check asks during the run, shortly after it appears, and
    say "ready" at each step that waits for the agent."""
    auto_ready(window, delay_ms)

    def on_question(_request: object) -> None:
        def answer() -> None:
            dialog = window._question_dialog
            if dialog is not None:
                answer_dialog(dialog, values)

        QTimer.singleShot(delay_ms, answer)

    window.controller.question_asked.connect(on_question)


def preanswer(window: MainWindow) -> None:
    """Answer the before-the-run question up front, as an earlier dialog would have."""
    session = window.controller.session
    assert session is not None
    session.answers[KIND.id] = make_answer(KIND, "corded", "dialog")
