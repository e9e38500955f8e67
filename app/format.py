"""Turns values and rule conditions into the short text an agent reads.

One place for it, so the CLI table, the GUI and the PDF say "at least 10 Mbps" the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from deskready.checks.api import MetricValue
from deskready.checks.i18n import _
from deskready.checks.l10n import format_datetime, format_number, format_percent

__all__ = [
    "format_expected",
    "format_number",
    "format_timestamp",
    "format_value",
    "join_sentences",
]


def format_value(value: MetricValue, unit: str = "", words: Mapping[str, str] | None = None) -> str:
    """A metric value with its unit; None reads as "not measured".

    ``words`` are a metric's labels for its choice values (``Metric.labels``), so the agent
    reads "Wi-Fi" rather than the id ``wifi``.
    """
    if value is None:
        return _("not measured")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        if unit == "%":
            return format_percent(value)
        text = format_number(value)
        return f"{text} {unit}" if unit else text
    if words and value in words:
        return _(words[value])
    return str(value)


def list_separator() -> str:
    """What goes between the items of a short list (", " in English, "、" in Japanese)."""
    # TRANSLATORS: the separator between items of a list, e.g. "Windows, macOS"
    return _(", ")


#: sentence ends that carry their own space: the full-width stops of Japanese (and Chinese)
#: text, after which a Latin space reads as a stray gap. Not closing brackets such as "）":
#: those also end names ("マイク（USB）") inside a Latin sentence, which keeps its space.
_FULL_WIDTH_ENDS = ("。", "！", "？")


def join_sentences(parts: Iterable[str]) -> str:
    """Sentences (each already translated) as one text: a space between them, except after
    a full-width stop ("。", "！", "？"), where Japanese puts none. Empty parts are left out.

    Why not a translatable separator like :func:`list_separator`: gettext reads an empty
    translation as "not translated", so Japanese could not say "nothing"."""
    joined = ""
    for part in parts:
        text = part.strip()
        if not text:
            continue
        if joined and not joined.endswith(_FULL_WIDTH_ENDS):
            joined += " "
        joined += text
    return joined


def format_timestamp(stamp: object) -> str:
    """A report's ISO time stamp in the agent's date style ("?" when missing or invalid)."""
    try:
        return format_datetime(datetime.fromisoformat(str(stamp)))
    except ValueError:
        return "?"


def format_expected(
    *,
    min: float | None = None,
    max: float | None = None,
    equals: MetricValue = None,
    one_of: tuple[MetricValue, ...] | None = None,
    unit: str = "",
    words: Mapping[str, str] | None = None,
) -> str:
    """What a rule asks for, e.g. "at least 10 Mbps" or "one of: corded, usb_handset"."""
    parts: list[str] = []
    if min is not None and max is not None:
        parts.append(
            _("between {low} and {high}").format(
                low=format_number(min), high=format_value(max, unit)
            )
        )
    elif min is not None:
        parts.append(_("at least {value}").format(value=format_value(min, unit)))
    elif max is not None:
        parts.append(_("at most {value}").format(value=format_value(max, unit)))
    if equals is not None:
        parts.append(format_value(equals, unit, words))
    if one_of is not None:
        parts.append(
            _("one of: {values}").format(
                values=list_separator().join(format_value(v, unit, words) for v in one_of)
            )
        )
    return "; ".join(parts)
