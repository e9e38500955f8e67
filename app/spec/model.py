"""Typed, validated employer spec. Built only by :mod:`deskready.spec.loader`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskready.spec.kinds.base import RuleKind

DECLARATION_PREFIX = "declaration."


class Severity(StrEnum):
    """How much a rule matters: a failed *required* rule means not ready."""

    REQUIRED = "required"
    RECOMMENDED = "recommended"


@dataclass(frozen=True)
class Employer:
    """Who wrote the spec, shown at the top of every report."""

    name: str
    contact: str = ""
    spec_version: str = ""
    notes: str = ""


@dataclass(frozen=True, init=False)
class Rule:
    """One requirement on one metric, e.g. ``network.download_mbps >= 10``.

    Its conditions are rule kinds (:mod:`deskready.spec.kinds`); a value passes when it
    meets every one. ``Rule("m", min=10)`` builds the conditions by kind key, without the
    loader's validation (tests, declarations).
    """

    metric: str
    conditions: tuple[RuleKind, ...]
    severity: Severity
    advice: str | None
    line: int | None

    def __init__(
        self,
        metric: str,
        conditions: tuple[RuleKind, ...] = (),
        *,
        severity: Severity = Severity.REQUIRED,
        advice: str | None = None,
        line: int | None = None,
        **thresholds: Any,
    ) -> None:
        from deskready.spec.kinds import KINDS

        built = tuple(conditions) + tuple(
            KINDS[key](tuple(value) if isinstance(value, list | tuple) else value)
            for key, value in thresholds.items()
            if value is not None
        )
        object.__setattr__(self, "metric", metric)
        object.__setattr__(self, "conditions", built)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "advice", advice)
        object.__setattr__(self, "line", line)

    def threshold(self, key: str) -> Any:
        """The threshold of the condition of kind ``key`` (``"min"``…), or None."""
        for condition in self.conditions:
            if condition.key == key:
                return condition.threshold
        return None

    @property
    def expected(self) -> dict[str, Any]:
        """The rule's conditions as plain data, for the report."""
        return {c.key: c.to_json() for c in self.conditions}

    def describe(self, unit: str = "", words: Mapping[str, str] | None = None) -> str:
        """What the rule asks for, in the active language ("at least 10 Mbps")."""
        from deskready.spec.kinds import describe_conditions

        return describe_conditions(self.conditions, unit, words)


@dataclass(frozen=True)
class Declaration:
    """A yes/no statement the employer asks the agent to confirm (``declaration.<id>``)."""

    id: str
    text: str
    help: str = ""
    severity: Severity = Severity.REQUIRED

    @property
    def metric(self) -> str:
        """The metric id its answer is recorded under."""
        return DECLARATION_PREFIX + self.id


@dataclass(frozen=True)
class Reverify:
    """``[reverify]``: how often the employer wants the setup checked again.

    Attributes:
        every_days: a new complete check is due this many days after the last one
            (1..365), or None: no re-verification asked for.
        before_shift: a quick network-only check at the start of each shift.
    """

    every_days: int | None = None
    before_shift: bool = False


@dataclass(frozen=True)
class Spec:
    """A loaded employer spec.

    Attributes:
        source: ``bundled:<name>`` or the file name, for the report.
        sha256: of the exact bytes loaded, so a report names the spec it was judged by.
        check_settings: validated ``[checks.<id>]`` tables, defaults not yet applied.
        disabled_checks: checks the spec turned off with ``enabled = false``.
        hub_key: the employer hub's public key from ``[hub]`` (docs/hub-protocol.md §1).
    """

    source: str
    sha256: str
    employer: Employer
    rules: tuple[Rule, ...] = ()
    check_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    disabled_checks: frozenset[str] = frozenset()
    declarations: tuple[Declaration, ...] = ()
    report_language: str | None = None
    time_budgets: Mapping[str, float] = field(default_factory=dict)
    #: ``[hub] public_key``: the employer hub's Ed25519 key (base64), or None
    hub_key: str | None = None
    #: ``[reverify]``: re-verification asked for (both off when the section is absent)
    reverify: Reverify = field(default_factory=Reverify)

    def rules_for(self, metric_id: str) -> tuple[Rule, ...]:
        """Every rule on ``metric_id``, in file order."""
        return tuple(r for r in self.rules if r.metric == metric_id)
