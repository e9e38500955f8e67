"""Charts as inline SVG, drawn on the server: no chart library, no script in the browser.

Each chart is an ``<svg role="img">`` with a ``<title>`` that says in words what it shows
(screen readers read that), and the page puts the same figures in a table beside it. Every
text that goes into the SVG is escaped (``markupsafe.escape``): an agent id or a team name
is data, never markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from deskready.checks.i18n import _
from deskready.checks.l10n import format_number
from deskready.hub.fleet.history import Series
from deskready.hub.fleet.snapshot import VERDICTS, Standing

#: verdict → fill colour (contrast ≥ 3:1 on white, WCAG 1.4.11 for graphics)
VERDICT_COLOURS = {"ready": "#1a7f37", "not_ready": "#b42318", "incomplete": "#9a6700"}
REPORTED_COLOUR = "#1f5fbf"
OBSERVED_COLOUR = "#8a3ffc"
LIMIT_COLOUR = "#b42318"
#: the overdue line over the readiness bars: near-black, apart from every verdict's colour
OVERDUE_COLOUR = "#1f2328"

WIDTH, HEIGHT = 520, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 36


#: the highest axis a chart draws; a larger value (an agent's report is its own claim) is
#: drawn at the top instead of making the axis label a number Babel cannot format
CEILING = 1e12


def _nice_max(value: float) -> float:
    """The axis top: a round number at or above ``value``, at most :data:`CEILING`."""
    if not value > 0:  # also NaN
        return 1.0
    if value >= CEILING:
        return CEILING
    for step in (1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return float(step)
    return float(value) * 1.1


def readiness_chart(
    standings: Sequence[tuple[date, Standing | None]], words: dict[str, str]
) -> Markup:
    """Stacked bars: the agents ready, incomplete and not ready as each day ended (today:
    now), with a line of the agents overdue; a day with no snapshot has no bar."""
    top = _nice_max(max((s.agents for _d, s in standings if s is not None), default=0))
    top = float(math.ceil(top))  # agents are whole (above 10 000 _nice_max gives ×1.1)
    top += top % 2  # … and so is the middle line (5 → 6)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / max(len(standings), 1)
    # outside the f-string: Babel's extractor does not look inside one
    title = _("Agents ready, incomplete and not ready at the end of each day, and agents overdue")
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="readiness-title" '
        'class="chart" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="readiness-title">{escape(title)}</title>',
    ]
    parts += _axis(top, inner_h)
    overdue_line: list[list[str]] = [[]]
    dots: list[str] = []
    for i, (day, standing) in enumerate(standings):
        centre = LEFT + i * slot + slot / 2
        if standing is None:
            overdue_line.append([])  # the line breaks where the hub saw nothing
        else:
            y = float(TOP + inner_h)
            for verdict in VERDICTS:
                count = standing.verdicts.get(verdict, 0)
                if not count:
                    continue
                h = inner_h * count / top
                y -= h
                parts.append(
                    f'<rect x="{LEFT + i * slot + 1:.1f}" y="{y:.1f}" '
                    f'width="{max(slot - 2, 1):.1f}" height="{h:.1f}" '
                    f'fill="{VERDICT_COLOURS[verdict]}"><title>{escape(day.isoformat())}: '
                    f"{escape(words[verdict])} {escape(format_number(count))}</title></rect>"
                )
            late_y = TOP + inner_h * (1 - standing.overdue / top)
            overdue_line[-1].append(f"{centre:.1f},{late_y:.1f}")
            dots.append(
                f'<circle cx="{centre:.1f}" cy="{late_y:.1f}" r="3" fill="{OVERDUE_COLOUR}" '
                f'stroke="#ffffff" stroke-width="1"><title>{escape(day.isoformat())}: '
                f"{escape(words['overdue'])} {escape(format_number(standing.overdue))}</title></circle>"
            )
        last = len(standings) - 1
        if i == last or (i % 7 == 0 and last - i >= 4):  # no label crowds the last one
            parts.append(
                f'<text x="{centre:.1f}" y="{HEIGHT - 18}" '
                f'text-anchor="{"end" if i == last else "middle"}" class="tick">'
                f"{escape(day.strftime('%m-%d'))}</text>"
            )
    for run in overdue_line:
        if len(run) > 1:
            parts.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{OVERDUE_COLOUR}" '
                'stroke-width="2"/>'
            )
    parts += dots
    parts.append("</svg>")
    return Markup("".join(parts))


def _axis(top: float, inner_h: float) -> list[str]:
    parts = []
    for fraction in (0, 0.5, 1):
        y = TOP + inner_h * (1 - fraction)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(format_number(top * fraction))}</text>"
        )
    return parts


def trend_chart(series: Series, chart_id: str) -> Markup:
    """A line of what the agent reported, one of what the hub observed, and the limit."""
    values = [v for p in series.points for v in (p.reported, p.observed) if v is not None]
    limit = series.limit if series.limit is not None and abs(series.limit) <= CEILING else None
    if limit is not None:
        values.append(limit)
    top = _nice_max(min(max(values, default=0), CEILING) * 1.05)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(series.points)
    title = _(series.trend.title)

    def x(i: int) -> float:
        return LEFT + (inner_w * i / (count - 1) if count > 1 else inner_w / 2)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - min(max(v, 0.0), top) / top)

    summary = _("{title} over {count} reports").format(title=title, count=count)
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-t" '
        'class="chart" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(summary)}</title>',
    ]
    parts += _axis(top, inner_h)
    if limit is not None:
        ly = y(limit)
        word = _("minimum") if series.limit_kind == "min" else _("maximum")
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ly:.1f}" y2="{ly:.1f}" '
            f'stroke="{LIMIT_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{WIDTH - RIGHT}" y="{ly - 5:.1f}" text-anchor="end" class="limit">'
            f"{escape(word)} {escape(format_number(limit))}</text>"
        )
    for attr, colour, dash in (
        ("reported", REPORTED_COLOUR, ""),
        ("observed", OBSERVED_COLOUR, ' stroke-dasharray="3 3"'),
    ):
        points = [
            (x(i), y(v)) for i, p in enumerate(series.points) if (v := getattr(p, attr)) is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
            )
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
    if count:
        for i in sorted({0, count - 1}):
            anchor = "start" if i == 0 and count > 1 else "end" if i == count - 1 else "middle"
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - 18}" text-anchor="{anchor}" class="tick">'
                f"{escape(series.points[i].at.strftime('%Y-%m-%d'))}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
