"""Turns values and rule conditions into the short text an agent reads.

One place for it, so the CLI table, the GUI and the PDF say "at least 10 Mbps" the same way.
"""

from __future__ import annotations

from checks.api import MetricValue
from checks.i18n import _
from checks.l10n import format_number, format_percent

__all__ = ["format_expected", "format_number", "format_value"]


def format_value(value: MetricValue, unit: str = "") -> str:
    """A metric value with its unit; None reads as "not measured"."""
    if value is None:
        return _("not measured")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        if unit == "%":
            return format_percent(value)
        text = format_number(value)
        return f"{text} {unit}" if unit else text
    return str(value)


def format_expected(
    *,
    min: float | None = None,
    max: float | None = None,
    equals: MetricValue = None,
    one_of: tuple[MetricValue, ...] | None = None,
    unit: str = "",
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
        parts.append(format_value(equals, unit))
    if one_of is not None:
        parts.append(
            _("one of: {values}").format(values=", ".join(format_value(v, unit) for v in one_of))
        )
    return "; ".join(parts)
