"""The employer's declarations, run as a check of their own.

A declaration ("I work in a room with a door I can close") is a yes/no question the
agent answers. Built once per spec as an ordinary :class:`~deskready.checks.api.Check`,
it is planned, run, judged, reported and re-run exactly like every other check: no view
and no part of the core treats it specially.
"""

from __future__ import annotations

from collections.abc import Sequence

from deskready.checks.api import (
    AnswerType,
    Category,
    Check,
    CheckContext,
    Measurements,
    Metric,
    MetricType,
    MetricValue,
    Question,
)
from deskready.checks.i18n import N_
from deskready.spec.model import Declaration

#: The id the declarations check has in reports, ``--only`` and ``--skip``.
DECLARATIONS_ID = "declarations"


def declaration_question(declaration: Declaration) -> Question:
    """An employer declaration asked as a yes/no question (its id is its metric id)."""
    return Question(
        id=declaration.metric,
        text=declaration.text,
        type=AnswerType.YES_NO,
        help=declaration.help,
    )


def declarations_check(declarations: Sequence[Declaration]) -> type[Check] | None:
    """The check that records the agent's answers to ``declarations`` (None if there are none)."""
    if not declarations:
        return None
    own_metrics = tuple(Metric(d.metric, MetricType.BOOLEAN, d.text) for d in declarations)
    own_questions = tuple(declaration_question(d) for d in declarations)
    texts = {d.metric: d.text for d in declarations}

    class DeclarationsCheck(Check):
        """Each declaration's answer, recorded as the agent's own word (declared)."""

        id = DECLARATIONS_ID
        title = N_("Your declarations")
        category = Category.WORKSPACE
        metrics = own_metrics
        questions = own_questions
        time_budget_s = 5.0

        def run(self, ctx: CheckContext) -> Measurements:
            values: dict[str, MetricValue] = {}
            declared: set[str] = set()
            for metric in self.metrics:
                answer = ctx.answer(metric.id)
                values[metric.id] = None if answer is None else bool(answer.value)
                if answer is not None:
                    declared.add(metric.id)
            return Measurements(
                values,
                details={"texts": dict(texts)},  # re-translated when the report is built
                declared=declared,
            )

    return DeclarationsCheck
