"""The ``call_quality`` check: latency, jitter, loss and MOS of a voice-like UDP stream."""

from __future__ import annotations

import socket
import time
from typing import Any, ClassVar

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
from deskready.checks.network import stun_health, voice_math
from deskready.checks.network.adapters import UdpAdapter
from deskready.checks.network.stun import parse_server
from deskready.checks.network.stun_stream import StreamResult, ping, stream

#: Public STUN servers used when the spec names none (tests always pass their own).
DEFAULT_STUN_SERVERS = (
    "stun.l.google.com:19302",
    "stun1.l.google.com:19302",
    "stun.cloudflare.com:3478",
)
#: One packet every 20 ms, as a G.711/Opus call sends.
INTERVAL_S = 0.020
#: A voice packet this late is useless: answers arriving later count as lost.
LATE_S = 1.0
#: Time the second look at a lossy stream takes (stun_health), kept free in the budget.
SECOND_LOOK_S = stun_health.SLOW_PROBES * stun_health.SLOW_INTERVAL_S + LATE_S

_ADVICE_NETWORK = N_(
    "Use a cable instead of Wi-Fi, and stop downloads, streaming and video calls on other "
    "devices in your home while you work."
)


class CallQualityCheck(Check):
    """Streams STUN requests like a call's audio packets and rates the result."""

    id = "call_quality"
    title = N_("Call quality")
    category = Category.NETWORK
    description = N_("Delay, jitter and lost packets of a test stream shaped like a phone call.")
    exclusive = True
    time_budget_s: ClassVar[float] = 30.0
    settings = (
        Setting(
            "stun_servers",
            list[str],
            list(DEFAULT_STUN_SERVERS),
            N_("STUN servers (host:port) to test against, tried in order"),
        ),
        # One second is 50 packets at 20 ms, the fewest that give a loss and jitter figure;
        # a minute is far more than a call sample needs (the budget shortens it anyway).
        Setting(
            "duration_s",
            float,
            10.0,
            N_("How long the test stream lasts"),
            min=1.0,
            max=60.0,
            unit=N_("seconds"),
        ),
        # The hub mode (set by `deskready check --hub`, docs/hub-protocol.md §4): the test
        # stream's requests name the employer hub's session, so the hub counts them.
        Setting(
            "stun_username",
            str,
            "",
            N_("Employer hub only: the session name each test packet carries (USERNAME)"),
        ),
    )
    metrics = (
        Metric(
            "network.rtt_ms",
            MetricType.NUMBER,
            N_("Round-trip delay (median)"),
            "ms",
            advice=_ADVICE_NETWORK,
            series=MetricSeries("rtt_series", N_("Latency during the call test")),
        ),
        Metric(
            "network.rtt_p95_ms",
            MetricType.NUMBER,
            N_("Round-trip delay, worst 5 %"),
            "ms",
            advice=_ADVICE_NETWORK,
        ),
        Metric(
            "network.jitter_ms",
            MetricType.NUMBER,
            N_("Jitter (how much the delay varies, RFC 3550)"),
            "ms",
            advice=_ADVICE_NETWORK,
        ),
        Metric(
            "network.loss_pct",
            MetricType.NUMBER,
            N_("Packets lost"),
            "%",
            advice=N_(
                "Use a cable instead of Wi-Fi. If packets are still lost, restart your router "
                "and call your internet provider."
            ),
        ),
        Metric(
            "network.mos",
            MetricType.NUMBER,
            N_("Expected call quality score (MOS, 1 to 4.4)"),
            advice=_ADVICE_NETWORK,
        ),
        Metric(
            "network.mos_grade",
            MetricType.CHOICE,
            N_("Expected call quality"),
            choices=voice_math.MOS_GRADES,
            advice=_ADVICE_NETWORK,
            labels={
                "excellent": N_("excellent"),
                "great": N_("very good"),
                "good": N_("good"),
                "fair": N_("fair"),
                "degraded": N_("poor"),
            },
        ),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """Find a STUN server that answers, stream to it, and compute the call metrics."""
        servers = list(ctx.setting("stun_servers"))
        duration = ctx.setting("duration_s")
        username = str(ctx.setting("stun_username") or "") or None
        udp = ctx.adapter(UdpAdapter)
        ctx.progress(0.0, M_("Looking for a call test server"))
        sock, address, server, first_ms, problems = self._find_server(ctx, udp, servers)
        try:
            # Fit the stream into what is left of the budget (keep time for the grace wait
            # and for a second look at the server).
            duration = min(duration, max(1.0, ctx.time_left() - LATE_S - 0.5 - SECOND_LOOK_S))
            count = max(2, round(duration / INTERVAL_S))

            def tick(fraction: float, arrivals: list[Any]) -> None:
                rtts = [p.rtt_ms for p in arrivals[-50:]]
                current = voice_math.median(rtts) or 0.0
                ctx.progress(
                    fraction,
                    M_("Delay: {ms} ms", ms=round(current)),
                    rtt_ms=current,
                )

            result = stream(
                sock,
                address,
                count,
                INTERVAL_S,
                ctx.bounded(LATE_S),
                lambda: ctx.cancelled,
                tick,
                username=username,
            )
            # In the hub mode only the stream names the session (and is counted by the hub);
            # the first ping and the second look do not.
            second = self._second_look(ctx, sock, address, result)
        finally:
            sock.close()
        ctx.raise_if_cancelled()
        measured = self._measurements(result, server, first_ms, problems, duration, second)
        if username is not None:
            measured.details["stun_sent"] = len(result.probes)
        return measured

    def _second_look(
        self, ctx: CheckContext, sock: socket.socket, address: Any, result: StreamResult
    ) -> StreamResult | None:
        """After heavy loss, a few slow requests: do they tell a server fault apart?"""
        if ctx.cancelled or not stun_health.needs_second_look(
            len(result.probes), len(result.arrivals)
        ):
            return None
        rtts = [p.rtt_ms for p in result.arrivals if p.rtt_ms is not None]
        # Answers to slow requests come back as fast as the stream's did: wait a few RTTs.
        wait = min(LATE_S, max(0.2, 4 * max(rtts, default=250.0) / 1000.0))
        fit = int((ctx.time_left() - wait - 0.2) / stun_health.SLOW_INTERVAL_S)
        count = min(stun_health.SLOW_PROBES, fit)
        if count < 1:
            return None
        interval = stun_health.SLOW_INTERVAL_S
        return stream(sock, address, count, interval, ctx.bounded(wait), lambda: ctx.cancelled)

    def _find_server(
        self, ctx: CheckContext, udp: UdpAdapter, servers: list[str]
    ) -> tuple[socket.socket, Any, str, float, list[str]]:
        problems: list[str] = []
        for spec in servers:
            ctx.raise_if_cancelled()
            try:
                host, port = parse_server(str(spec))
            except ValueError:
                problems.append(M_("{server}: not a valid server address", server=spec))
                continue
            try:
                addresses = udp.resolve(host, port, ctx.bounded(3.0))
            except (OSError, TimeoutError):
                problems.append(M_("{server}: address could not be looked up", server=spec))
                continue
            for family, address in addresses[:2]:
                sock = udp.udp_socket(family)
                try:
                    sock.connect(address)  # so ICMP "port unreachable" is reported to us
                except OSError:
                    sock.close()
                    problems.append(M_("{server}: no route to it", server=spec))
                    continue
                rtt = ping(sock, address, 3, ctx.bounded(0.7))
                if rtt is not None:
                    return sock, address, str(spec), rtt, problems
                sock.close()
                problems.append(M_("{server}: no answer", server=spec))
        raise CheckFailed(
            M_(
                "None of the call test servers answered ({problems}). Your network may block "
                "the kind of traffic calls use; ask your employer's IT team.",
                problems="; ".join(problems) or M_("no servers configured"),
            )
        )

    def _measurements(
        self,
        result: StreamResult,
        server: str,
        first_ms: float,
        problems: list[str],
        duration: float,
        second: StreamResult | None = None,
    ) -> Measurements:
        probes = result.probes
        arrivals = result.arrivals
        rtts = [p.rtt_ms for p in probes if p.rtt_ms is not None]
        jitter_s = voice_math.mean_rfc3550_jitter(
            [p.sent for p in arrivals], [p.received or 0.0 for p in arrivals]
        )
        loss = voice_math.loss_percent(len(probes), len(arrivals))
        rtt = voice_math.median(rtts)
        p95 = voice_math.percentile(rtts, 95.0)
        jitter = None if jitter_s is None else jitter_s * 1000.0
        values: dict[str, MetricValue] = {
            "network.rtt_ms": _r(rtt),
            "network.rtt_p95_ms": _r(p95),
            "network.jitter_ms": _r(jitter),
            "network.loss_pct": _r(loss),
            "network.mos": None,
            "network.mos_grade": None,
        }
        if loss is not None and (rtt is not None or loss >= 100.0):
            score = voice_math.mos(rtt or 0.0, jitter or 0.0, loss)
            if loss >= 100.0:
                score = 1.0
            values["network.mos"] = round(score, 2)
            values["network.mos_grade"] = voice_math.mos_grade(score)
        start = probes[0].sent if probes else time.monotonic()
        details: dict[str, Any] = {
            "server": server,
            "probes_sent": len(probes),
            "probes_received": len(arrivals),
            "interval_ms": INTERVAL_S * 1000,
            "duration_s": round(duration, 2),
            "first_rtt_ms": _r(first_ms),
            "rtt_series": [
                [round(p.sent - start, 3), None if p.rtt_ms is None else round(p.rtt_ms, 2)]
                for p in probes
            ],
        }
        messages: list[str] = []
        if problems:
            details["servers_skipped"] = problems
        if second is not None:
            fault = stun_health.diagnose(
                len(probes), len(arrivals), len(second.probes), len(second.arrivals)
            )
            details["second_look"] = {
                "sent": len(second.probes),
                "answered": len(second.arrivals),
                "interval_ms": stun_health.SLOW_INTERVAL_S * 1000,
                "finding": fault or "path_loss",
            }
            if fault is not None:
                # The server caused this loss: it is not the agent's, so no loss and no
                # MOS are recorded; delay and jitter of the answers that came stay.
                message = _server_fault_message(fault, server, result, second)
                if not arrivals:
                    raise CheckFailed(message)
                for metric_id in ("network.loss_pct", "network.mos", "network.mos_grade"):
                    values[metric_id] = None
                messages.append(message)
        return Measurements(values, details, messages)


def _server_fault_message(
    fault: str, server: str, result: StreamResult, second: StreamResult
) -> str:
    """Name the STUN server as the cause of the loss, in words for the agent."""
    probes, arrivals = result.probes, result.arrivals
    if fault == stun_health.STOPPED:
        return M_(
            "The call test server {server} stopped answering during the test (it answered "
            "{answered} of {sent} test packets) and still does not answer. That is not a "
            "loss on your connection, so packet loss and call quality were not measured. "
            "Try again; if it keeps happening, ask your employer's IT team for another call "
            "test server.",
            server=server,
            answered=len(arrivals),
            sent=len(probes),
        )
    span = probes[-1].sent - probes[0].sent + INTERVAL_S if probes else 1.0
    return M_(
        "The call test server {server} answered only about {rate} of the {sent_rate} test "
        "packets sent to it each second, but {slow_answered} of {slow_sent} sent slowly: it "
        "limits how fast it answers. That is not a loss on your connection, so packet loss "
        "and call quality were not measured. Ask your employer's IT team for a call test "
        "server without this limit.",
        server=server,
        rate=round(len(arrivals) / max(span, INTERVAL_S)),
        sent_rate=round(1 / INTERVAL_S),
        slow_answered=len(second.arrivals),
        slow_sent=len(second.probes),
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
