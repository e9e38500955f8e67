"""Asks the agent questions on the terminal: numbered choices, yes/no, retry on bad input."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from deskready.answers import AnswerError, allowed_values, make_answer
from deskready.checks.api import Answer, AnswerType, Question
from deskready.checks.i18n import _

if TYPE_CHECKING:
    from deskready.cli.render import ProgressView

#: A question asked this many times without a usable answer is left unanswered.
MAX_TRIES = 5


class TerminalAsker:
    """Prompts on the console; pauses the live progress display while it asks."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.view: ProgressView | None = None

    def ask_up_front(self, question: Question) -> Answer:
        """Ask until a valid answer is given (Ctrl-C / end of input propagate)."""
        self._show(question)
        for _attempt in range(MAX_TRIES):
            # A Text prompt: Console.input parses a str prompt as markup whatever the
            # console says, and the prompt names a plugin's allowed values.
            raw = self.console.input(Text(self._prompt(question)))
            try:
                return make_answer(question, self._resolve(question, raw), "prompt")
            except AnswerError as exc:
                self.console.print(Text(str(exc), style="red"))
        raise EOFError  # nobody is giving a usable answer: treat like closed input

    def ask_during_run(self, question: Question) -> Answer | None:
        """Ask while checks run (e.g. "how many beeps did you hear?")."""
        if self.view is not None:
            self.view.pause()
        try:
            return self.ask_up_front(question)
        except EOFError:
            return None
        finally:
            if self.view is not None:
                self.view.resume()

    def _show(self, question: Question) -> None:
        self.console.print()
        self.console.print(Text(_(question.text), style="bold"))
        if question.help:
            self.console.print(Text(_(question.help), style="dim"))
        if question.type is AnswerType.CHOICE:
            for number, choice in enumerate(question.choices, start=1):
                self.console.print(Text(f"  {number}) {_(choice.label)}"))

    @staticmethod
    def _prompt(question: Question) -> str:
        if question.type is AnswerType.CHOICE:
            return _("Your choice (1-{n}): ").format(n=len(question.choices))
        if question.type is AnswerType.YES_NO:
            return _("Yes or no (y/n): ")
        return f"({allowed_values(question)}): "

    @staticmethod
    def _resolve(question: Question, raw: str) -> str:
        """Map a typed number or a translated yes/no word to the stable value."""
        text = raw.strip()
        if question.type is AnswerType.CHOICE and text.isdigit():
            index = int(text) - 1
            if 0 <= index < len(question.choices):
                return question.choices[index].value
        if question.type is AnswerType.YES_NO:
            lowered = text.lower()
            if lowered in {_("y"), _("yes")}:
                return "yes"
            if lowered in {_("n"), _("no")}:
                return "no"
        return text
