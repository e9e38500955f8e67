"""The check plugin API: what a check declares, what it gets to work with, what it returns.

A check *measures*; it never judges. It declares up front (checkov, Glances style) the
metrics it produces, the questions it may ask and the settings it accepts, and its
``run(context)`` returns :class:`Measurements`. The employer spec holds every threshold and
the application's evaluator turns both into pass / warn / fail. This module is the whole
contract a third-party plugin needs; it imports neither Qt nor the application.

A minimal check::

    from deskready.checks.api import (
        N_, Category, Check, CheckContext, Measurements, Metric, MetricType,
    )

    class UptimeCheck(Check):
        id = "uptime"
        title = N_("Time since restart")
        category = Category.SYSTEM
        metrics = (Metric("uptime.hours", MetricType.NUMBER, N_("Hours since restart"), "h"),)

        def run(self, ctx: CheckContext) -> Measurements:
            return Measurements({"uptime.hours": 12.5})
"""

from __future__ import annotations

import functools
import math
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from deskready.checks.i18n import M_, N_, Mn_, TranslationDomain, _, ngettext

#: The translation helpers a plugin needs, re-exported so ``deskready.checks.api`` is the
#: whole contract: ``from deskready.checks.api import Check, N_, M_``.
__all__ = [
    "CHECK_ID_PATTERN",
    "METRIC_ID_PATTERN",
    "M_",
    "N_",
    "Answer",
    "AnswerType",
    "AskFunction",
    "Category",
    "Check",
    "CheckCancelled",
    "CheckContext",
    "CheckFailed",
    "Choice",
    "JSONValue",
    "Measurements",
    "Metric",
    "MetricSeries",
    "MetricType",
    "MetricValue",
    "Mn_",
    "ProgressSink",
    "Question",
    "Setting",
    "TranslationDomain",
    "_",
    "ngettext",
    "validate_check_class",
]

#: JSON-compatible value kept in a report (details, series).
JSONValue = Any
#: What a metric may hold. ``None`` means "could not determine" — a first-class value.
MetricValue = float | int | bool | str | None

CHECK_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
METRIC_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class Category(StrEnum):
    """Where a check is grouped in the GUI, CLI table and PDF."""

    SYSTEM = "system"
    NETWORK = "network"
    AUDIO = "audio"
    PHONE = "phone"
    WORKSPACE = "workspace"
    DISPLAY = "display"

    def label(self) -> str:
        """The category's name as every view shows it ("Network"), translated."""
        from deskready.checks.i18n import _

        return _(CATEGORY_LABELS.get(self, self.value))


#: What each category is called in the CLI, the GUI, the PDF and the hub (N_-marked).
CATEGORY_LABELS: dict[Category, str] = {
    Category.SYSTEM: N_("Computer"),
    Category.NETWORK: N_("Network"),
    Category.AUDIO: N_("Audio"),
    Category.PHONE: N_("Phone"),
    Category.WORKSPACE: N_("Workspace"),
    Category.DISPLAY: N_("Display"),
}


class MetricType(StrEnum):
    """The type of a metric's value; the spec validator checks rules against it."""

    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    TEXT = "text"
    CHOICE = "choice"  # text from a declared, closed list (``Metric.choices``)


@dataclass(frozen=True)
class MetricSeries:
    """A time series a check keeps for a metric, drawn as a chart with the rule's limit.

    Attributes:
        key: where the points are in ``Measurements.details`` (a list of ``[t, value]``).
        title: the chart's title (N_-marked), e.g. "Latency during the call test".
        unit: the points' unit, when it differs from the metric's.
    """

    key: str
    title: str
    unit: str = ""


@dataclass(frozen=True)
class Metric:
    """One value a check produces, named by a stable id employers write rules against.

    Attributes:
        id: ``<group>.<name>``, e.g. ``network.download_mbps``. Part of the public contract.
        type: what the value is; decides which rule keys apply (``min`` needs a number).
        description: what it means, for docs, ``deskready checks`` and the report (N_-marked).
        unit: short unit shown after the value (``Mbps``, ``ms``, ``GB``); empty if none.
        choices: the closed set of values of a CHOICE metric.
        advice: what to do when a rule on this metric fails, in plain words (N_-marked).
            An employer's ``advice`` in the spec overrides it.
        labels: words an agent reads for CHOICE values (N_-marked), e.g.
            ``{"wifi": N_("Wi-Fi")}``; the value itself stays the id in rules and JSON.
        summary: part of the report's short description of the computer (OS, CPU,
            memory), which the employer uses to tell machines apart.
        series: the time series this check records for the metric, if any (charts).
    """

    id: str
    type: MetricType
    description: str
    unit: str = ""
    choices: tuple[str, ...] = ()
    advice: str = ""
    labels: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    summary: bool = False
    series: MetricSeries | None = None

    def word_for(self, value: object) -> str | None:
        """The translated word for a CHOICE value, or None when it has none."""
        from deskready.checks.i18n import _

        label = self.labels.get(value) if isinstance(value, str) else None
        return _(label) if label else None

    def accepts(self, value: object) -> bool:
        """True when ``value`` has this metric's type (``None``, unknown, always fits)."""
        if value is None:
            return True
        match self.type:
            case MetricType.NUMBER:
                return isinstance(value, int | float) and not isinstance(value, bool)
            case MetricType.INTEGER:
                return isinstance(value, int) and not isinstance(value, bool)
            case MetricType.BOOLEAN:
                return isinstance(value, bool)
            case MetricType.TEXT:
                return isinstance(value, str)
            case MetricType.CHOICE:
                return isinstance(value, str) and value in self.choices
        return False  # pragma: no cover - exhaustive above


class AnswerType(StrEnum):
    """How a question is answered."""

    CHOICE = "choice"
    YES_NO = "yes_no"
    TEXT = "text"
    NUMBER = "number"


@dataclass(frozen=True)
class Choice:
    """One allowed answer to a CHOICE question: a stable value and what the agent reads."""

    value: str
    label: str


@dataclass(frozen=True)
class Question:
    """Something only the agent can tell us (a cordless phone is invisible to a computer).

    Attributes:
        id: stable id used by ``--answer ID=VALUE`` and answers files (``phone.kind``).
        text: the question, N_-marked.
        type: how it is answered.
        help: why it matters, in plain words (N_-marked); shown next to the question.
        choices: the allowed answers of a CHOICE question.
    """

    id: str
    text: str
    type: AnswerType
    help: str = ""
    choices: tuple[Choice, ...] = ()

    def parse(self, raw: str | bool | int | float) -> str | bool | float:
        """Turn a raw answer (typed, from a file or the command line) into its value.

        Raises:
            ValueError: with a message naming the allowed values.
        """
        from deskready.checks.i18n import _

        if self.type is AnswerType.YES_NO:
            if isinstance(raw, bool):
                return raw
            word = str(raw).strip().lower()
            # English always works (scripts); the agent's own words too ("ja", "はい").
            if word in {"y", "yes", "true", "1", _("y").lower(), _("yes").lower()}:
                return True
            if word in {"n", "no", "false", "0", _("n").lower(), _("no").lower()}:
                return False
            raise ValueError(_("answer yes or no"))
        if self.type is AnswerType.NUMBER:
            try:
                return float(raw)
            except (TypeError, ValueError):
                raise ValueError(_("answer with a number")) from None
        text = str(raw).strip()
        if self.type is AnswerType.CHOICE:
            allowed = [c.value for c in self.choices]
            if text not in allowed:
                raise ValueError(_("choose one of: {choices}").format(choices=", ".join(allowed)))
            return text
        if not text:
            raise ValueError(_("the answer cannot be empty"))
        return text


@dataclass(frozen=True)
class Answer:
    """An agent's answer, kept with when and how it was given (declared, not measured)."""

    question_id: str
    value: str | bool | float
    answered_at: datetime
    source: str  # "prompt", "dialog", "command-line", "answers-file"


#: The longest time budget a spec may give a check (``[checks.<id>] time_budget_s``), and
#: so the longest any duration setting can usefully be. Five minutes is over three times
#: the slowest built-in budget (the speaker check's 90 s, which includes the agent's answer);
#: a check still running after that looks hung to the agent, so a larger value is a mistake.
MAX_TIME_BUDGET_S = 300.0
#: The Python types whose settings are numbers: ranges apply, NaN/infinity and booleans do not.
NUMBER_TYPES = (int, float)


def _is_number(value: object) -> bool:
    """True for an int or a finite float; False for bool (``True`` is not 1 in a spec)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


@dataclass(frozen=True)
class Setting:
    """A knob an employer may set for a check in ``[checks.<id>]`` of the spec.

    The declaration is the whole contract: the spec loader refuses a value of the wrong
    type, outside ``min``/``max`` or not among ``choices``, with the line it is on, so a
    check reads ``ctx.setting(name)`` and never clamps or re-checks.

    Attributes:
        name: key in the spec table.
        type: a Python type annotation (``str``, ``float``, ``list[str]``); validated on load.
        default: used when the spec does not set it.
        description: what it changes (for docs and ``deskready checks``).
        choices: closed set of allowed values, if any.
        min: smallest allowed value of a number setting (``int`` or ``float``), inclusive.
        max: largest allowed value of a number setting, inclusive. Every built-in number
            setting declares both, so no spec value can overflow or stall a check.
        unit: the unit word of a number setting, N_-marked (``N_("seconds")``); shown in
            the spec error ("must be a number between 1 and 5 seconds").
        check: for a text setting with a form of its own (an address), a pure function
            returning why a value is refused (translated) or None; run when the spec loads.
    """

    name: str
    type: Any
    default: Any
    description: str
    choices: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    unit: str = ""
    check: Callable[[Any], str | None] | None = None

    @property
    def is_number(self) -> bool:
        """True for an ``int`` or ``float`` setting (the ones ranges apply to)."""
        return self.type in NUMBER_TYPES

    def problem(self, value: object) -> str | None:
        """Why ``value`` may not be this setting's value (translated), or None if it may.

        For a number setting this is the whole check: a bool is not a number, NaN and
        infinity are refused, an ``int`` setting takes whole numbers only, and the value
        must lie within ``min``..``max``. Huge TOML integers are compared exactly (no float
        conversion, which would overflow). For other settings only ``choices`` is checked
        here; the shape of the type (``list[str]``) is the spec loader's job.
        """
        if self.is_number:
            fits = _is_number(value) and (self.type is float or isinstance(value, int))
            if fits and self.min is not None and value < self.min:  # type: ignore[operator]
                fits = False
            if fits and self.max is not None and value > self.max:  # type: ignore[operator]
                fits = False
            return None if fits else self._number_message()
        if self.choices and value not in self.choices:
            from deskready.checks.i18n import M_

            return M_("must be one of: {choices}", choices=", ".join(map(str, self.choices)))
        if self.check is not None:
            return self.check(value)
        return None

    def typed(self, value: Any) -> Any:
        """``value`` as this setting's type: an ``int`` written for a float setting is a float."""
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value

    def range_text(self) -> str:
        """The allowed values in short, untranslated form for docs (``1–5 seconds``)."""
        if self.is_number:
            low = "" if self.min is None else f"{self.min:g}"
            high = "" if self.max is None else f"{self.max:g}"
            text = f"{low}–{high}" if low and high else f"≥ {low}" if low else f"≤ {high}"
            if not (low or high):
                return "any number"
            return f"{text} {self.unit}".strip()
        if self.choices:
            return " / ".join(map(str, self.choices))
        return ""

    def declaration_problems(self) -> list[str]:
        """Why this declaration cannot be used (empty when fine); checked at registration."""
        problems: list[str] = []
        for key, bound in (("min", self.min), ("max", self.max)):
            if bound is None:
                continue
            if not self.is_number:
                problems.append(f"setting {self.name!r}: {key} applies to int or float only")
            elif not _is_number(bound):
                problems.append(f"setting {self.name!r}: {key} must be a finite number")
        if problems:
            return problems
        if self.min is not None and self.max is not None and self.min > self.max:
            problems.append(f"setting {self.name!r}: min {self.min} is larger than max {self.max}")
        elif self.default is not None and self.problem(self.default) is not None:
            problems.append(f"setting {self.name!r}: default {self.default!r} is not allowed")
        return problems

    def _number_message(self) -> str:
        from deskready.checks.i18n import M_

        whole = self.type is int
        low, high = self.min, self.max
        if low is not None and high is not None:
            if self.unit:
                if whole:
                    return M_(
                        "must be a whole number between {min} and {max} {unit}",
                        min=low,
                        max=high,
                        unit=M_(self.unit),
                    )
                return M_(
                    "must be a number between {min} and {max} {unit}",
                    min=low,
                    max=high,
                    unit=M_(self.unit),
                )
            if whole:
                return M_("must be a whole number between {min} and {max}", min=low, max=high)
            return M_("must be a number between {min} and {max}", min=low, max=high)
        if low is not None:
            if whole:
                return M_("must be a whole number of at least {min}", min=low)
            return M_("must be a number of at least {min}", min=low)
        if high is not None:
            if whole:
                return M_("must be a whole number of at most {max}", max=high)
            return M_("must be a number of at most {max}", max=high)
        return M_("must be a whole number") if whole else M_("must be a number")


@dataclass
class Measurements:
    """What a check returns: metric values plus anything else worth keeping in the report.

    Attributes:
        values: metric id -> value. ``None`` means "tried, could not determine".
        details: extra JSON data for the report (server used, bytes moved, time series).
        messages: plain-language notes for the agent (already translated).
        declared: metric ids whose value is the agent's own answer rather than a measurement.
    """

    values: dict[str, MetricValue] = field(default_factory=dict)
    details: dict[str, JSONValue] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)


class CheckCancelled(Exception):
    """Raised inside a check (by :meth:`CheckContext.raise_if_cancelled`) to stop early."""


class CheckFailed(Exception):
    """Raise with a plain-language, translated message when a check cannot measure.

    The runner turns it into an ERROR result showing exactly that message (no traceback),
    e.g. ``raise CheckFailed(_("No microphone was found."))``.
    """


#: Receives (fraction 0..1 or None, message, live values such as {"mbps": 48.2}).
ProgressSink = Callable[[float | None, str, Mapping[str, float]], None]
#: Asks the agent a question now; returns None when nobody can answer (``--no-input``).
AskFunction = Callable[[Question], Answer | None]

AdapterT = TypeVar("AdapterT")


class CheckContext:
    """Everything a running check may use; built by the runner, replaced by tests.

    Hardware and OS access goes through :meth:`adapter`: a check asks for an adapter class
    and gets the instance the caller injected (a fake fed with recorded data in tests) or,
    by default, ``AdapterClass()`` — the real one.
    """

    def __init__(
        self,
        *,
        settings: Mapping[str, Any] | None = None,
        answers: Mapping[str, Answer] | None = None,
        adapters: Mapping[type, object] | None = None,
        time_budget_s: float = 30.0,
        cancel_event: threading.Event | None = None,
        progress: ProgressSink | None = None,
        ask: AskFunction | None = None,
        selected_checks: frozenset[str] = frozenset(),
    ) -> None:
        self.settings: Mapping[str, Any] = dict(settings or {})
        self.answers: Mapping[str, Answer] = dict(answers or {})
        self.selected_checks = selected_checks
        self.time_budget_s = time_budget_s
        self._deadline = time.monotonic() + time_budget_s
        self._adapters: dict[type, object] = dict(adapters or {})
        self._cancel = cancel_event or threading.Event()
        self._progress = progress
        self._ask = ask
        self._lock = threading.Lock()
        self._declared: dict[str, Setting] = {}

    # -- settings --------------------------------------------------------------------
    def declare_settings(self, declared: tuple[Setting, ...]) -> None:
        """Tell the context which settings its check declares (done by ``Check.run``).

        Every ``run`` of a :class:`Check` subclass calls this first (see
        ``Check.__init_subclass__``), so a context built by the runner or by hand in a
        test knows the declared defaults and ranges without being told.
        """
        self._declared = {s.name: s for s in declared}

    def setting(self, name: str) -> Any:
        """The check's setting ``name``, typed: the spec's value, else the declared default.

        The spec loader has already refused values outside the declared type, range and
        choices, so a check uses the value as it is (no clamping, no ``float(...)``).

        Raises:
            KeyError: the check declares no setting of that name (a bug in the check).
            CheckFailed: a value the declaration refuses; only a hand-built context (a
                test, a script) can carry one, since the spec loader rejects them.
        """
        declared = self._declared.get(name)
        if declared is None:
            if name in self.settings:
                return self.settings[name]
            raise KeyError(f"the check declares no setting {name!r}")
        value = self.settings.get(name, declared.default)
        problem = declared.problem(value)
        if problem is not None:
            from deskready.checks.i18n import M_

            raise CheckFailed(M_("Setting '{name}' {problem}.", name=name, problem=problem))
        return declared.typed(value)

    # -- time and cancellation -------------------------------------------------------
    def time_left(self) -> float:
        """Seconds until this check's budget runs out (never negative)."""
        return max(0.0, self._deadline - time.monotonic())

    def bounded(self, seconds: float) -> float:
        """``seconds``, shortened so that an operation cannot outlive the budget."""
        return max(0.05, min(seconds, self.time_left()))

    @property
    def cancelled(self) -> bool:
        """True once the run was cancelled or this check ran out of time."""
        return self._cancel.is_set() or self.time_left() <= 0

    def raise_if_cancelled(self) -> None:
        """Stop the check (cleanly) if the run was cancelled or the budget is spent."""
        if self.cancelled:
            raise CheckCancelled()

    # -- feedback and questions ------------------------------------------------------
    def progress(self, fraction: float | None, message: str = "", **live: float) -> None:
        """Report progress (0..1, or None if unknown) and live values for the front-ends."""
        if self._progress is not None:
            frac = None if fraction is None else min(1.0, max(0.0, fraction))
            self._progress(frac, message, live)

    def answer(self, question_id: str) -> Answer | None:
        """The agent's answer to one of this check's declared questions, if given."""
        return self.answers.get(question_id)

    def ask(self, question: Question) -> Answer | None:
        """Ask the agent now (for questions that depend on the run, e.g. a heard code)."""
        if self._ask is None:
            return None
        return self._ask(question)

    # -- hardware and OS access ------------------------------------------------------
    def adapter(self, kind: type[AdapterT]) -> AdapterT:
        """The injected adapter of class ``kind``, or a real ``kind()`` made on first use."""
        with self._lock:
            found = self._adapters.get(kind)
            if found is None:
                found = kind()
                self._adapters[kind] = found
        if not isinstance(found, kind):
            raise TypeError(f"adapter for {kind.__name__} is a {type(found).__name__}")
        return found


class Check(ABC):
    """Base class of every check. Subclasses declare metadata as class attributes.

    Attributes:
        id: stable id (``bandwidth``), used by ``--only`` and ``[checks.<id>]``.
        title: short name shown to the agent (N_-marked).
        category: where it is grouped.
        description: one line on what it looks at (N_-marked).
        metrics: every metric ``run`` may return; returning another one is an error.
        questions: questions the front-end asks before the run.
        settings: what ``[checks.<id>]`` in a spec may set.
        exclusive: True for network and audio checks: the exclusive checks of one
            category never overlap one another, because each disturbs the other's
            measurement (two network tests share the line; two audio tests the headset).
            Exclusive checks of different categories may run at the same time.
        time_budget_s: the runner stops waiting after this long (a spec may lower it).
        order: position within its category in tables and reports (lower first).
        translations: the plugin's own gettext domain, for its titles, descriptions,
            advice and messages in the agent's language (built-ins use deskready's).
    """

    id: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[Category]
    description: ClassVar[str] = ""
    metrics: ClassVar[tuple[Metric, ...]] = ()
    questions: ClassVar[tuple[Question, ...]] = ()
    settings: ClassVar[tuple[Setting, ...]] = ()
    exclusive: ClassVar[bool] = False
    time_budget_s: ClassVar[float] = 10.0
    order: ClassVar[int] = 100
    translations: ClassVar[TranslationDomain | None] = None

    @abstractmethod
    def run(self, ctx: CheckContext) -> Measurements:
        """Measure and return the values; raise :class:`CheckFailed` when you cannot."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make each ``run`` declare the check's settings to its context first.

        That is what lets ``ctx.setting(name)`` give the declared default and enforce the
        declared range whoever built the context: the runner, or a plugin's own test with
        ``CheckContext(settings={...})`` naming only the settings it cares about.
        """
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is None or getattr(run, "__isabstractmethod__", False):
            return
        if getattr(run, "_declares_settings", False):
            return

        @functools.wraps(run)
        def run_declaring_settings(self: Check, ctx: CheckContext) -> Measurements:
            if isinstance(ctx, CheckContext):
                ctx.declare_settings(type(self).settings)
            result: Measurements = run(self, ctx)
            return result

        setattr(run_declaring_settings, "_declares_settings", True)  # noqa: B010
        setattr(cls, "run", run_declaring_settings)  # noqa: B010

    @classmethod
    def questions_for(cls, settings: Mapping[str, Any]) -> tuple[Question, ...]:
        """The questions to put to the agent under these settings.

        ``settings`` are the check's declared defaults overlaid with the spec's
        ``[checks.<id>]``. Override to ask a question only when the employer wants it
        (the phone check asks ``phone.line`` only with ``ask_line = true``). Every question
        returned must be one of :attr:`questions`.
        """
        del settings
        return cls.questions

    @classmethod
    def metric(cls, metric_id: str) -> Metric:
        """The declared metric with this id (KeyError if not declared)."""
        for metric in cls.metrics:
            if metric.id == metric_id:
                return metric
        raise KeyError(metric_id)


def validate_check_class(obj: object) -> list[str]:
    """Every reason ``obj`` is not a usable check class (empty when it is fine).

    Called at registration so that a broken plugin is reported by name instead of failing
    in the middle of a run (pluggy's approach).
    """
    if not (isinstance(obj, type) and issubclass(obj, Check)):
        return [f"{obj!r} is not a subclass of deskready.checks.api.Check"]
    problems: list[str] = []
    if getattr(obj, "__abstractmethods__", None):
        problems.append("does not implement run()")
    check_id = getattr(obj, "id", None)
    if not isinstance(check_id, str) or not CHECK_ID_PATTERN.match(check_id):
        problems.append(f"id {check_id!r} must be lower_snake_case")
    if not isinstance(getattr(obj, "title", None), str) or not obj.title:
        problems.append("has no title")
    if not isinstance(getattr(obj, "category", None), Category):
        problems.append("category must be a deskready.checks.api.Category")
    seen: set[str] = set()
    for metric in getattr(obj, "metrics", ()):
        if not isinstance(metric, Metric):
            problems.append(f"metric {metric!r} is not a deskready.checks.api.Metric")
            continue
        if not METRIC_ID_PATTERN.match(metric.id):
            problems.append(f"metric id {metric.id!r} must look like 'group.name'")
        if metric.id in seen:
            problems.append(f"metric {metric.id!r} is declared twice")
        if metric.type is MetricType.CHOICE and not metric.choices:
            problems.append(f"choice metric {metric.id!r} declares no choices")
        seen.add(metric.id)
    if not seen:
        problems.append("declares no metrics")
    for question in getattr(obj, "questions", ()):
        if not isinstance(question, Question):
            problems.append(f"question {question!r} is not a deskready.checks.api.Question")
        elif question.type is AnswerType.CHOICE and not question.choices:
            problems.append(f"choice question {question.id!r} declares no choices")
    for setting in getattr(obj, "settings", ()):
        if not isinstance(setting, Setting):
            problems.append(f"setting {setting!r} is not a deskready.checks.api.Setting")
        else:
            problems.extend(setting.declaration_problems())
    budget = getattr(obj, "time_budget_s", None)
    if not isinstance(budget, int | float) or budget <= 0:
        problems.append("time_budget_s must be a positive number")
    return problems
