"""The ``bandwidth`` check: download and upload speed, and latency under load."""

from __future__ import annotations

import statistics
import time
from typing import ClassVar

from deskready.checks.api import (
    MAX_TIME_BUDGET_S,
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
from deskready.checks.network import server_url, transfer_errors
from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.bound_net import RecordingNet
from deskready.checks.network.http_transport import (
    Deadline,
    LatencyProbe,
    Phase,
    Target,
    measure_download,
    measure_upload,
)
from deskready.checks.network.librespeed_backend import resolve_librespeed
from deskready.checks.network.speedtest_backend import directory_target, mini_target
from deskready.checks.network.transfer_errors import REQUEST_ERRORS, TransferError, describe

#: Longest a single direction runs; two of them plus server selection fit in 15 s, also
#: on a 300 ms path with 5 % loss (measured 15.1 s with 6 s phases: bench/network_accuracy.py).
PHASE_MAX_S = 5.75
PHASE_MIN_S = 2.0
#: The idle latency takes at most about this long (at least 3 samples): on a 300 ms path,
#: five samples would cost the phases 1.5 s of the 15 the whole test should fit in.
IDLE_PROBE_S = 0.6
#: A phase shorter than this has no steady part left after the warm-up (0.5 s at least):
#: when ``max_seconds`` leaves less, the test says so instead of measuring noise.
PHASE_SHORTEST_S = 1.0


class BandwidthCheck(Check):
    """Measures download and upload speed against speedtest.net, a Mini or LibreSpeed."""

    id = "bandwidth"
    title = N_("Internet speed")
    category = Category.NETWORK
    description = N_("How fast your internet connection downloads and uploads.")
    exclusive = True
    time_budget_s: ClassVar[float] = 45.0
    settings = (
        server_url.BACKEND_SETTING,
        server_url.SERVER_SETTING,
        Setting(
            "interface",
            str,
            "",
            N_(
                "The network interface the test must use (eth0, en0, Ethernet 2); "
                "empty: the one the computer picks"
            ),
        ),
        # Two phases of at least PHASE_MIN_S each; above the longest budget a spec may
        # give, the limit could never take effect.
        Setting(
            "max_seconds",
            float,
            30.0,
            N_("Longest the whole speed test may take"),
            min=2 * PHASE_MIN_S,
            max=MAX_TIME_BUDGET_S,
            unit=N_("seconds"),
        ),
    )
    metrics = (
        Metric(
            "network.download_mbps",
            MetricType.NUMBER,
            N_("Download speed"),
            "Mbps",
            advice=N_(
                "Stop downloads and video streaming in your home during work, use a cable "
                "instead of Wi-Fi, or ask your internet provider for a faster plan."
            ),
            series=MetricSeries("download_series", N_("Download speed during the test")),
        ),
        Metric(
            "network.upload_mbps",
            MetricType.NUMBER,
            N_("Upload speed"),
            "Mbps",
            advice=N_(
                "Pause cloud backups and photo uploads, use a cable instead of Wi-Fi, or ask "
                "your internet provider for a plan with more upload speed."
            ),
            series=MetricSeries("upload_series", N_("Upload speed during the test")),
        ),
        Metric(
            "network.loaded_rtt_ms",
            MetricType.NUMBER,
            N_("Delay while the connection is busy (bufferbloat)"),
            "ms",
            advice=N_(
                "Your connection slows down a lot when it is busy. Turn on the router's "
                "'SQM' or 'QoS' setting, or ask your internet provider for help."
            ),
        ),
        Metric(
            "network.bandwidth_interface",
            MetricType.TEXT,
            N_("Network adapter that carried the speed test"),
            advice=N_(
                "Connect the computer to the router with a network cable and set the speed "
                "test to use that adapter."
            ),
        ),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """Pick the server, then measure download and upload with latency probes running."""
        backend = ctx.setting("backend")
        server = ctx.setting("server").strip() or "auto"
        max_seconds = ctx.setting("max_seconds")
        started = time.monotonic()
        # max_seconds is wall clock for the whole test: every request and phase ends by it.
        deadline = Deadline(ctx, max_seconds)
        net = RecordingNet(ctx.setting("interface").strip(), inner=ctx.adapter(NetAdapter))

        ctx.progress(0.0, M_("Finding a speed test server"))
        hints: list[str] = []
        try:
            target, idle_ms = self._target(ctx, net, backend, server, deadline, hints)
        except TransferError as exc:
            raise CheckFailed(str(exc)) from exc
        ctx.raise_if_cancelled()

        def phase_seconds(upload: bool) -> float:
            left = deadline.left()
            if upload:
                seconds = min(PHASE_MAX_S, max(PHASE_MIN_S, left - 0.5), left - 0.3)
            else:  # leave as much again for the upload
                seconds = min(PHASE_MAX_S, max(PHASE_MIN_S, (left - 1.0) / 2), (left - 0.5) / 2)
            if seconds < PHASE_SHORTEST_S:
                raise CheckFailed(transfer_errors.too_little_time(deadline.seconds))
            return seconds

        probe = LatencyProbe(target, net)
        probe.start(ctx.bounded(2.0))
        try:
            ctx.progress(0.1, M_("Measuring download speed"))
            down_s = phase_seconds(upload=False)
            down = self._run_phase(ctx, target, net, "download", down_s, deadline, idle_ms)
            loaded_down = len(probe.samples)
            ctx.progress(0.55, M_("Measuring upload speed"))
            up_s = phase_seconds(upload=True)
            up = self._run_phase(ctx, target, net, "upload", up_s, deadline, idle_ms)
        finally:
            probe.stop()
        t0 = started
        loaded = [ms for _t, ms in probe.samples]
        carried = net.carried_by()
        values: dict[str, MetricValue] = {
            "network.download_mbps": round(down.mbps, 2),
            "network.upload_mbps": round(up.mbps, 2),
            "network.loaded_rtt_ms": round(statistics.median(loaded), 1) if loaded else None,
            "network.bandwidth_interface": carried["name"],
        }
        details = {
            "interface": carried,
            "backend": backend,
            "server": {"name": target.name, **target.info},
            "idle_rtt_ms": round(idle_ms, 1),
            "download": _phase_details(down),
            "upload": _phase_details(up),
            "download_series": down.series,
            "upload_series": up.series,
            "loaded_rtt_series": [[round(t - t0, 3), round(ms, 2)] for t, ms in probe.samples],
            "loaded_rtt_download_samples": loaded_down,
            # connections the latency probes had to open (a server closing after each
            # answer): timed apart, never inside loaded_rtt_ms
            "loaded_rtt_handshakes_ms": [round(ms, 2) for ms in probe.handshakes],
            "bytes_moved": down.bytes + up.bytes,
            "duration_s": round(time.monotonic() - started, 2),
        }
        ctx.progress(
            1.0,
            M_(
                "Download {down} Mbps, upload {up} Mbps",
                down=round(down.mbps, 1),
                up=round(up.mbps, 1),
            ),
        )
        return Measurements(values, details, hints)

    def _target(
        self,
        ctx: CheckContext,
        net: NetAdapter,
        backend: str,
        server: str,
        deadline: Deadline,
        hints: list[str],
    ) -> tuple[Target, float]:
        is_url = server_url.is_url(server)
        if backend == "librespeed":
            if not is_url:
                raise TransferError(
                    M_("The LibreSpeed test needs the server address (a URL) in the spec.")
                )
            target, hint = resolve_librespeed(server, net, deadline)
            if hint:
                hints.append(hint)
        elif backend == "speedtest":
            if not is_url:
                if server != "auto" and not server.isdigit():
                    raise TransferError(
                        M_(
                            'The speed test server "{server}" is not "auto", a number or a URL.',
                            server=server,
                        )
                    )
                return directory_target(server, net, ctx, deadline)
            target = mini_target(server_url.schemes(server)[0], net, ctx, deadline)
        else:
            raise TransferError(M_("Unknown speed test backend: {name}", name=backend))
        try:
            probe = LatencyProbe(target, net)
            samples = probe.idle(5, deadline.bounded(4.0), deadline, within_s=IDLE_PROBE_S)
        except REQUEST_ERRORS as exc:
            raise TransferError(describe(exc, target.name)) from exc
        return target, statistics.median(samples)

    def _run_phase(
        self,
        ctx: CheckContext,
        target: Target,
        net: NetAdapter,
        direction: str,
        seconds: float,
        deadline: Deadline,
        rtt_ms: float,
    ) -> Phase:
        base = 0.1 if direction == "download" else 0.55
        label = M_("Download") if direction == "download" else M_("Upload")

        def on_progress(fraction: float, mbps: float) -> None:
            ctx.progress(
                base + 0.45 * fraction,
                M_("{direction}: {mbps} Mbps", direction=label, mbps=round(mbps, 1)),
                mbps=mbps,
            )

        measure = measure_download if direction == "download" else measure_upload
        try:
            return measure(ctx, target, net, seconds, on_progress, deadline=deadline, rtt_ms=rtt_ms)
        except TransferError as exc:
            raise CheckFailed(str(exc)) from exc


def _phase_details(phase: Phase) -> dict[str, float | int | str]:
    return {
        "mbps": round(phase.mbps, 3),
        "bytes": phase.bytes,
        "seconds": round(phase.seconds, 2),
        "window_s": round(phase.closed - phase.opened, 2),
        "counted": phase.counted,
    }
