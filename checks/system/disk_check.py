"""The `disk` check: free space on the drive that holds the agent's home folder."""

from __future__ import annotations

from deskready.checks.api import (
    Category,
    Check,
    CheckContext,
    CheckFailed,
    Measurements,
    Metric,
    MetricType,
)
from deskready.checks.i18n import M_, N_
from deskready.checks.system.host import SystemFacts

GIB = 1024**3


class DiskCheck(Check):
    id = "disk"
    title = N_("Disk space")
    category = Category.SYSTEM
    description = N_("Free space on the drive where your files and work programs live.")
    metrics = (
        Metric(
            "disk.free_gb",
            MetricType.NUMBER,
            N_("Free disk space"),
            "GB",
            advice=N_(
                "Your disk is too full. Empty the recycle bin, delete large files you no longer need, or move photos and videos to an external drive."
            ),
        ),
        Metric("disk.total_gb", MetricType.NUMBER, N_("Disk size"), "GB"),
    )
    time_budget_s = 5.0
    order = 40

    def run(self, ctx: CheckContext) -> Measurements:
        host = ctx.adapter(SystemFacts)
        home = host.home()
        usage = host.disk_usage(home)
        if usage is None:
            raise CheckFailed(
                M_("Could not read the free space of the drive holding {path}.", path=home)
            )
        total, free = usage
        return Measurements(
            values={"disk.free_gb": round(free / GIB, 1), "disk.total_gb": round(total / GIB, 1)}
        )
