"""Reading a report dict for display: what every view (terminal, GUI, PDF) places.

The report already carries its words (display texts, labels, advice). These helpers only
pick them out the same way for every view, and cope with older or odd reports: a field
of the wrong type reads as absent, never as a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deskready.checks.api import Category
from deskready.format import list_separator


def is_partial(report: Mapping[str, Any]) -> bool:
    """True when the report says it did not cover the whole spec (no readiness proof)."""
    scope = report.get("scope")
    return isinstance(scope, Mapping) and scope.get("complete") is False


def not_checked_labels(report: Mapping[str, Any]) -> list[str]:
    """The requirements a partial run did not check, each once, in spec order."""
    rules = report.get("rules")
    labels = [
        str(r.get("label", ""))
        for r in (rules if isinstance(rules, list) else [])
        if isinstance(r, Mapping) and r.get("outcome") == "not_checked"
    ]
    return list(dict.fromkeys(label for label in labels if label))


def measured_text(result: Mapping[str, Any]) -> str:
    """What an unjudged check measured, as the report wrote it (older reports: raw values)."""
    if isinstance(result.get("measured_text"), str):
        return str(result["measured_text"])
    values = result.get("measurements")
    shown = [
        str(v) for v in (values.values() if isinstance(values, Mapping) else []) if v is not None
    ]
    return list_separator().join(shown[:3])


def machine_text(report: Mapping[str, Any]) -> str:
    """The computer in one line: "Windows 11 Pro (build 22631) · Intel Core i5 · 16 GB · x86_64"."""
    machine = report.get("machine")
    if not isinstance(machine, Mapping):
        return ""
    facts = machine.get("facts")
    parts = [
        str(f.get("text", ""))
        for f in (facts if isinstance(facts, list) else [])
        if isinstance(f, Mapping)
    ]
    if not isinstance(facts, list):  # a report written before the facts list
        parts = [str(v) for k, v in machine.items() if k != "architecture" and v is not None]
    parts.append(str(machine.get("architecture") or ""))
    return " · ".join(part for part in parts if part)


def category_label(result: Mapping[str, Any]) -> str:
    """A check's category heading: the report's own word, else the category's current one."""
    label = result.get("category_label")
    if isinstance(label, str) and label:
        return label
    raw = str(result.get("category", ""))
    try:
        return Category(raw).label()
    except ValueError:
        return raw
