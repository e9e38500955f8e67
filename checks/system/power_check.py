"""The `power` check: is the computer on mains power (a battery can die mid-shift)."""

from __future__ import annotations

from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric, MetricType
from deskready.checks.i18n import M_, N_
from deskready.checks.system.host import SystemFacts


class PowerCheck(Check):
    id = "power"
    title = N_("Power")
    category = Category.SYSTEM
    description = N_("Whether the computer runs on mains power or on its battery.")
    metrics = (
        Metric(
            "power.on_ac",
            MetricType.BOOLEAN,
            N_("Plugged into mains power"),
            advice=N_(
                "Your laptop is running on its battery. Plug in the charger before your shift: a flat battery ends your calls."
            ),
        ),
        Metric("power.has_battery", MetricType.BOOLEAN, N_("Has a battery")),
        Metric(
            "power.battery_pct",
            MetricType.NUMBER,
            N_("Battery charge"),
            "%",
            advice=N_("Charge your laptop's battery: during a power cut it keeps you on the call."),
        ),
    )
    time_budget_s = 5.0
    order = 50

    def run(self, ctx: CheckContext) -> Measurements:
        battery = ctx.adapter(SystemFacts).battery()
        if battery is None:
            # No battery: a desktop (or a VM) draws mains power by definition.
            return Measurements(
                values={"power.on_ac": True, "power.has_battery": False, "power.battery_pct": None},
                messages=[M_("No battery found: this computer runs on mains power.")],
            )
        percent, plugged = battery
        return Measurements(
            values={
                "power.on_ac": plugged,
                "power.has_battery": True,
                "power.battery_pct": round(percent, 0),
            }
        )
