"""The `cpu` check: processor model, class, generation, cores and clock speed."""

from __future__ import annotations

from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric, MetricType
from deskready.checks.i18n import N_
from deskready.checks.platform import OS
from deskready.checks.system.cpu_model import VENDORS, brand_from_cpuinfo, parse_cpu_brand
from deskready.checks.system.host import SystemFacts

WINDOWS_CPU_KEY = r"HARDWARE\DESCRIPTION\System\CentralProcessor\0"
_SLOW_PC = N_(
    "Your computer's processor is below what your employer requires. Softphones and call recording need a faster computer; ask your employer which models they accept."
)


class CpuCheck(Check):
    id = "cpu"
    title = N_("Processor")
    category = Category.SYSTEM
    description = N_("The processor's model, class, generation, number of cores and speed.")
    metrics = (
        Metric("cpu.model", MetricType.TEXT, N_("Processor model"), summary=True),
        Metric(
            "cpu.vendor",
            MetricType.CHOICE,
            N_("Processor maker"),
            choices=VENDORS,
            advice=_SLOW_PC,
            labels={
                "intel": N_("Intel"),
                "amd": N_("AMD"),
                "apple": N_("Apple"),
                "arm": N_("Arm"),
                "other": N_("another maker"),
                "unknown": N_("unknown"),
            },
        ),
        Metric("cpu.family", MetricType.TEXT, N_("Processor family"), advice=_SLOW_PC),
        Metric(
            "cpu.tier",
            MetricType.INTEGER,
            N_("Processor class (3 = i3/Ryzen 3 … 9 = i9/Ryzen 9)"),
            advice=_SLOW_PC,
        ),
        Metric("cpu.generation", MetricType.INTEGER, N_("Processor generation"), advice=_SLOW_PC),
        Metric("cpu.physical_cores", MetricType.INTEGER, N_("Processor cores"), advice=_SLOW_PC),
        Metric("cpu.logical_cores", MetricType.INTEGER, N_("Processor threads"), advice=_SLOW_PC),
        Metric("cpu.max_ghz", MetricType.NUMBER, N_("Processor speed"), "GHz", advice=_SLOW_PC),
    )
    time_budget_s = 10.0
    order = 20

    def run(self, ctx: CheckContext) -> Measurements:
        host = ctx.adapter(SystemFacts)
        brand = cpu_brand(host)
        model = parse_cpu_brand(brand)
        mhz = host.cpu_max_mhz()
        if mhz is None and host.current_os() is OS.WINDOWS:
            registry = host.windows_registry(WINDOWS_CPU_KEY) or {}
            mhz = float(registry["~MHz"]) if isinstance(registry.get("~MHz"), int) else None
        return Measurements(
            values={
                "cpu.model": brand,
                "cpu.vendor": model.vendor,
                "cpu.family": model.family,
                "cpu.tier": model.tier,
                "cpu.generation": model.generation,
                "cpu.physical_cores": host.cpu_count(logical=False),
                "cpu.logical_cores": host.cpu_count(logical=True),
                "cpu.max_ghz": round(mhz / 1000, 2) if mhz else None,
            }
        )


def cpu_brand(host: SystemFacts) -> str | None:
    """The CPU's marketing name as the OS reports it."""
    system = host.current_os()
    if system is OS.WINDOWS:
        name = (host.windows_registry(WINDOWS_CPU_KEY) or {}).get("ProcessorNameString")
        return str(name).strip() if name else None
    if system is OS.MACOS:
        out = host.run(["sysctl", "-n", "machdep.cpu.brand_string"])
        return out.strip() if out and out.strip() else None
    return brand_from_cpuinfo(host.read_text("/proc/cpuinfo"))
