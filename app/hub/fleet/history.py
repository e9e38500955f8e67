"""An agent's reports read over time: trends with the spec's limit, and what changed.

Only the reports' own fields are read: ``results[].measurements`` for the agent's figures,
``observed`` for the hub's (never mixed: each trend keeps them as two lines, named apart),
``rules[]`` for the limit (``expected``) and for the words of a change (``label``,
``actual_text``), already in the report's language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deskready.checks.i18n import N_, _
from deskready.hub.db import utc
from deskready.hub.intake import client_values
from deskready.hub.models import Report


@dataclass(frozen=True)
class Trend:
    """One chart of the agent page: the agent's metric, and the hub's observation of it."""

    metric: str
    title: str  # N_() text, translated when shown
    unit: str
    observed: str | None  # the key in ``Report.observed`` the hub measured it under


TRENDS = (
    Trend("network.download_mbps", N_("Download"), "Mbit/s", "network.download_mbps"),
    Trend("network.upload_mbps", N_("Upload"), "Mbit/s", "network.upload_mbps"),
    Trend("network.rtt_ms", N_("Round-trip time"), "ms", None),
    Trend("network.jitter_ms", N_("Jitter"), "ms", "network.upstream_jitter_ms"),
    Trend("network.loss_pct", N_("Packet loss"), "%", "network.upstream_loss_pct"),
    Trend("network.mos", N_("Call quality (MOS)"), "", None),
)


@dataclass(frozen=True)
class Point:
    at: datetime
    reported: float | None
    observed: float | None


@dataclass(frozen=True)
class Series:
    trend: Trend
    points: list[Point]
    limit: float | None
    limit_kind: str  # "min" | "max" | ""

    @property
    def empty(self) -> bool:
        return all(p.reported is None and p.observed is None for p in self.points)


def _number(value: Any) -> float | None:
    """``value`` as a float to draw, or None: not a number, not finite (JSON from an agent
    may say ``NaN`` or ``Infinity``), or an int too large for a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def limit_of(body: Mapping[str, Any], metric: str) -> tuple[float | None, str]:
    """The spec's ``min`` or ``max`` on ``metric`` as the report states it."""
    for rule in body.get("rules", []):
        if isinstance(rule, dict) and rule.get("metric") == metric:
            expected = rule.get("expected")
            if isinstance(expected, dict):
                for kind in ("min", "max"):
                    found = _number(expected.get(kind))
                    if found is not None:
                        return found, kind
    return None, ""


def trends(reports: Sequence[Report]) -> list[Series]:
    """Each trend over ``reports`` (oldest first); the limit is the newest report's."""
    found = []
    newest = reports[-1].body if reports else {}
    for trend in TRENDS:
        points = []
        for row in reports:
            mine = _number(client_values(row.body).get(trend.metric))
            theirs = _number(row.observed.get(trend.observed)) if trend.observed else None
            points.append(Point(utc(row.received_at), mine, theirs))
        limit, kind = limit_of(newest, trend.metric)
        found.append(Series(trend, points, limit, kind))
    return found


def _rules(body: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {
        str(r.get("metric")): r
        for r in body.get("rules", [])
        if isinstance(r, dict) and r.get("metric")
    }


def changes(previous: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """What differs between two reports, in their own words: "Upload: 20 → 4 Mbit/s"."""
    lines = []
    before, after = _rules(previous), _rules(current)
    for metric, rule in after.items():
        old = before.get(metric)
        label = str(rule.get("label") or metric)
        now_text = str(rule.get("actual_text") or "—")
        if old is None:
            lines.append(_("{label}: newly checked, {value}").format(label=label, value=now_text))
            continue
        old_text = str(old.get("actual_text") or "—")
        if old_text != now_text:
            lines.append(f"{label}: {old_text} → {now_text}")
        elif old.get("outcome") != rule.get("outcome"):
            lines.append(
                _("{label}: {before} → {after}").format(
                    label=label, before=old.get("outcome"), after=rule.get("outcome")
                )
            )
    for metric, rule in before.items():
        if metric not in after:
            lines.append(
                _("{label}: no longer checked").format(label=str(rule.get("label") or metric))
            )
    return lines
