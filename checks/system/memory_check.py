"""The `memory` check: installed memory (RAM) the OS can use."""

from __future__ import annotations

from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric, MetricType
from deskready.checks.i18n import N_
from deskready.checks.system.host import SystemFacts

GIB = 1024**3


class MemoryCheck(Check):
    id = "memory"
    title = N_("Memory")
    category = Category.SYSTEM
    description = N_("How much memory (RAM) the computer has.")
    metrics = (
        Metric(
            "memory.total_gb",
            MetricType.NUMBER,
            N_("Memory (RAM)"),
            "GB",
            # A "4 GB" computer shows a little less (the graphics chip borrows some), which
            # is why bundled profiles ask for 3.5 where employers write 4.
            advice=N_(
                "Your computer has less memory (RAM) than required. Closing other programs won't help here: a computer with more memory is needed, or ask a technician to add memory."
            ),
            summary=True,
        ),
    )
    time_budget_s = 5.0
    order = 30

    def run(self, ctx: CheckContext) -> Measurements:
        total = ctx.adapter(SystemFacts).memory_total_bytes()
        return Measurements(values={"memory.total_gb": round(total / GIB, 1)})
