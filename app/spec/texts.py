"""Employer texts with translations: ``text = "…"`` plus ``text_ja = "…"``, or a table.

Both spellings are accepted in any table with a translatable field::

    text = "I work in a quiet room."
    text_de = "Ich arbeite in einem ruhigen Raum."

    [declarations.text]            # or text = { en = "…", ja = "…" }
    en = "I work in a quiet room."
    ja = "静かな部屋で仕事をしています。"

The default (what is shown when no translation matches) is the plain ``text``, else the
table's ``en``, else its first entry. The result is a :class:`deskready.checks.i18n.Localized`,
which picks the best match for whatever language is active when it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from babel import Locale, UnknownLocaleError

from deskready.checks.i18n import LANGUAGES, Localized, _
from deskready.spec.errors import did_you_mean

_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?$")
#: Country codes often written where a language code belongs.
_COUNTRY_NOT_LANGUAGE = {"jp": "ja", "cn": "zh", "kr": "ko", "gr": "el", "dk": "da", "cz": "cs"}


def _known_language(code: str) -> bool:
    """A real language code (CLDR knows it), so ``text_jp`` is caught as a typo."""
    if not _LANGUAGE.match(code):
        return False
    try:
        Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True


@dataclass
class SplitTexts:
    """A table with its translatable fields reduced to plain defaults, for validation."""

    table: dict[str, Any]
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    #: (key path below the table, message) for each malformed translation
    problems: list[tuple[tuple[str, ...], str]] = field(default_factory=list)

    def localized(self, name: str, default: str | None) -> Localized | None:
        """The validated default of ``name`` with its translations attached."""
        if default is None:
            return None
        return Localized(default, self.translations.get(name))


def split_translations(table: dict[str, Any], fields: Iterable[str]) -> SplitTexts:
    """Take ``<field>_<lang>`` keys and ``<field> = {lang = …}`` tables out of ``table``."""
    out = SplitTexts(dict(table))
    for name in fields:
        found: dict[str, str] = {}
        value = out.table.get(name)
        if isinstance(value, dict):
            for lang, text in value.items():
                if _check(out, (name, lang), lang, text):
                    found[lang] = text
            if found:
                out.table[name] = found.get("en") or next(iter(found.values()))
            else:
                out.table.pop(name)
        prefix = f"{name}_"
        for key in [k for k in out.table if k.startswith(prefix)]:
            lang, text = key[len(prefix) :], out.table.pop(key)
            if _check(out, (key,), lang, text):
                found[lang] = text
        if found and name not in out.table:
            out.table[name] = found.get("en") or next(iter(found.values()))
        if found:
            out.translations[name] = found
    return out


def _check(out: SplitTexts, path: tuple[str, ...], lang: str, text: Any) -> bool:
    if not _known_language(lang):
        out.problems.append(
            (
                path,
                _("'{code}' is not a language code such as 'ja' or 'pt_BR'").format(code=lang)
                + did_you_mean(_COUNTRY_NOT_LANGUAGE.get(lang.lower(), lang), LANGUAGES),
            )
        )
        return False
    if not isinstance(text, str) or not text.strip():
        out.problems.append((path, _("must be text in quotes")))
        return False
    return True
