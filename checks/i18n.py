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
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from deskready.checks.l10n import format_number
from deskready.checks.language import (
    LANGUAGE_NAMES,
    LANGUAGES,
    SOURCE_LANGUAGE,
    active_language,
    detect_language,
    normalise_language,
    set_language,
    using_language,
)
from deskready.resources import resource

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "M_",
    "N_",
    "SOURCE_LANGUAGE",
    "Localized",
    "Message",
    "Mn_",
    "TranslationDomain",
    "_",
    "active_language",
    "catalogue",
    "detect_language",
    "ngettext",
    "normalise_language",
    "register_domain",
    "retranslate",
    "set_language",
    "using_language",
]

DOMAIN = "deskready"


@dataclass(frozen=True)
class TranslationDomain:
    """A plugin's own gettext catalogues: ``<localedir>/<lang>/LC_MESSAGES/<name>.mo``.

    A check plugin names its domain in :attr:`deskready.checks.api.Check.translations`;
    the registry adds it when the check is registered, and from then on ``_()`` falls back
    to it for strings deskready's own catalogue does not have (the plugin's titles,
    metric descriptions, advice and messages).
    """

    name: str
    localedir: Path


_plugin_domains: list[TranslationDomain] = []


def register_domain(domain: TranslationDomain) -> None:
    """Look up untranslated strings in ``domain`` too (idempotent)."""
    if domain not in _plugin_domains:
        _plugin_domains.append(domain)
        catalogue.cache_clear()


@cache
def catalogue(code: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``code`` (identity for English or a missing file), with
    the registered plugin domains as fallbacks."""
    found: gettext.NullTranslations = gettext.NullTranslations()
    if code != SOURCE_LANGUAGE:
        path = resource("translations", code, "LC_MESSAGES", f"{DOMAIN}.mo")
        if path.is_file():
            with path.open("rb") as fp:
                found = gettext.GNUTranslations(fp)
        for domain in _plugin_domains:
            found.add_fallback(
                gettext.translation(
                    domain.name, str(domain.localedir), languages=[code], fallback=True
                )
            )
    return found


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
