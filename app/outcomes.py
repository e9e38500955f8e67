"""The closed sets of results, with what each one means (STYLE.md §3)."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """How one rule came out."""

    PASS = "pass"  # the value meets the rule
    WARN = "warn"  # a *recommended* rule is not met; still ready
    FAIL = "fail"  # a *required* rule is not met: not ready
    UNKNOWN = "unknown"  # no value: not measured, not answered, or the check failed


class Status(StrEnum):
    """How one check came out, as shown per check in the CLI table, GUI and PDF."""

    PASS = "pass"  # every rule on its metrics passed
    WARN = "warn"  # some recommended rule failed, nothing worse
    FAIL = "fail"  # some required rule failed
    ERROR = "error"  # the check could not measure (exception, timeout, missing value)
    SKIPPED = "skipped"  # not run (cancelled, --skip); set only by the runner
    INFO = "info"  # measured, but the spec has no rule on its metrics


class Verdict(StrEnum):
    """The answer the agent came for."""

    READY = "ready"  # every required rule passed
    NOT_READY = "not_ready"  # at least one required rule failed
    INCOMPLETE = "incomplete"  # nothing failed, but a required value is missing
