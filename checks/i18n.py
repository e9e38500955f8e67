"""The one translation function every string an agent reads goes through.

It lives in the lowest layer (``checks/``) so that checks, the CLI, the GUI and the PDF
share one catalogue and one active language. gettext is used rather than Qt's translator
because checks must not import Qt; Qt's own dialogs are translated by Qt separately.

Usage::

    from checks.i18n import _, N_, ngettext

    _("No sound from your microphone.")          # translated now
    TITLE = N_("Operating system")                # marked now, translated when shown: _(TITLE)
    ngettext("{n} monitor", "{n} monitors", n).format(n=n)

Placeholders are always named (``{mbps}``), so a translation may reorder them.
"""

from __future__ import annotations

import gettext
import locale
import os
import threading

from resources import resource

DOMAIN = "deskready"
SOURCE_LANGUAGE = "en"
#: Languages with a complete catalogue (the source language needs none).
LANGUAGES = ("en", "ja", "de", "nl", "ms")

_lock = threading.Lock()
_active: gettext.NullTranslations = gettext.NullTranslations()
_active_language = SOURCE_LANGUAGE


def _(message: str) -> str:
    """Translate ``message`` into the active language (identity for English)."""
    return _active.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a number in it, choosing the right plural form."""
    return _active.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet.

    Used for metadata declared at import time (check titles, advice), which must be
    translated when shown, in whatever language is active then.
    """
    return message


def active_language() -> str:
    """The language code currently in use (``en`` when no catalogue is loaded)."""
    return _active_language


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
        code = candidate.split(".")[0].split("_")[0].split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return SOURCE_LANGUAGE


def set_language(language: str | None) -> str:
    """Activate ``language`` (or the system's, when None); return the code now in use.

    An unsupported code falls back to English rather than failing: a report in English
    is better than no report.
    """
    global _active, _active_language
    code = (language or detect_language()).replace("-", "_").split("_")[0].lower()
    if code not in LANGUAGES:
        code = SOURCE_LANGUAGE
    translations: gettext.NullTranslations = gettext.NullTranslations()
    if code != SOURCE_LANGUAGE:
        catalogue = resource("translations", code, "LC_MESSAGES", f"{DOMAIN}.mo")
        if catalogue.is_file():
            with catalogue.open("rb") as fp:
                translations = gettext.GNUTranslations(fp)
    with _lock:
        _active = translations
        _active_language = code
    return code
