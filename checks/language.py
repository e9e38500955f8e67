"""Which language text is produced in: the agent's (global) and a report's (per thread).

The lowest module of the translation layer: :mod:`deskready.checks.l10n` (numbers and
dates) and :mod:`deskready.checks.i18n` (messages) both build on it, and neither imports
the other the wrong way round.
"""

from __future__ import annotations

import locale
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

SOURCE_LANGUAGE = "en"
#: Languages with a complete catalogue (the source language needs none).
LANGUAGES = ("en", "ja", "de", "nl", "ms")
#: Each language's name in that language, for language pickers.
LANGUAGE_NAMES = {
    "en": "English",
    "ja": "日本語",
    "de": "Deutsch",
    "nl": "Nederlands",
    "ms": "Bahasa Melayu",
}

_global_language = SOURCE_LANGUAGE
_scoped_language: ContextVar[str | None] = ContextVar("deskready_language", default=None)


def active_language() -> str:
    """The language text is produced in right now, on this thread."""
    return _scoped_language.get() or _global_language


def normalise_language(language: str | None) -> str | None:
    """``de_DE.UTF-8`` → ``de``; None for a language deskready does not speak."""
    if not language:
        return None
    code = language.replace("-", "_").split(".")[0].split("_")[0].lower()
    return code if code in LANGUAGES else None


def detect_language() -> str:
    """Best supported language for this system's locale, falling back to English."""
    candidates: list[str] = []
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            candidates.extend(value.split(":"))
    try:
        loc = locale.getlocale()[0]
    except ValueError:
        loc = None
    if loc:
        candidates.append(loc)
    for candidate in candidates:
        if code := normalise_language(candidate):
            return code
    return SOURCE_LANGUAGE


def set_language(language: str | None) -> str:
    """Activate ``language`` (or the system's, when None); return the code now in use.

    An unsupported code falls back to English rather than failing: a report in English
    is better than no report.
    """
    global _global_language
    _global_language = normalise_language(language or detect_language()) or SOURCE_LANGUAGE
    return _global_language


@contextmanager
def using_language(language: str | None) -> Iterator[str]:
    """Produce text in ``language`` on this thread only, e.g. while building a report.

    Worker threads keep the agent's language; None keeps the current one.
    """
    code = normalise_language(language) or active_language()
    token = _scoped_language.set(code)
    try:
        yield code
    finally:
        _scoped_language.reset(token)
