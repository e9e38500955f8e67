"""Questions as dialogs: the agent's answers before the run, and questions a check asks
while it runs (e.g. "How many beeps did you hear?").

Answers are parsed by :func:`deskready.answers.make_answer`, the same as the CLI's, so a bad
answer means the same thing everywhere. Dialogs are opened with ``open()`` (window-modal,
no nested event loop), so the run's events keep flowing while a question is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from deskready.checks.api import Answer, AnswerType, Question
from deskready.checks.i18n import _
from deskready.gui.theme import status_color


class QuestionField(QWidget):
    """The editor for one question: choices, yes/no, a number or text."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        text = _(question.text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._combo: QComboBox | None = None
        self._edit: QLineEdit | None = None
        self._group: QButtonGroup | None = None
        if question.type is AnswerType.CHOICE:
            self._combo = QComboBox()
            self._combo.addItem(_("(choose)"), None)
            for choice in question.choices:
                self._combo.addItem(_(choice.label), choice.value)
            self._combo.setAccessibleName(text)
            layout.addWidget(self._combo, 1)
        elif question.type is AnswerType.YES_NO:
            self._group = QButtonGroup(self)
            for label, value in ((_("&Yes"), 1), (_("&No"), 0)):
                button = QRadioButton(label)
                button.setAccessibleName(f"{text} {label.replace('&', '')}")
                self._group.addButton(button, value)
                layout.addWidget(button)
            layout.addStretch(1)
        else:
            self._edit = QLineEdit()
            self._edit.setAccessibleName(text)
            if question.type is AnswerType.NUMBER:
                self._edit.setPlaceholderText(_("a number"))
                self._edit.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)
            layout.addWidget(self._edit, 1)

    def raw(self) -> str | bool | None:
        """What the agent entered, or None if nothing yet."""
        if self._combo is not None:
            value = self._combo.currentData()
            return None if value is None else str(value)
        if self._group is not None:
            checked = self._group.checkedId()
            return None if checked < 0 else bool(checked)
        assert self._edit is not None
        return self._edit.text().strip() or None

    def set_raw(self, value: str | bool) -> None:
        """Fill the field (tests, and answers remembered from an earlier run)."""
        if self._combo is not None:
            self._combo.setCurrentIndex(max(0, self._combo.findData(value)))
        elif self._group is not None:
            button = self._group.button(1 if value else 0)
            if button is not None:
                button.setChecked(True)
        elif self._edit is not None:
            self._edit.setText(str(value))

    def focus_widget(self) -> QWidget:
        if self._combo is not None:
            return self._combo
        if self._group is not None:
            return self._group.buttons()[0]
        assert self._edit is not None
        return self._edit


class QuestionsDialog(QDialog):
    """Several questions in one form. Unanswered ones are left unknown, not invented."""

    def __init__(
        self, questions: Sequence[Question], parent: QWidget | None = None, *, title: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title or _("A few questions before we start"))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(480)
        self.answers: dict[str, Answer] = {}
        self.fields: list[QuestionField] = []
        intro = QLabel(
            _(
                "Your computer cannot see these things, so please tell us. Leave a question empty if you are not sure."
            )
            if len(questions) > 1
            else ""
        )
        intro.setWordWrap(True)
        form = QVBoxLayout()
        form.setSpacing(4)
        for question in questions:
            field = QuestionField(question)
            self.fields.append(field)
            label = QLabel(f"<b>{escape(_(question.text))}</b>")
            label.setWordWrap(True)
            label.setBuddy(field.focus_widget())
            form.addSpacing(6)
            form.addWidget(label)
            form.addWidget(field)
            if question.help:
                help_label = QLabel(f"<small>{escape(_(question.help))}</small>")
                help_label.setWordWrap(True)
                form.addWidget(help_label)
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # quotes the agent's own answer
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {status_color('fail').name()};")
        self.error.setAccessibleName(_("Problem with an answer"))
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("&Continue"))
        ok.setAccessibleName(_("Continue with these answers"))
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(_("S&kip"))
        cancel.setAccessibleName(_("Skip without answering"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        if intro.text():
            layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if self.fields:
            self.fields[0].focus_widget().setFocus()

    def _accept(self) -> None:
        from deskready.answers import AnswerError, make_answer  # loads the spec package (pydantic)

        answers: dict[str, Answer] = {}
        for field in self.fields:
            raw = field.raw()
            if raw is None:
                continue
            try:
                answers[field.question.id] = make_answer(field.question, raw, "dialog")
            except AnswerError as exc:
                self.error.setText(str(exc))
                self.error.show()
                field.focus_widget().setFocus()
                return
        self.answers = answers
        self.accept()


class AskDialog(QuestionsDialog):
    """One question a check asks during the run; the check waits for it."""

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__([question], parent, title=_("The check needs your answer"))

    def answer(self) -> Answer | None:
        return next(iter(self.answers.values()), None)
