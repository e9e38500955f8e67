"""One readiness run from start to finish, shared by the CLI, the GUI and the hub.

plan (which checks, which are left out) -> answers -> runner -> :class:`RunOutcome` ->
evaluator -> report. The front-ends only collect answers, show events and place the
finished report; :meth:`Session.reports` is the one way an outcome becomes the report
shown and the report saved, and a re-run of some checks merges into the last outcome here,
not in a front-end.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deskready.checks.api import Answer, AskFunction, Check, Metric, Question
from deskready.checks.i18n import _, active_language, using_language
from deskready.declarations import DECLARATIONS_ID, declarations_check
from deskready.evaluate import Judgement, evaluate
from deskready.registry import CheckRegistry
from deskready.report.build import Scope, build_report
from deskready.runner import CheckResult, EventSink, Runner, order_checks
from deskready.spec.errors import did_you_mean
from deskready.spec.model import Spec


class PlanError(Exception):
    """The requested selection of checks is not possible (message for the user)."""


def spec_checks(spec: Spec, registry: CheckRegistry) -> dict[str, type[Check]]:
    """Every check this spec can run: the installed ones plus its declarations check."""
    checks = dict(registry.checks)
    own = declarations_check(spec.declarations)
    if own is not None:
        checks[DECLARATIONS_ID] = own
    return checks


def wanted_checks(spec: Spec, registry: CheckRegistry) -> list[type[Check]]:
    """The checks the spec asks for: those it judges or configures, less those it disables."""
    available = spec_checks(spec, registry)
    index = metric_index(registry, spec)
    chosen = {index[r.metric][0] for r in spec.rules if r.metric in index}
    chosen |= set(spec.check_settings)
    chosen -= spec.disabled_checks
    return order_checks(available[i] for i in chosen if i in available)


@dataclass(frozen=True)
class Plan:
    """What a run will do: the checks to run, and the wanted checks it leaves out."""

    checks: tuple[type[Check], ...]
    left_out: tuple[type[Check], ...] = ()


def plan_checks(
    spec: Spec,
    registry: CheckRegistry,
    only: Iterable[str] | None = None,
    skip: Iterable[str] | None = None,
) -> Plan:
    """The checks to run, narrowed by ``--only``/``--skip``; what that leaves out is kept.

    Raises:
        PlanError: an id in ``only``/``skip`` names no check.
    """
    available = spec_checks(spec, registry)
    only_ids = _known_ids(available, only, "--only")
    skip_ids = set(_known_ids(available, skip, "--skip"))
    wanted = wanted_checks(spec, registry)
    chosen = [available[i] for i in dict.fromkeys(only_ids)] if only_ids else list(wanted)
    chosen = [c for c in chosen if c.id not in skip_ids]
    run_ids = {c.id for c in chosen}
    return Plan(
        tuple(order_checks(chosen)),
        tuple(c for c in wanted if c.id not in run_ids),
    )


def select_checks(
    spec: Spec,
    registry: CheckRegistry,
    only: Iterable[str] | None = None,
    skip: Iterable[str] | None = None,
) -> list[type[Check]]:
    """The checks to run (see :func:`plan_checks`, which also says what is left out)."""
    return list(plan_checks(spec, registry, only, skip).checks)


def _known_ids(
    available: Mapping[str, type[Check]], ids: Iterable[str] | None, option: str
) -> list[str]:
    if not ids:
        return []
    out = []
    for raw in ids:
        for check_id in filter(None, (part.strip() for part in raw.split(","))):
            if check_id not in available:
                raise PlanError(
                    _("{option}: there is no check '{check}'.").format(
                        option=option, check=check_id
                    )
                    + did_you_mean(check_id, set(available))
                    + " "
                    + _("Run 'deskready checks' to list them.")
                )
            out.append(check_id)
    return out


def check_settings(check: type[Check], spec: Spec) -> dict[str, Any]:
    """A check's declared setting defaults, overlaid with the spec's ``[checks.<id>]``."""
    values = {s.name: s.default for s in check.settings}
    values.update(spec.check_settings.get(check.id, {}))
    return values


def questions_for(checks: Iterable[type[Check]], spec: Spec) -> list[Question]:
    """Every question to put to the agent before the run, in a stable order."""
    return [q for c in checks for q in c.questions_for(check_settings(c, spec))]


def metric_index(registry: CheckRegistry, spec: Spec) -> dict[str, tuple[str, Metric]]:
    """metric id -> (producing check id, declaration), declarations included."""
    return {
        m.id: (check.id, m) for check in spec_checks(spec, registry).values() for m in check.metrics
    }


@dataclass(frozen=True)
class RunOutcome:
    """What a run produced, before any judging.

    Attributes:
        results: one per planned check, in plan order; a check that did not run is there
            as ``skipped``.
        interrupted: the run was stopped (Ctrl-C, Cancel) before it finished.
        left_out: checks the spec asks for that this run left out (``--only``/``--skip``).
    """

    results: tuple[CheckResult, ...]
    interrupted: bool = False
    left_out: tuple[type[Check], ...] = ()

    def result(self, check_id: str) -> CheckResult | None:
        return next((r for r in self.results if r.check.id == check_id), None)


@dataclass
class Session:
    """A planned run: spec, checks and the answers gathered so far."""

    spec: Spec
    registry: CheckRegistry
    checks: list[type[Check]]
    answers: dict[str, Answer] = field(default_factory=dict)
    agent: dict[str, str] | None = None
    #: wanted checks this session does not run (``--only``/``--skip``); see :func:`plan_checks`
    left_out: list[type[Check]] = field(default_factory=list)
    runner: Runner | None = None
    #: the outcome of the last run (merged with earlier ones on a re-run)
    last: RunOutcome | None = None
    #: the employer hub this run is measured by and reports to (``{"url", "session",
    #: "nonce", …}``, docs/hub-protocol.md §5); sealed into the report, None without a hub
    hub: dict[str, Any] | None = None
    #: the run not yet kept in the local history (deskready.history); set by run(), kept
    #: by the first reports() of it, so judging it again (a language switch) adds nothing
    _unrecorded: RunOutcome | None = field(default=None, init=False, repr=False)

    @classmethod
    def planned(
        cls,
        spec: Spec,
        registry: CheckRegistry,
        *,
        only: Iterable[str] | None = None,
        skip: Iterable[str] | None = None,
        agent: dict[str, str] | None = None,
    ) -> Session:
        """A session for ``spec`` narrowed by ``only``/``skip`` (raises :class:`PlanError`)."""
        plan = plan_checks(spec, registry, only, skip)
        return cls(spec, registry, list(plan.checks), agent=agent, left_out=list(plan.left_out))

    @property
    def questions(self) -> list[Question]:
        return questions_for(self.checks, self.spec)

    def unanswered(self) -> list[Question]:
        """Questions still without an answer (asked by the front-end, or left unknown)."""
        return [q for q in self.questions if q.id not in self.answers]

    def run(
        self,
        *,
        only: Collection[str] | None = None,
        previous: RunOutcome | None = None,
        on_event: EventSink | None = None,
        ask: AskFunction | None = None,
        adapters: Mapping[type, object] | None = None,
        raise_errors: bool = False,
    ) -> RunOutcome:
        """Run the planned checks (or ``only`` these of them) and return the outcome.

        With ``previous``, results of checks not run now are taken from it, so re-running
        one check after a fix gives an outcome for the whole plan. Ctrl-C
        (KeyboardInterrupt) is absorbed: the outcome is then marked ``interrupted``.
        """
        to_run = [c for c in self.checks if only is None or c.id in only]
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
            fresh = self.runner.run(to_run)
        except KeyboardInterrupt:
            interrupted = True
            fresh = list(self.runner.partial_results.values())
        if self.runner.cancelled:
            interrupted = True
        done = {r.check.id: r for r in fresh}
        earlier = {r.check.id: r for r in previous.results} if previous is not None else {}
        results = []
        for check in self.checks:
            result = done.get(check.id)
            if result is None or (result.skipped and check.id in earlier):
                result = earlier.get(check.id) or CheckResult(check, skipped=True)
            results.append(result)
        outcome = RunOutcome(tuple(results), interrupted, tuple(self.left_out))
        self.last = outcome
        self._unrecorded = outcome
        return outcome

    def cancel(self) -> None:
        """Stop a run in progress (from another thread, e.g. the GUI's Cancel button)."""
        if self.runner is not None:
            self.runner.cancel()

    def judge(self, outcome: RunOutcome) -> Judgement:
        """The evaluator's judgement of an outcome (in the active language)."""
        disabled = self.spec.disabled_checks
        index = metric_index(self.registry, self.spec)
        # Rules on checks the employer's own spec disables are the employer's choice and
        # stay out of the verdict; every other rule is judged, run or not.
        rules = [r for r in self.spec.rules if index[r.metric][0] not in disabled]
        return evaluate(
            rules,
            outcome.results,
            index,
            left_out=[c.id for c in outcome.left_out],
            interrupted=outcome.interrupted,
        )

    def report(self, outcome: RunOutcome, *, language: str | None = None) -> dict[str, Any]:
        """The sealed report of an outcome.

        Its texts are in ``language``, else the spec's ``report_language``, else the
        agent's: an employer reading thousands of reports may want them all in one.
        """
        with using_language(language or self.spec.report_language):
            judgement = self.judge(outcome)
            return build_report(
                spec=self.spec,
                results=[*outcome.results],
                left_out=outcome.left_out,
                judgement=judgement,
                answers=self.answers,
                agent=self.agent,
                interrupted=outcome.interrupted,
                scope=self.scope(outcome),
                hub=self.hub,
            )

    def reports(
        self, outcome: RunOutcome, shown_language: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The report to show (in ``shown_language``, default the agent's) and the one to
        save (in the spec's report language); the same object when the languages agree."""
        saved = self.report(outcome)
        kept = self._unrecorded
        # The same results (a front-end may mark a cancelled outcome interrupted with
        # dataclasses.replace): this is the run's first report, so the history keeps it.
        if kept is not None and outcome.results is kept.results:
            self._unrecorded = None
            from deskready.history.record import record_finished

            record_finished(saved, reverify_days=self.spec.reverify.every_days)
        shown_in = shown_language or active_language()
        if saved["language"] == shown_in:
            return saved, saved
        return self.report(outcome, language=shown_in), saved

    def scope(self, outcome: RunOutcome) -> Scope:
        """What this run covered of what the spec asks for."""
        return Scope(
            ran=tuple(r.check.id for r in outcome.results if not r.skipped),
            not_run=tuple(r.check.id for r in outcome.results if r.skipped),
            left_out=tuple(c.id for c in outcome.left_out),
            disabled=tuple(sorted(self.spec.disabled_checks)),
            interrupted=outcome.interrupted,
        )
