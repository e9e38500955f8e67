"""The closed sets of results, what each one means, and how each one looks.

Every view (terminal, GUI, PDF, the hub's pages) shows a state the same way: a symbol that
survives greyscale, a word, and colours. They live here, beside the enums, so no view keeps
its own copy; a view only places them. Free of Qt: colours are hex strings, terminal styles
are rich style names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from deskready.checks.i18n import N_, _


class Outcome(StrEnum):
    """How one rule came out."""

    PASS = "pass"  # the value meets the rule
    WARN = "warn"  # a *recommended* rule is not met; still ready
    FAIL = "fail"  # a *required* rule is not met: not ready
    UNKNOWN = "unknown"  # its check ran but gave no value: could not measure, not answered
    NOT_CHECKED = "not_checked"  # its check did not run: left out, cancelled or skipped


class Status(StrEnum):
    """How one check came out, as shown per check in the CLI table, GUI and PDF."""

    PASS = "pass"  # every rule on its metrics passed
    WARN = "warn"  # some recommended rule failed (or has no value), nothing worse
    FAIL = "fail"  # some required rule failed
    ERROR = "error"  # the check could not measure (exception, timeout, missing value)
    SKIPPED = "skipped"  # not run (left out, cancelled); set only by the runner or the plan
    INFO = "info"  # measured, but the spec has no rule on its metrics


class Verdict(StrEnum):
    """The answer the agent came for."""

    READY = "ready"  # every required rule was checked and passed
    NOT_READY = "not_ready"  # at least one required rule failed
    INCOMPLETE = "incomplete"  # nothing failed, but a requirement is missing or not checked


#: Inks as accessible (light, dark) pairs from GitHub's Primer palette: each reads at
#: 4.5:1 or better on white and on the light theme's window grey (#efefef; the lighter
#: Primer greens, ambers, purples and greys fall to 3.9-4.4:1 there), respectively on the
#: dark theme's background.
GREEN, RED, AMBER, PURPLE, GREY, BLUE = (
    "#116329",
    "#cf222e",
    "#7d4e00",
    "#6639ba",
    "#57606a",
    "#0969da",
)


@dataclass(frozen=True)
class Look:
    """How one state is drawn.

    Attributes:
        symbol: survives greyscale and colour blindness.
        word: N_-marked; translated when shown (:meth:`label`).
        ink: text and border colour on a light background (hex, contrast >= 4.5:1 on white).
        tint: light background fill (hex).
        style: the terminal's rich style for the same state.
        dark_ink: text colour on a dark background (the GUI's dark theme).
    """

    symbol: str
    word: str
    ink: str
    tint: str
    style: str
    dark_ink: str = "#c9d1d9"

    def label(self, translate: Callable[[str], str] = _) -> str:
        """The translated word alone, e.g. ``Fail``."""
        return translate(self.word)

    def text(self, translate: Callable[[str], str] = _) -> str:
        """Symbol and translated word, e.g. ``✘ NOT READY``."""
        return f"{self.symbol} {translate(self.word)}"


VERDICT_LOOKS: dict[str, Look] = {
    "ready": Look("✔", N_("READY"), GREEN, "#e6f4ea", "bold white on green", "#7ee787"),
    "not_ready": Look("✘", N_("NOT READY"), RED, "#fce8e6", "bold white on red", "#ffa198"),
    "incomplete": Look("?", N_("INCOMPLETE"), AMBER, "#fef7e0", "bold black on yellow", "#f2cc60"),
}

#: Rule outcomes (``rules[].outcome``) and check statuses (``results[].status``) share one
#: table, so "pass" reads the same in both places.
OUTCOME_LOOKS: dict[str, Look] = {
    "pass": Look("✔", N_("Pass"), GREEN, "#ffffff", "green", "#3fb950"),
    "warn": Look("!", N_("Warning"), AMBER, "#fef7e0", "yellow", "#d29922"),
    "fail": Look("✘", N_("Fail"), RED, "#fce8e6", "red", "#f85149"),
    "unknown": Look("?", N_("Not measured"), PURPLE, "#f5f0ff", "magenta", "#bc8cff"),
    "not_checked": Look("–", N_("Not checked"), GREY, "#f1f3f4", "dim", "#8b949e"),
    "error": Look("?", N_("Could not run"), PURPLE, "#f5f0ff", "magenta", "#bc8cff"),
    "skipped": Look("–", N_("Skipped"), GREY, "#ffffff", "dim", "#8b949e"),
    "info": Look("·", N_("Recorded"), BLUE, "#ffffff", "cyan", "#58a6ff"),  # no rule on it
}
UNKNOWN_LOOK = Look("?", N_("Unknown"), GREY, "#ffffff", "", "#8b949e")


def verdict_look(verdict: str) -> Look:
    """The look of a verdict; an unexpected value reads as unknown, never as ready."""
    return VERDICT_LOOKS.get(verdict, UNKNOWN_LOOK)


def outcome_look(outcome: str) -> Look:
    """The look of a rule outcome or a check status."""
    return OUTCOME_LOOKS.get(outcome, UNKNOWN_LOOK)


def verdict_sentence(verdict: str, *, partial: bool = False) -> str:
    """The one sentence under the verdict, the same in the terminal, the GUI and the PDF."""
    if partial and verdict != "not_ready":
        return _("INCOMPLETE: only part of the requirements was checked.")
    sentences = {
        "ready": _("READY: this setup meets your employer's requirements."),
        "not_ready": _("NOT READY: some requirements are not met. See what to do below."),
        "incomplete": _("INCOMPLETE: some requirements could not be checked. See below."),
    }
    return sentences.get(verdict, _("The verdict is unknown."))


def partial_notice() -> str:
    """What every view says near the verdict of a run that did not cover the whole spec."""
    return _("Partial check — not a readiness proof.")


#: Where a state sorts in "What to fix": failures first, then what could not be checked.
NEEDS_ACTION = ("fail", "unknown", "not_checked", "warn")
