"""The one translation function every string an agent reads goes through.

It lives in the lowest layer (``checks/``) so that checks, the CLI, the GUI and the PDF
share one catalogue and one active language. gettext is used rather than Qt's translator
because checks must not import Qt; Qt's own dialogs are translated by Qt separately.

Usage::

    from deskready.checks.i18n import _, N_, M_, ngettext

    _("No sound from your microphone.")          # translated now
    TITLE = N_("Operating system")                # marked now, translated when shown: _(TITLE)
    ngettext("{n} monitor", "{n} monitors", n).format(n=n)
    M_("Download: {mbps} Mbps", mbps=48.2)        # a message that can be re-translated

Placeholders are always named (``{mbps}``), so a translation may reorder them.

Two languages can be in play at once: the agent's (what the screen shows) and the
report's (an employer may want every report in one language). The agent's language is
global (:func:`set_language`); :func:`using_language` switches the current thread to the
report's while the report is built. Messages a check produced during the run are
:class:`Message` objects, which remember their msgid and values and so can be said again
in the report's language (:func:`retranslate`).
"""

from __future__ import annotations

import gettext
import locale
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from deskready.resources import resource

DOMAIN = "deskready"
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


@cache
def catalogue(code: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``code`` (identity for English or a missing file)."""
    if code != SOURCE_LANGUAGE:
        path = resource("translations", code, "LC_MESSAGES", f"{DOMAIN}.mo")
        if path.is_file():
            with path.open("rb") as fp:
                return gettext.GNUTranslations(fp)
    return gettext.NullTranslations()


def active_language() -> str:
    """The language text is produced in right now, on this thread."""
    return _scoped_language.get() or _global_language


def _(message: str) -> str:
    """Translate ``message`` into the active language (identity for English).

    A :class:`Localized` text (an employer's, with its own translations) picks its best
    match instead of looking in the catalogue.
    """
    if isinstance(message, Localized):
        return message.in_language(active_language())
    if not message:
        return message  # gettext("") is the catalogue's header, never wanted
    return catalogue(active_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a number in it, choosing the right plural form."""
    return catalogue(active_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet.

    Used for metadata declared at import time (check titles, advice), which must be
    translated when shown, in whatever language is active then.
    """
    return message


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


class Message(str):
    """A translated message that remembers how to say itself in another language.

    It *is* the text in the language active when it was made, so it can be printed,
    joined and compared like any string; :meth:`render` says it again in whatever
    language is active now. Numbers among its values are written the locale's way.
    """

    msgid: str
    plural: str | None
    n: int | None
    values: Mapping[str, Any]

    def __new__(
        cls, msgid: str, values: Mapping[str, Any], plural: str | None = None, n: int | None = None
    ) -> Message:
        text = _render(msgid, values, plural, n)
        self = super().__new__(cls, text)
        self.msgid, self.values, self.plural, self.n = msgid, dict(values), plural, n
        return self

    def __str__(self) -> str:
        # str(exc) of an exception carrying a Message must not flatten it to plain text.
        return self

    def render(self) -> str:
        """This message in the active language."""
        return _render(self.msgid, self.values, self.plural, self.n)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (self.msgid, self.values, self.plural, self.n))


def _render(msgid: str, values: Mapping[str, Any], plural: str | None, n: int | None) -> str:
    from deskready.checks.l10n import format_number  # l10n imports this module

    plural_form = plural is not None and n is not None
    template = ngettext(msgid, plural, n) if plural_form else _(msgid)  # type: ignore[arg-type]
    shown = {
        key: format_number(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else retranslate(value)
        if isinstance(value, str)
        else value
        for key, value in values.items()
    }
    return template.format(**shown)


def M_(msgid: str, /, **values: Any) -> Message:
    """A message with named values that can be re-translated later (see :class:`Message`)."""
    return Message(msgid, values)


def Mn_(singular: str, plural: str, n: int, /, **values: Any) -> Message:
    """Like :func:`M_` for a message with plural forms; ``n`` is also a value."""
    return Message(singular, {"n": n, **values}, plural, n)


class Localized(str):
    """Text that brings its own translations, such as an employer's advice in a spec.

    It *is* the default text (what the author wrote without a language); ``_()`` and
    :func:`retranslate` pick the best match for the active language: the exact code
    (``pt_BR``), then the language (``pt``), then the default.
    """

    translations: Mapping[str, str]

    def __new__(cls, default: str, translations: Mapping[str, str] | None = None) -> Localized:
        self = super().__new__(cls, default)
        self.translations = {
            k.replace("-", "_").lower(): v for k, v in (translations or {}).items()
        }
        return self

    def in_language(self, language: str) -> str:
        """The best text for ``language``."""
        code = language.replace("-", "_").lower()
        for key in (code, code.split("_")[0]):
            if key in self.translations:
                return self.translations[key]
        return str.__str__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Localized, (str.__str__(self), dict(self.translations)))


def retranslate(text: str) -> str:
    """``text`` in the active language if it knows how (:class:`Message`,
    :class:`Localized`), else unchanged."""
    if isinstance(text, Message):
        return text.render()
    if isinstance(text, Localized):
        return text.in_language(active_language())
    return text
