"""The ``responsiveness`` check: round trips per minute under load, and a bufferbloat grade.

A home line can be fast and still make calls stutter whenever someone else downloads:
the router lets a long queue build up, and every packet of the call waits in it. This
check loads the line in both directions the way IETF IPPM *Responsiveness under Working
Conditions* (draft-ietf-ippm-responsiveness-08) describes, times new and loaded
connections meanwhile, and reports RPM, the latency the load added, and a grade an
employer can require (``one_of = ["A+", "A", "B"]``). The method is in
:mod:`responsiveness_run`, the arithmetic in :mod:`responsiveness_math`, the load in
:mod:`responsiveness_load` and the timed probes in :mod:`responsiveness_probes`.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from deskready.checks.api import (
    Category,
    Check,
    CheckContext,
    CheckFailed,
    Measurements,
    Metric,
    MetricSeries,
    MetricType,
    MetricValue,
    Setting,
)
from deskready.checks.i18n import M_, N_
from deskready.checks.network import responsiveness_math as rm
from deskready.checks.network import server_url
from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.http_transport import Deadline, Target
from deskready.checks.network.librespeed_backend import resolve_librespeed
from deskready.checks.network.responsiveness_probes import Endpoint, resolve
from deskready.checks.network.responsiveness_run import measure_idle, measure_loaded
from deskready.checks.network.speedtest_backend import directory_target, mini_target
from deskready.checks.network.transfer_errors import (
    REQUEST_ERRORS,
    RequestTimeout,
    TransferError,
    describe,
    too_little_time,
)

DRAFT = "draft-ietf-ippm-responsiveness-08"
#: The longest test a spec may ask for; the draft's own runs take 10-20 s.
MAX_SECONDS = 30.0
#: The shortest max_seconds a spec may set: the idle probes, 3 s of load, winding down.
MIN_SECONDS = 5.0
#: Less load than this cannot show a queue at all (slow start alone takes a second).
MIN_LOAD_S = 2.0

_ADVICE = N_(
    "When someone else in your home downloads or uploads, your calls stutter: the router "
    "lets a long queue of data build up. Ask for SQM (Smart Queue Management; some routers "
    "call it 'Smart Queue' or 'QoS') to be turned on in the router, or ask your internet "
    "provider for a router that has it."
)


def load_url(target: Target) -> str:
    """The URL of the load's download requests: short, so self probes find a request
    boundary soon (see :mod:`responsiveness_load`): 1 MiB from LibreSpeed's ``garbage``,
    Speedtest's ``random1000x1000.jpg`` (about 2 MB) instead of the bandwidth test's
    largest files."""
    if target.protocol == "librespeed":
        return urlunsplit(urlsplit(target.download_url)._replace(query="ckSize=1"))
    return target.download_url.replace("random4000x4000", "random1000x1000")


def _endpoint(target: Target, timeout: float) -> Endpoint:
    """The responsiveness URLs of a bandwidth target: short load requests, a tiny object."""
    return resolve(target.name, load_url(target), target.upload_url, target.latency_url, timeout)


class ResponsivenessCheck(Check):
    """RPM under working conditions and the latency added by load (bufferbloat)."""

    id = "responsiveness"
    title = N_("Responsiveness under load")
    category = Category.NETWORK
    description = N_(
        "How much slower your connection answers while it is busy uploading and downloading."
    )
    exclusive = True
    order = 150
    time_budget_s: ClassVar[float] = 45.0
    settings = (
        server_url.BACKEND_SETTING,
        server_url.SERVER_SETTING,
        Setting(
            "max_seconds",
            float,
            12.0,
            N_("Longest the whole responsiveness test may take"),
            min=MIN_SECONDS,
            max=MAX_SECONDS,
            unit=N_("seconds"),
        ),
    )
    metrics = (
        Metric(
            "network.rpm",
            MetricType.NUMBER,
            N_("Responsiveness under load (round trips per minute)"),
            "RPM",
            advice=_ADVICE,
        ),
        Metric(
            "network.loaded_latency_increase_ms",
            MetricType.NUMBER,
            N_("Delay added while the connection is busy"),
            "ms",
            advice=_ADVICE,
            series=MetricSeries(
                "latency_increase_series", N_("Delay added while the connection is busy"), "ms"
            ),
        ),
        Metric(
            "network.bufferbloat_grade",
            MetricType.CHOICE,
            N_("Bufferbloat grade (how calls fare while others use the line)"),
            choices=rm.GRADES,
            advice=_ADVICE,
            labels={
                "A+": N_("A+ (no added delay)"),
                "A": N_("A (little added delay)"),
                "B": N_("B (some added delay)"),
                "C": N_("C (calls may stutter)"),
                "D": N_("D (calls stutter)"),
                "F": N_("F (calls break up)"),
            },
        ),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """Find the server, probe the idle line, then load it and probe again."""
        seconds = ctx.setting("max_seconds")
        net = ctx.adapter(NetAdapter)
        started = time.monotonic()
        ctx.progress(0.0, M_("Finding a test server"))
        messages: list[str] = []
        target = self._target(
            ctx, net, ctx.setting("backend"), ctx.setting("server").strip(), messages
        )
        try:
            endpoint = _endpoint(target, ctx.bounded(8.0))
        except (OSError, ValueError) as exc:  # no such name, lookup too slow, not http(s)
            raise CheckFailed(describe(exc, target.name)) from exc
        ctx.raise_if_cancelled()
        ctx.progress(0.05, M_("Measuring the delay of the idle connection"))
        try:
            # the idle probes may take what the load would leave over (MIN_LOAD_S + 1 s)
            until = started + seconds - MIN_LOAD_S - 1.0
            idle = measure_idle(endpoint, net, ctx.bounded(4.0), until)
        except REQUEST_ERRORS as exc:
            if isinstance(exc, RequestTimeout) and time.monotonic() >= until - 0.1:
                raise CheckFailed(too_little_time(seconds)) from exc  # max_seconds, not 4 s
            raise CheckFailed(describe(exc, target.name)) from exc
        # max_seconds is wall clock for the whole test: the loaded part gets what is left,
        # less a second to stop the connections (0.5 s each for load and probes at most)
        load_s = min(seconds - (time.monotonic() - started), ctx.time_left() - 1.5) - 1.0
        if load_s < MIN_LOAD_S:
            raise CheckFailed(too_little_time(seconds))

        def on_interval(fraction: float, rpm: float | None) -> None:
            live = {"rpm": round(rpm)} if rpm is not None else {}
            ctx.progress(0.1 + 0.9 * fraction, M_("Measuring responsiveness under load"), **live)

        try:
            loaded = measure_loaded(endpoint, net, load_s, ctx.raise_if_cancelled, on_interval)
        except TransferError as exc:
            raise CheckFailed(str(exc)) from exc
        working = 60000.0 / loaded.rpm  # the round trip the RPM stands for
        added = working - idle.ms
        values: dict[str, MetricValue] = {
            "network.rpm": round(loaded.rpm),
            "network.loaded_latency_increase_ms": round(max(0.0, added), 1),
            "network.bufferbloat_grade": rm.grade(added),
        }
        if loaded.confidence != "high":
            messages.append(
                M_(
                    "The connection did not settle within {seconds} seconds, so this figure "
                    "is less certain than usual; a longer test (max_seconds) gives a surer one.",
                    seconds=round(seconds),
                )
            )
        if loaded.self_probes == 0:
            messages.append(
                M_(
                    "No request could be timed on the busy connections (the line is too slow "
                    "for the test's requests to finish); responsiveness comes from new "
                    "connections alone."
                )
            )
        details: dict[str, Any] = {
            "method": DRAFT,
            "server": {"name": target.name, **target.info},
            "idle": _probe_details(idle.means) | {"rpm": round(idle.rpm), "ms": _r(idle.ms)},
            "loaded": _probe_details(loaded.means) | {"rpm": round(loaded.rpm), "ms": _r(working)},
            "added_ms": _r(added),
            "rpm_class": rm.rpm_class(loaded.rpm),
            "confidence": loaded.confidence,
            "saturated": loaded.saturated,
            "connections": loaded.connections,
            "connections_starved": loaded.starved,
            "goodput_mbps": loaded.goodput_mbps,
            "probes": {
                "foreign": loaded.foreign_probes,
                "self": loaded.self_probes,
                "foreign_failed": loaded.foreign_failed,
            },
            # one point per saturated interval, as the metric: added to the idle latency
            "latency_increase_series": [
                [t, round(max(0.0, ms - idle.ms), 2)] for t, ms in loaded.series
            ],
            "load_seconds": round(loaded.seconds, 2),
            "duration_s": round(time.monotonic() - started, 2),
        }
        ctx.progress(
            1.0,
            M_("{rpm} round trips per minute, grade {grade}", rpm=round(loaded.rpm),
               grade=values["network.bufferbloat_grade"]),
        )  # fmt: skip
        return Measurements(values, details, messages)

    def _target(
        self, ctx: CheckContext, net: NetAdapter, backend: str, server: str, hints: list[str]
    ) -> Target:
        """The server, in the same forms as the bandwidth check's settings (and found the
        same way: :mod:`librespeed_backend`, :mod:`speedtest_backend`, :mod:`server_url`)."""
        server = server or "auto"
        is_url = server_url.is_url(server)
        deadline = Deadline(ctx, min(15.0, ctx.time_left()))
        try:
            if backend == "librespeed":
                if not is_url:
                    raise TransferError(
                        M_("The LibreSpeed test needs the server address (a URL) in the spec.")
                    )
                target, hint = resolve_librespeed(server, net, deadline)
                if hint:
                    hints.append(hint)
                return target
            if is_url:
                return mini_target(server_url.schemes(server)[0], net, ctx, deadline)
            if server != "auto" and not server.isdigit():
                raise TransferError(
                    M_(
                        'The speed test server "{server}" is not "auto", a number or a URL.',
                        server=server,
                    )
                )
            return directory_target(server, net, ctx, deadline)[0]
        except TransferError as exc:
            raise CheckFailed(str(exc)) from exc


def _r(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 2)


def _probe_details(means: rm.ProbeMeans) -> dict[str, float | None]:
    return {
        "tcp_f_ms": _r(means.tcp_f),
        "tls_f_ms": _r(means.tls_f),
        "http_f_ms": _r(means.http_f),
        "http_l_ms": _r(means.http_l),
    }
