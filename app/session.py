"""One readiness run from start to finish, shared by the CLI and the GUI.

plan (which checks, which questions) -> answers -> runner -> evaluator -> report model.
The front-ends only collect answers, show events and display the finished report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deskready.checks.api import (
    Answer,
    AnswerType,
    AskFunction,
    Check,
    Metric,
    MetricType,
    Question,
)
from deskready.checks.i18n import _, retranslate, using_language
from deskready.evaluate import evaluate
from deskready.outcomes import Verdict
from deskready.registry import CheckRegistry
from deskready.report.build import build_report
from deskready.runner import CheckResult, EventSink, Runner, order_checks
from deskready.spec.errors import did_you_mean
from deskready.spec.model import DECLARATION_PREFIX, Declaration, Spec


class PlanError(Exception):
    """The requested selection of checks is not possible (message for the user)."""


def select_checks(
    spec: Spec,
    registry: CheckRegistry,
    only: Iterable[str] | None = None,
    skip: Iterable[str] | None = None,
) -> list[type[Check]]:
    """The checks to run: those the spec judges or configures, narrowed by only/skip.

    Raises:
        PlanError: an id in ``only``/``skip`` names no installed check.
    """
    only_ids = _known_ids(registry, only, "--only")
    skip_ids = _known_ids(registry, skip, "--skip")
    if only_ids:
        chosen = set(only_ids)
    else:
        chosen = {c.id for r in spec.rules if (c := registry.check_for_metric(r.metric))}
        chosen |= set(spec.check_settings)
        chosen -= spec.disabled_checks
    chosen -= set(skip_ids)
    return order_checks(registry.checks[i] for i in chosen)


def _known_ids(registry: CheckRegistry, ids: Iterable[str] | None, option: str) -> list[str]:
    if not ids:
        return []
    out = []
    for raw in ids:
        for check_id in filter(None, (part.strip() for part in raw.split(","))):
            if check_id not in registry.checks:
                raise PlanError(
                    _("{option}: there is no check '{check}'.").format(
                        option=option, check=check_id
                    )
                    + did_you_mean(check_id, set(registry.checks))
                    + " "
                    + _("Run 'deskready checks' to list them.")
                )
            out.append(check_id)
    return out


def declaration_question(declaration: Declaration) -> Question:
    """An employer declaration asked as a yes/no question (its id is its metric id)."""
    return Question(
        id=declaration.metric,
        text=declaration.text,
        type=AnswerType.YES_NO,
        help=declaration.help,
    )


def check_settings(check: type[Check], spec: Spec) -> dict[str, Any]:
    """A check's declared setting defaults, overlaid with the spec's ``[checks.<id>]``."""
    values = {s.name: s.default for s in check.settings}
    values.update(spec.check_settings.get(check.id, {}))
    return values


def questions_for(checks: Iterable[type[Check]], spec: Spec) -> list[Question]:
    """Every question to put to the agent before the run, in a stable order."""
    questions = [q for c in checks for q in c.questions_for(check_settings(c, spec))]
    questions.extend(declaration_question(d) for d in spec.declarations)
    return questions


def metric_index(registry: CheckRegistry, spec: Spec) -> dict[str, tuple[str | None, Metric]]:
    """metric id -> (producing check id, declaration), declarations included."""
    index: dict[str, tuple[str | None, Metric]] = {
        mid: (check.id, metric) for mid, (check, metric) in registry.metrics().items()
    }
    for d in spec.declarations:
        index[d.metric] = (None, Metric(d.metric, MetricType.BOOLEAN, d.text))
    return index


@dataclass
class Session:
    """A planned run: spec, checks and the answers gathered so far."""

    spec: Spec
    registry: CheckRegistry
    checks: list[type[Check]]
    answers: dict[str, Answer] = field(default_factory=dict)
    agent: dict[str, str] | None = None
    runner: Runner | None = None
    #: results and "interrupted" of the last run, for :meth:`report_in`
    last_run: tuple[list[CheckResult], bool] | None = None

    @property
    def questions(self) -> list[Question]:
        return questions_for(self.checks, self.spec)

    def unanswered(self) -> list[Question]:
        """Questions still without an answer (asked by the front-end, or left unknown)."""
        return [q for q in self.questions if q.id not in self.answers]

    def run(
        self,
        *,
        on_event: EventSink | None = None,
        ask: AskFunction | None = None,
        adapters: Mapping[type, object] | None = None,
        raise_errors: bool = False,
    ) -> dict[str, Any]:
        """Run the checks and return the sealed report.

        Ctrl-C (KeyboardInterrupt) is absorbed: the report then covers what finished, is
        marked ``interrupted`` and its verdict is at best ``incomplete``.
        """
        self.runner = Runner(
            settings=self.spec.check_settings,
            time_budgets=self.spec.time_budgets,
            answers=self.answers,
            adapters=adapters,
            ask=ask,
            on_event=on_event,
            raise_errors=raise_errors,
        )
        interrupted = False
        try:
            results = self.runner.run(self.checks)
        except KeyboardInterrupt:
            interrupted = True
            done = self.runner.partial_results
            results = [done.get(c.id) or CheckResult(c, skipped=True) for c in self.checks]
        self.last_run = (results, interrupted)
        return self.report(results, interrupted=interrupted)

    def report_in(self, language: str) -> dict[str, Any]:
        """The last run's report again, worded in ``language`` (e.g. for the screen when
        the spec wants saved reports in another language)."""
        if self.last_run is None:
            raise RuntimeError("nothing has run yet")
        results, interrupted = self.last_run
        return self.report(results, interrupted=interrupted, language=language)

    def cancel(self) -> None:
        """Stop a run in progress (from another thread, e.g. the GUI's Cancel button)."""
        if self.runner is not None:
            self.runner.cancel()

    def report(
        self,
        results: list[CheckResult],
        *,
        interrupted: bool = False,
        language: str | None = None,
    ) -> dict[str, Any]:
        """Judge finished results and build the report.

        Its texts are in ``language``, else the spec's ``report_language``, else the
        agent's: an employer reading thousands of reports may want them all in one.
        """
        with using_language(language or self.spec.report_language):
            return self._report(results, interrupted)

    def _report(self, results: list[CheckResult], interrupted: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        declared: set[str] = set()
        errors: dict[str, str] = {}
        for result in results:
            values.update(result.measurements.values)
            declared |= result.measurements.declared
            if result.error:
                errors[result.check.id] = retranslate(result.error)
            elif result.skipped:
                errors[result.check.id] = _("This check was not run.")
        declaration_values = {}
        for d in self.spec.declarations:
            answer = self.answers.get(d.metric)
            declaration_values[d.metric] = None if answer is None else answer.value
            if answer is not None:
                declared.add(d.metric)
        values.update(declaration_values)
        ran = {r.check.id for r in results}
        index = metric_index(self.registry, self.spec)
        # Rules on checks left out with --only/--skip are not judged: the report says
        # what was checked, and a partial run is not mistaken for a full one.
        rules = [
            r
            for r in self.spec.rules
            if r.metric.startswith(DECLARATION_PREFIX) or index[r.metric][0] in ran
        ]
        rule_results, verdict = evaluate(
            rules, values, index, declared=frozenset(declared), errors=errors
        )
        if interrupted and verdict is Verdict.READY:
            verdict = Verdict.INCOMPLETE
        return build_report(
            spec=self.spec,
            results=results,
            rule_results=rule_results,
            verdict=verdict,
            answers=self.answers,
            declaration_values=declaration_values,
            agent=self.agent,
            interrupted=interrupted,
        )
