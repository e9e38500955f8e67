"""Typed, validated employer spec. Built only by :mod:`deskready.spec.loader`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from deskready.checks.api import MetricValue

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


@dataclass(frozen=True)
class Rule:
    """One requirement on one metric, e.g. ``network.download_mbps >= 10``.

    Conditions that are None are not part of the rule; at least one is set.
    """

    metric: str
    min: float | None = None
    max: float | None = None
    equals: MetricValue = None
    one_of: tuple[MetricValue, ...] | None = None
    severity: Severity = Severity.REQUIRED
    advice: str | None = None
    line: int | None = None

    @property
    def expected(self) -> dict[str, Any]:
        """The rule's conditions as plain data, for the report."""
        out: dict[str, Any] = {}
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        if self.equals is not None:
            out["equals"] = self.equals
        if self.one_of is not None:
            out["one_of"] = list(self.one_of)
        return out


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
class Spec:
    """A loaded employer spec.

    Attributes:
        source: ``bundled:<name>`` or the file name, for the report.
        sha256: of the exact bytes loaded, so a report names the spec it was judged by.
        check_settings: validated ``[checks.<id>]`` tables, defaults not yet applied.
        disabled_checks: checks the spec turned off with ``enabled = false``.
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

    def rules_for(self, metric_id: str) -> tuple[Rule, ...]:
        """Every rule on ``metric_id``, in file order."""
        return tuple(r for r in self.rules if r.metric == metric_id)
