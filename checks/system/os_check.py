"""The `os` check: which operating system, which version, and is it still supported."""

from __future__ import annotations

from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric, MetricType
from deskready.checks.i18n import M_, N_
from deskready.checks.platform import OS
from deskready.checks.system.host import SystemFacts
from deskready.checks.system.os_info import (
    OsInfo,
    is_supported,
    linux_os,
    macos_os,
    support_end,
    windows_os,
)

OS_FAMILIES = ("windows", "macos", "linux", "other")
WINDOWS_VERSION_KEY = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"


class OsCheck(Check):
    id = "os"
    title = N_("Operating system")
    category = Category.SYSTEM
    description = N_(
        "Which operating system runs this computer and whether it still gets security updates."
    )
    metrics = (
        Metric(
            "os.name",
            MetricType.CHOICE,
            N_("Operating system"),
            choices=OS_FAMILIES,
            advice=N_(
                "Your employer requires a different operating system. Ask them which computers they accept."
            ),
            labels={
                "windows": N_("Windows"),
                "macos": N_("macOS"),
                "linux": N_("Linux"),
                "other": N_("another system"),
            },
        ),
        Metric("os.version", MetricType.TEXT, N_("Operating system version")),
        Metric(
            "os.description",
            MetricType.TEXT,
            N_("Operating system, edition and build"),
            summary=True,
        ),
        Metric(
            "os.major_version",
            MetricType.INTEGER,
            N_("Operating system major version"),
            advice=N_(
                "Your operating system is older than required. Update it, or ask your employer which versions they accept."
            ),
        ),
        Metric(
            "os.supported",
            MetricType.BOOLEAN,
            N_("Operating system still supported"),
            advice=N_(
                "Your operating system no longer gets security updates. Install the latest updates (Windows: Settings > Windows Update; Mac: System Settings > General > Software Update)."
            ),
        ),
    )
    time_budget_s = 10.0
    order = 10

    def run(self, ctx: CheckContext) -> Measurements:
        host = ctx.adapter(SystemFacts)
        info = detect_os(host)
        supported = is_supported(info, host.today()) if info.family != "other" else None
        result = Measurements(
            values={
                "os.name": info.family,
                "os.version": info.version or None,
                "os.major_version": info.major,
                "os.supported": supported,
                "os.description": _description(info.name, info.build),
            },
            details={"name": info.name, "build": info.build, "edition": info.edition},
        )
        end = support_end(info)
        if end is not None:
            result.details["support_ends"] = end.isoformat()
            if supported is False:
                result.messages.append(
                    M_(
                        "{name} stopped getting security updates on {date}.",
                        name=info.name,
                        date=end.isoformat(),
                    )
                )
        if supported is None and info.family != "other":
            result.messages.append(
                M_("deskready does not know the end-of-support date of {name}.", name=info.name)
            )
        return result


def detect_os(host: SystemFacts) -> OsInfo:
    """OS identity from the platform's own sources."""
    system = host.current_os()
    if system is OS.WINDOWS:
        return windows_os(host.windows_registry(WINDOWS_VERSION_KEY) or {})
    if system is OS.MACOS:
        return macos_os(host.run(["sw_vers"]) or "")
    if system is OS.LINUX:
        return linux_os(host.read_text("/etc/os-release") or host.read_text("/usr/lib/os-release"))
    return OsInfo("other", host.system() or "unknown", "")


def _description(name: str, build: str | None) -> str | None:
    """ "Windows 11 Pro (build 22631)": how the report's machine summary names the system."""
    if not name:
        return None
    return f"{name} (build {build})" if build else name
