"""Turns values and rule conditions into the short text an agent reads.

One place for it, so the CLI table, the GUI and the PDF say "at least 10 Mbps" the same way.
"""

from __future__ import annotations

from checks.api import MetricValue
from checks.i18n import _


def format_number(value: float) -> str:
    """A number with as many decimals as it is worth: 212, 48.2, 0.45."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def format_value(value: MetricValue, unit: str = "") -> str:
    """A metric value with its unit; None reads as "not measured"."""
    if value is None:
        return _("not measured")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        text = format_number(value)
        if not unit:
            return text
        return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
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
