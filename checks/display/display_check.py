"""The `display` check: number of screens and the size of the largest, in physical pixels.

Agents juggle a softphone, a CRM and a knowledge base at once, so employers often ask for
two screens or a minimum resolution. The screens come from the :class:`ScreenInfo`
adapter (OS commands by default; the GUI injects what Qt sees).
"""

from __future__ import annotations

from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric, MetricType
from deskready.checks.display.screen_info import ScreenInfo
from deskready.checks.i18n import M_, N_, Mn_


class DisplayCheck(Check):
    id = "display"
    title = N_("Screens")
    category = Category.DISPLAY
    description = N_("How many screens are connected and how large the largest one is.")
    metrics = (
        Metric(
            "display.count",
            MetricType.INTEGER,
            N_("Number of screens"),
            advice=N_(
                "Connect another monitor to your computer and switch it on (extend the desktop, do not mirror it)."
            ),
        ),
        Metric(
            "display.max_width",
            MetricType.INTEGER,
            N_("Width of the largest screen"),
            "px",
            advice=N_(
                "Your screen is too small for the work software. Set it to its highest resolution in the display settings, or use a larger monitor."
            ),
        ),
        Metric(
            "display.max_height",
            MetricType.INTEGER,
            N_("Height of the largest screen"),
            "px",
            advice=N_(
                "Your screen is too small for the work software. Set it to its highest resolution in the display settings, or use a larger monitor."
            ),
        ),
    )
    time_budget_s = 10.0
    order = 10

    def run(self, ctx: CheckContext) -> Measurements:
        screens = ctx.adapter(ScreenInfo).screens()
        if screens is None:
            return Measurements(
                values=dict.fromkeys(("display.count", "display.max_width", "display.max_height")),
                messages=[M_("The screens could not be detected on this computer.")],
            )
        if not screens:
            return Measurements(
                values={"display.count": 0, "display.max_width": None, "display.max_height": None},
                messages=[M_("No active screen was found.")],
            )
        width, height = max(screens, key=lambda size: size[0] * size[1])
        return Measurements(
            values={
                "display.count": len(screens),
                "display.max_width": width,
                "display.max_height": height,
            },
            details={"screens": [[w, h] for w, h in screens]},
            messages=[Mn_("{n} screen found.", "{n} screens found.", len(screens))],
        )
