"""The verdict headlines the PDF renderer may have drawn, for the PDF verifier.

The looks themselves (symbol, word, colour) live beside the enums in
:mod:`deskready.outcomes`; this module only lists every wording of a verdict across the
shipped languages, because a PDF rendered in Japanese may be verified on an English machine.
Free of Qt.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache

from deskready.checks.i18n import LANGUAGES, catalogue
from deskready.outcomes import VERDICT_LOOKS


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
        for verdict, look in VERDICT_LOOKS.items()
    }
