"""Runs checks: each within its time budget, failures contained, progress reported.

Light checks run concurrently; *exclusive* checks run one after another on their
category's lane: the network checks on one (a bandwidth test ruins a latency or loss
measurement taken at the same time), the audio checks on another (they share the headset).
The two lanes run side by side, as a call does: the network checks send no sound and the
audio checks no traffic, so neither disturbs the other, and the whole run takes as long as
the longer lane rather than the sum of both (issue 16: a full automated run in 30 s). An exception, a timeout or a bad return value becomes
an ERROR result with a human message; the traceback goes to the log (checkov's runner).
With ``raise_errors`` (tests) the exception propagates instead.

Threads cannot be killed, so a check that overruns its budget is told to stop (its
context reports cancelled) and abandoned after a short grace period; checks are written
to poll ``ctx.cancelled`` and to bound every blocking call by ``ctx.time_left()``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deskready.checks.api import (
    Answer,
    AskFunction,
    Category,
    Check,
    CheckCancelled,
    CheckContext,
    CheckFailed,
    Measurements,
)
from deskready.checks.i18n import M_
from deskready.outcomes import Status

log = logging.getLogger(__name__)

#: How long a check that was told to stop gets to wind down before it is abandoned.
GRACE_S = 1.5
#: Light checks in flight at once; they are cheap, mostly waiting on the OS.
LIGHT_WORKERS = 4
CATEGORY_ORDER = list(Category)


@dataclass(frozen=True)
class CheckStarted:
    """A check began (front-ends show a spinner)."""

    check_id: str


@dataclass(frozen=True)
class CheckProgress:
    """A running check reported progress and, possibly, live values (Mbps, dBFS)."""

    check_id: str
    fraction: float | None
    message: str
    live: Mapping[str, float]


@dataclass(frozen=True)
class CheckFinished:
    """A check ended, one way or another."""

    check_id: str
    result: CheckResult


RunEvent = CheckStarted | CheckProgress | CheckFinished
EventSink = Callable[[RunEvent], None]


@dataclass
class CheckResult:
    """What one check produced, before any judging.

    ``status`` is ERROR or SKIPPED when the check did not deliver; otherwise None here
    and decided by the evaluator from the rules.
    """

    check: type[Check]
    measurements: Measurements = field(default_factory=Measurements)
    error: str | None = None
    skipped: bool = False
    started_at: datetime | None = None
    duration_s: float = 0.0

    @property
    def runner_status(self) -> Status | None:
        if self.skipped:
            return Status.SKIPPED
        if self.error is not None:
            return Status.ERROR
        return None


def order_checks(checks: Iterable[type[Check]]) -> list[type[Check]]:
    """Display and run order: by category (system first), then declared order, then id."""
    return sorted(checks, key=lambda c: (CATEGORY_ORDER.index(c.category), c.order, c.id))


class Runner:
    """Runs a set of checks once. Create a new one for each run."""

    def __init__(
        self,
        *,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        time_budgets: Mapping[str, float] | None = None,
        answers: Mapping[str, Answer] | None = None,
        adapters: Mapping[type, object] | None = None,
        ask: AskFunction | None = None,
        on_event: EventSink | None = None,
        raise_errors: bool = False,
    ) -> None:
        self._settings = settings or {}
        self._budgets = time_budgets or {}
        self._answers = answers or {}
        self._adapters = dict(adapters or {})
        self._ask = ask
        self._on_event = on_event
        self._raise_errors = raise_errors
        self._cancel = threading.Event()
        self._ask_lock = threading.Lock()  # one question on screen at a time

    def cancel(self) -> None:
        """Ask every running check to stop; checks not started yet are skipped."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self, checks: Sequence[type[Check]]) -> list[CheckResult]:
        """Run ``checks`` and return one result per check, in the given order.

        Safe to interrupt with Ctrl-C: the main thread only waits in short slices, so
        KeyboardInterrupt arrives promptly; it cancels the run and re-raises after the
        running checks have wound down, with the partial results kept in
        :attr:`partial_results`.
        """
        selected = frozenset(c.id for c in checks)
        results: dict[str, CheckResult] = {}
        self.partial_results = results
        light = [c for c in checks if not c.exclusive]
        lanes: dict[Category, list[type[Check]]] = {}
        for check in checks:
            if check.exclusive:
                lanes.setdefault(check.category, []).append(check)

        def run_lane(queue: list[type[Check]]) -> None:
            for check in queue:
                results[check.id] = self._execute(check, selected)

        pool = ThreadPoolExecutor(max_workers=LIGHT_WORKERS, thread_name_prefix="check")
        futures: dict[Future[CheckResult], type[Check]] = {
            pool.submit(self._execute, check, selected): check for check in light
        }
        threads = [
            threading.Thread(
                target=run_lane, args=(queue,), name=f"lane-{category.value}", daemon=True
            )
            for category, queue in lanes.items()
        ]
        for thread in threads:
            thread.start()
        try:
            pending = set(futures)
            while pending or any(t.is_alive() for t in threads):
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for future in done:
                    results[futures[future].id] = future.result()
                if not pending:
                    for thread in threads:
                        thread.join(timeout=0.1 / len(threads))
        except KeyboardInterrupt:
            self.cancel()
            self._wind_down(futures, threads, results)
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return [results[c.id] for c in checks if c.id in results]

    def _wind_down(
        self,
        futures: Mapping[Future[CheckResult], type[Check]],
        lanes: Sequence[threading.Thread],
        results: dict[str, CheckResult],
    ) -> None:
        """After Ctrl-C: let running checks stop within the grace period, skip the rest."""
        deadline = time.monotonic() + GRACE_S + 0.5
        for future, check in futures.items():
            try:
                results[check.id] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except Exception:  # cancelled before start, or still running: recorded as skipped
                results.setdefault(check.id, CheckResult(check, skipped=True))
        for lane in lanes:
            lane.join(timeout=max(0.0, deadline - time.monotonic()))

    # -- one check ---------------------------------------------------------------------
    def _execute(self, check: type[Check], selected: frozenset[str]) -> CheckResult:
        if self._cancel.is_set():
            return CheckResult(check, skipped=True)
        budget = self._budgets.get(check.id, check.time_budget_s)
        check_cancel = threading.Event()
        ctx = CheckContext(
            settings=self._settings_for(check),
            answers=self._answers,
            adapters=self._adapters,
            time_budget_s=budget,
            cancel_event=check_cancel,
            progress=lambda f, m, live: self._emit(CheckProgress(check.id, f, m, dict(live))),
            ask=self._serialised_ask,
            selected_checks=selected,
        )
        result = CheckResult(check, started_at=datetime.now().astimezone())
        self._emit(CheckStarted(check.id))
        started = time.monotonic()
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["value"] = check().run(ctx)
            except BaseException as exc:  # delivered to the runner thread below
                box["error"] = exc

        thread = threading.Thread(target=target, name=f"check-{check.id}", daemon=True)
        thread.start()
        stop_at: float | None = None
        while thread.is_alive():
            thread.join(timeout=0.05)
            if stop_at is None and (self._cancel.is_set() or ctx.time_left() <= 0):
                check_cancel.set()
                stop_at = time.monotonic() + GRACE_S
            if stop_at is not None and time.monotonic() > stop_at:
                break
        result.duration_s = round(time.monotonic() - started, 3)

        if thread.is_alive():
            log.warning("check %s abandoned after its budget of %.1f s", check.id, budget)
            if self._cancel.is_set():
                result.skipped = True
            else:
                result.error = M_(
                    "This check did not finish within {seconds} seconds.", seconds=round(budget)
                )
        elif "error" in box:
            self._record_error(check, box["error"], result, budget)
        else:
            self._record_value(check, box.get("value"), result)
        self._emit(CheckFinished(check.id, result))
        return result

    def _record_error(
        self, check: type[Check], exc: BaseException, result: CheckResult, budget: float
    ) -> None:
        if isinstance(exc, CheckCancelled):
            if self._cancel.is_set():
                result.skipped = True
            else:
                result.error = M_(
                    "This check did not finish within {seconds} seconds.", seconds=round(budget)
                )
            return
        if isinstance(exc, CheckFailed):
            result.error = str(exc)
            return
        if self._raise_errors or not isinstance(exc, Exception):
            raise exc
        log.error("check %s crashed", check.id, exc_info=exc)
        result.error = M_(
            "This check stopped because of an unexpected problem ({problem}). "
            "Please try again; if it keeps happening, contact support.",
            problem=type(exc).__name__,
        )

    def _record_value(self, check: type[Check], value: object, result: CheckResult) -> None:
        problems = _invalid_measurements(check, value)
        if problems:
            message = f"check {check.id!r} returned invalid measurements: " + "; ".join(problems)
            if self._raise_errors:
                raise TypeError(message)
            log.error(message)
            result.error = M_("This check returned results deskready cannot read.")
            return
        assert isinstance(value, Measurements)
        result.measurements = value

    def _settings_for(self, check: type[Check]) -> dict[str, Any]:
        """The check's declared defaults, overlaid with what the spec set."""
        values = {s.name: s.default for s in check.settings}
        values.update(self._settings.get(check.id, {}))
        return values

    def _serialised_ask(self, question: Any) -> Answer | None:
        if self._ask is None or self._cancel.is_set():
            return None
        with self._ask_lock:
            return self._ask(question)

    def _emit(self, event: RunEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:  # a front-end bug must not stop the measurement
            log.exception("event handler failed on %r", event)


def _invalid_measurements(check: type[Check], value: object) -> list[str]:
    """Why ``value`` is not a valid return of ``check.run`` (empty if it is fine)."""
    if not isinstance(value, Measurements):
        return [f"run() returned {type(value).__name__}, not Measurements"]
    problems: list[str] = []
    declared = {m.id: m for m in check.metrics}
    for metric_id, metric_value in value.values.items():
        metric = declared.get(metric_id)
        if metric is None:
            problems.append(f"undeclared metric {metric_id!r}")
        elif not metric.accepts(metric_value):
            problems.append(f"{metric_id} = {metric_value!r} is not a valid {metric.type.value}")
    return problems
