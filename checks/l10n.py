"""Numbers, percentages, dates and times written the way the agent's locale writes them.

``48.2`` is "48,2" to a German or Dutch agent; a date is "23.11.2026" in Germany and
"2026/11/23" in Japan. Babel's CLDR data does this without depending on which system
locales happen to be installed (a fresh Debian has only C.UTF-8).

The locale is the active language (:func:`deskready.checks.i18n.active_language`), refined with the
system's territory when the system speaks the same language (en_GB rather than en_US).
"""

from __future__ import annotations

import locale as system_locale
import os
from datetime import datetime
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.numbers import format_decimal

from deskready.checks.language import active_language, normalise_language


@cache
def _system_locale_name() -> str | None:
    for var in ("LC_ALL", "LC_NUMERIC", "LC_TIME", "LANG"):
        value = os.environ.get(var)
        if value and value not in {"C", "POSIX"} and not value.startswith("C."):
            return value.split(".")[0]
    try:
        return system_locale.getlocale()[0]
    except ValueError:
        return None


@cache
def _locale_for(language: str, system: str | None) -> Locale:
    if system and normalise_language(system) == language:
        try:
            return Locale.parse(system.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            pass
    return Locale.parse(language)


def current_locale() -> Locale:
    """The Babel locale for the active language."""
    return _locale_for(active_language(), _system_locale_name())


def format_number(value: float, decimals: int | None = None) -> str:
    """A number with as many decimals as it is worth (212, 48.2, 0.45), locale-style.

    No thousands separators: values like build numbers and years must not become
    "22.631". ``decimals`` fixes the number of decimals instead.
    """
    if isinstance(value, bool):
        return str(value)
    if decimals is None:
        if float(value).is_integer():
            decimals = 0
        elif abs(value) >= 10:
            decimals = 1
        else:
            decimals = 2
        value = round(value, decimals)
        pattern = "0" if decimals == 0 else "0." + "#" * decimals
    else:
        pattern = "0" if decimals == 0 else "0." + "0" * decimals
    return format_decimal(value, format=pattern, locale=current_locale())


def format_percent(value: float) -> str:
    """``value`` per cent (2.5 → "2.5%", "2,5 %" in German)."""
    number = format_number(value)
    pattern = current_locale().percent_formats[None].pattern
    if "\u00a0%" in pattern or " %" in pattern:
        return f"{number}\u00a0%"
    if pattern.startswith("%"):
        return f"%{number}"
    return f"{number}%"


def format_datetime(moment: datetime) -> str:
    """Date and time to the minute (Nov 23, 2026, 7:32 PM / 23.11.2026, 19:32 / 2026/11/23 19:32)."""
    where = current_locale()
    date = babel_format_date(moment, "medium", locale=where)
    time = babel_format_time(moment, "short", locale=where)
    combined = str(where.datetime_formats.get("medium", "{1} {0}"))
    return combined.replace("{1}", date).replace("{0}", time)


def format_date(moment: datetime) -> str:
    """The date alone, medium length."""
    return babel_format_date(moment, "medium", locale=current_locale())
