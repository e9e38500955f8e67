"""Answers to questions from the command line and from answers files (TOML or JSON).

Shared by the CLI and the GUI: both turn raw values into :class:`deskready.checks.api.Answer` here,
so "bad answer" means the same thing everywhere. Every problem names the question id
and the allowed values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from deskready.bounded_read import ReadProblem, load_json, load_toml, read_text_file
from deskready.checks.api import Answer, AnswerType, Question
from deskready.checks.i18n import _
from deskready.spec.errors import did_you_mean

MAX_ANSWERS_BYTES = 256 * 1024


class AnswerError(Exception):
    """An answer given up front is unusable (unknown question or bad value)."""


def now() -> datetime:
    """The time an answer was given, with the local timezone."""
    return datetime.now().astimezone()


def allowed_values(question: Question) -> str:
    """The values a question accepts, for error messages and prompts."""
    if question.type is AnswerType.CHOICE:
        return ", ".join(c.value for c in question.choices)
    if question.type is AnswerType.YES_NO:
        return "yes, no"
    if question.type is AnswerType.NUMBER:
        return _("a number")
    return _("any text")


def make_answer(question: Question, raw: Any, source: str) -> Answer:
    """Parse ``raw`` for ``question``.

    Raises:
        AnswerError: naming the question and what it accepts.
    """
    try:
        value = question.parse(raw)
    except ValueError as exc:
        raise AnswerError(
            _("Answer to '{id}' is not valid: {problem}.").format(id=question.id, problem=exc)
        ) from None
    return Answer(question.id, value, now(), source)


def _lookup(questions: Mapping[str, Question], question_id: str) -> Question:
    question = questions.get(question_id)
    if question is None:
        known = ", ".join(sorted(questions)) or _("none")
        raise AnswerError(
            _("There is no question '{id}' in this run (questions: {known}).").format(
                id=question_id, known=known
            )
            + did_you_mean(question_id, set(questions))
        )
    return question


def parse_answer_options(values: Iterable[str], questions: Iterable[Question]) -> dict[str, Answer]:
    """``--answer ID=VALUE`` options into answers."""
    by_id = {q.id: q for q in questions}
    out: dict[str, Answer] = {}
    for option in values:
        question_id, sep, raw = option.partition("=")
        if not sep:
            raise AnswerError(
                _("--answer needs ID=VALUE, for example phone.kind=corded (got '{value}').").format(
                    value=option
                )
            )
        question = _lookup(by_id, question_id.strip())
        out[question.id] = make_answer(question, raw.strip(), "command-line")
    return out


def load_answers_file(path: Path, questions: Iterable[Question]) -> dict[str, Answer]:
    """Answers from a TOML or JSON file mapping question ids to values.

    Nested tables are read as dotted ids, so ``[phone] kind = "corded"`` answers
    ``phone.kind``.
    """
    is_json = path.suffix.lower() == ".json"
    try:
        # Regular files only, bounded size and nesting, a BOM accepted (deskready.bounded_read).
        text = read_text_file(path, limit=MAX_ANSWERS_BYTES)
        raw = load_json(text) if is_json else load_toml(text)
    except ReadProblem as exc:
        if exc.syntax:
            raise AnswerError(
                _("The answers file {path} is not valid {kind}: {problem}").format(
                    path=exc.where(path), kind="JSON" if is_json else "TOML", problem=exc.detail
                )
            ) from None
        raise AnswerError(
            _("Cannot read the answers file {path}: {reason}").format(
                path=exc.where(path), reason=exc.reason
            )
        ) from None
    if not isinstance(raw, dict):
        raise AnswerError(
            _("The answers file {path} must map question ids to answers.").format(path=path)
        )
    by_id = {q.id: q for q in questions}
    out: dict[str, Answer] = {}
    for question_id, value in _flatten(raw):
        question = _lookup(by_id, question_id)
        if isinstance(value, dict | list):
            raise AnswerError(_("Answer to '{id}' must be a single value.").format(id=question_id))
        out[question.id] = make_answer(question, value, "answers-file")
    return out


def _flatten(node: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in node.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            items.extend(_flatten(value, full + "."))
        else:
            items.append((full, value))
    return items
