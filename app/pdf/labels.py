"""Words, symbols and colours for verdicts and outcomes, shared by renderer and verifier.

Every state is shown as symbol + word + colour, so the report still reads when printed in
greyscale or by someone who cannot tell red from green. The verifier needs the exact
headline the renderer drew, in whichever language it was drawn, hence one module for both.
Free of Qt: colours are hex strings.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from deskready.checks.i18n import LANGUAGES, N_, _, catalogue


@dataclass(frozen=True)
class Look:
    """How one state is drawn: a symbol that survives greyscale, a word, two colours."""

    symbol: str
    word: str  # N_-marked; translate when shown
    ink: str  # text and border
    tint: str  # light background fill

    def text(self, translate: Callable[[str], str] = _) -> str:
        """Symbol and translated word, e.g. ``✘ NOT READY``."""
        return f"{self.symbol} {translate(self.word)}"


GREEN, RED, AMBER, GREY = "#1b6e35", "#b3261e", "#8a5a00", "#5f6368"

VERDICTS: dict[str, Look] = {
    "ready": Look("✔", N_("READY"), GREEN, "#e6f4ea"),
    "not_ready": Look("✘", N_("NOT READY"), RED, "#fce8e6"),
    "incomplete": Look("?", N_("INCOMPLETE"), AMBER, "#fef7e0"),
}

#: Outcomes of rules (``rules[].outcome``) and statuses of checks (``results[].status``).
OUTCOMES: dict[str, Look] = {
    "pass": Look("✔", N_("Pass"), GREEN, "#ffffff"),
    "warn": Look("!", N_("Warning"), AMBER, "#fef7e0"),
    "fail": Look("✘", N_("Fail"), RED, "#fce8e6"),
    "unknown": Look("?", N_("Not measured"), AMBER, "#fef7e0"),
    "error": Look("?", N_("Could not run"), AMBER, "#fef7e0"),
    "skipped": Look("–", N_("Skipped"), GREY, "#ffffff"),
    "info": Look("·", N_("Recorded"), GREY, "#ffffff"),  # measured, no rule on it
}
UNKNOWN_LOOK = Look("?", N_("Unknown"), GREY, "#ffffff")

CATEGORIES: dict[str, str] = {
    "system": N_("Computer"),
    "network": N_("Network"),
    "audio": N_("Audio"),
    "phone": N_("Phone"),
    "workspace": N_("Workspace"),
    "display": N_("Display"),
}


def verdict_look(verdict: str) -> Look:
    """The look of a report verdict; an unexpected value reads as unknown, never as ready."""
    return VERDICTS.get(verdict, UNKNOWN_LOOK)


def outcome_look(outcome: str) -> Look:
    """The look of a rule outcome or check status."""
    return OUTCOMES.get(outcome, UNKNOWN_LOOK)


@cache
def _translators() -> tuple[Callable[[str], str], ...]:
    """``gettext`` of every shipped catalogue, loaded without touching the active language."""
    found: list[Callable[[str], str]] = [str]  # the source language: identity
    for code in LANGUAGES[1:]:
        shipped = catalogue(code)
        if isinstance(shipped, gettext.GNUTranslations):  # NullTranslations: not shipped
            found.append(shipped.gettext)
    return tuple(found)


def verdict_headlines() -> dict[str, set[str]]:
    """Every headline the renderer may have drawn for each verdict, in every language.

    A PDF may be rendered in Japanese and verified on an English machine, so the verifier
    accepts any shipped language's wording.
    """
    return {
        verdict: {look.text(translate) for translate in _translators()}
        | {look.text()}  # the active language, even when its catalogue is not shipped
        for verdict, look in VERDICTS.items()
    }
