"""Pydantic's validation errors, said in the agent's language.

Pydantic writes its messages in English only. The spec loader shows them to agents (an
employer's spec with a typo), so the common error types are worded here, translated;
anything rarer falls back to pydantic's own text rather than hiding the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deskready.checks.i18n import _
from deskready.checks.l10n import format_number


def _limit(ctx: Mapping[str, Any], key: str) -> str:
    value = ctx.get(key)
    return format_number(value) if isinstance(value, int | float) else str(value)


def describe_error(error: Mapping[str, Any]) -> str:
    """One plain sentence for one pydantic error (``ValidationError.errors()`` item)."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in {"string_type", "string_unicode"}:
        return _("must be text in quotes")
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("must be a whole number")
    if kind in {"float_type", "float_parsing", "finite_number"}:
        return _("must be a number")
    if kind in {"bool_type", "bool_parsing"}:
        return _("must be true or false")
    if kind in {"list_type", "tuple_type", "set_type", "frozen_set_type"}:
        return _("must be a list, e.g. [1, 2]")
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("must be a table")
    if kind == "greater_than":
        return _("must be more than {limit}").format(limit=_limit(ctx, "gt"))
    if kind == "greater_than_equal":
        return _("must be {limit} or more").format(limit=_limit(ctx, "ge"))
    if kind == "less_than":
        return _("must be less than {limit}").format(limit=_limit(ctx, "lt"))
    if kind == "less_than_equal":
        return _("must be {limit} or less").format(limit=_limit(ctx, "le"))
    if kind in {"string_too_short", "too_short"} and ctx.get("min_length") == 1:
        return _("must not be empty")
    if kind == "string_too_long":
        return _("is too long (at most {count} characters)").format(
            count=ctx.get("max_length", "?")
        )
    if kind in {"literal_error", "enum"}:
        return _("must be one of: {choices}").format(choices=ctx.get("expected", "?"))
    if kind == "missing":
        return _("is required")
    return _("invalid value: {detail}").format(detail=error.get("msg", kind))
