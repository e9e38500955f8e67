"""The ``call_quality`` check: latency, jitter, loss and MOS of a voice-like UDP stream.

The stream is shaped like a G.711 call: a 172-byte packet (160 bytes of audio + the
12-byte RTP header) every 20 ms, as STUN Binding requests padded to that size. With the
employer's hub its loss and jitter are also split by direction (hub_directions.py); with
``interface`` set the stream leaves through that interface only (binding.py).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
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
from deskready.checks.network import hub_directions, stun_health, voice_math
from deskready.checks.network.adapters import UdpAdapter
from deskready.checks.network.binding import bind_to_interface, interface_of_address
from deskready.checks.network.stun import (
    IPV4_UDP_OVERHEAD,
    IPV6_UDP_OVERHEAD,
    VOICE_PAYLOAD_BYTES,
    StunResponse,
    parse_server,
)
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
#: The longest test call a spec may ask for, and the budget that fits it with the server
#: search (up to 3 servers x 3 pings), the grace wait, a second look and the hub's count.
MAX_DURATION_S = 60.0
BUDGET_S = 80.0
#: An answer up to this much longer than a voice packet still counts as voice-sized (a
#: server may add a SOFTWARE or FINGERPRINT attribute to the padded size).
VOICE_SLACK_BYTES = 32

_ADVICE_NETWORK = N_(
    "Use a cable instead of Wi-Fi, and stop downloads, streaming and video calls on other "
    "devices in your home while you work."
)


@dataclass
class _Server:
    """The server the stream goes to, and how the socket reaches it."""

    sock: socket.socket
    address: Any
    spec: str
    first_ms: float
    problems: list[str]
    size: int  # padded request size, 0 when the server refused PADDING
    interface: str  # the interface that carried the stream ("" when unknown)
    binding: str  # what binding.py did, "" when the spec set no interface


def _packet_details(found: _Server, result: StreamResult) -> dict[str, Any]:
    """Sizes each way (UDP payload, and on the wire with IP + UDP headers) and the interface.

    ``downstream_packet_bytes`` is the median size of the answers that came: 172 from the
    employer's hub; from a third-party server often 32-100 (it ignores PADDING) or about
    1,500 (coturn with two listening addresses pads its answers to the MTU, RFC 5780).
    """
    request = result.request_bytes
    replies = [float(p.reply_bytes) for p in result.arrivals if p.reply_bytes]
    median_reply = voice_math.median(replies)
    reply = None if median_reply is None else round(median_reply)
    overhead = IPV6_UDP_OVERHEAD if found.sock.family == socket.AF_INET6 else IPV4_UDP_OVERHEAD
    details: dict[str, Any] = {
        "upstream_packet_bytes": request,
        "downstream_packet_bytes": reply,
        "upstream_wire_bytes": request + overhead,
        "downstream_wire_bytes": None if reply is None else reply + overhead,
        "voice_sized_upstream": request >= VOICE_PAYLOAD_BYTES,
        "voice_sized_downstream": reply is not None
        and VOICE_PAYLOAD_BYTES <= reply <= VOICE_PAYLOAD_BYTES + VOICE_SLACK_BYTES,
        "interface": found.interface or None,
    }
    if found.binding:
        details["binding"] = found.binding
    return details


def _size_messages(server: str, details: dict[str, Any]) -> list[str]:
    """Say when the test packets were not the size of a call's, and which way."""
    if not details["voice_sized_upstream"]:
        return [
            M_(
                "The call test server {server} refused voice-sized test packets, so short "
                "ones ({size} bytes) were used both ways.",
                server=server,
                size=details["upstream_packet_bytes"],
            )
        ]
    reply = details["downstream_packet_bytes"]
    if reply is None or details["voice_sized_downstream"]:
        return []
    if reply < VOICE_PAYLOAD_BYTES:
        return [
            M_(
                "The call test server {server} answers with {size}-byte packets, smaller than "
                "a call's {voice}: only the way out carried voice-sized packets.",
                server=server,
                size=reply,
                voice=VOICE_PAYLOAD_BYTES,
            )
        ]
    return [
        M_(
            "The call test server {server} answers with {size}-byte packets, larger than a "
            "call's {voice}: the way back carried more than a call would.",
            server=server,
            size=reply,
            voice=VOICE_PAYLOAD_BYTES,
        )
    ]


class CallQualityCheck(Check):
    """Streams STUN requests like a call's audio packets and rates the result."""

    id = "call_quality"
    title = N_("Call quality")
    category = Category.NETWORK
    description = N_("Delay, jitter and lost packets of a test stream shaped like a phone call.")
    exclusive = True
    time_budget_s: ClassVar[float] = BUDGET_S
    settings = (
        Setting(
            "stun_servers",
            list[str],
            list(DEFAULT_STUN_SERVERS),
            N_("STUN servers (host:port) to test against, tried in order"),
        ),
        # One second is 50 packets at 20 ms, the fewest that give a loss and jitter figure;
        # a minute is a whole "test call" (3,000 packets: one lost packet is 0.03 %).
        Setting(
            "duration_s",
            float,
            10.0,
            N_("How long the test call lasts"),
            min=1.0,
            max=MAX_DURATION_S,
            unit=N_("seconds"),
        ),
        Setting(
            "interface",
            str,
            "",
            N_("The network interface the test call must use (e.g. eth0); empty: the OS picks"),
        ),
        # The hub mode (set by `deskready check --hub`, docs/hub-protocol.md §4): the test
        # stream's requests name the employer hub's session, so the hub counts them.
        Setting(
            "stun_username",
            str,
            "",
            N_("Employer hub only: the session name each test packet carries (USERNAME)"),
        ),
        # Set with stun_username when joining a hub: where to ask which packets it answered.
        Setting(
            "hub_url",
            str,
            "",
            N_("Employer hub only: the hub that counts the test packets (set when you join)"),
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
        Metric(
            "network.downstream_loss_pct",
            MetricType.NUMBER,
            N_("Packets lost on the way back from the hub"),
            "%",
            advice=N_(
                "Packets to your computer get lost on the way in. Stop downloads and streaming "
                "on other devices, use a cable instead of Wi-Fi, or ask your internet provider "
                "to check your line."
            ),
        ),
        Metric(
            "network.downstream_jitter_ms",
            MetricType.NUMBER,
            N_("Jitter on the way back from the hub"),
            "ms",
            advice=N_(
                "Packets to your computer arrive unevenly. Stop downloads and streaming on "
                "other devices and use a cable instead of Wi-Fi."
            ),
        ),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """Find a STUN server that answers, stream to it, and compute the call metrics."""
        servers = list(ctx.setting("stun_servers"))
        wanted = ctx.setting("duration_s")
        username = str(ctx.setting("stun_username") or "") or None
        hub_url = str(ctx.setting("hub_url") or "")
        by_hub = username is not None and bool(hub_url)
        udp = ctx.adapter(UdpAdapter)
        ctx.progress(0.0, M_("Looking for a call test server"))
        found = self._find_server(ctx, udp, servers, str(ctx.setting("interface") or ""))
        try:
            # Fit the stream into what is left of the budget (keep time for the grace wait,
            # a second look at the server and asking the hub what it counted).
            reserve = LATE_S + 0.5 + SECOND_LOOK_S + (hub_directions.HUB_S if by_hub else 0.0)
            duration = min(wanted, max(1.0, ctx.time_left() - reserve))
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
                found.sock,
                found.address,
                count,
                INTERVAL_S,
                ctx.bounded(LATE_S),
                lambda: ctx.cancelled,
                tick,
                username=username,
                size=found.size,
            )
            # In the hub mode only the stream names the session (and is counted by the hub);
            # the first ping and the second look do not.
            second = self._second_look(ctx, found, result)
        finally:
            found.sock.close()
        ctx.raise_if_cancelled()
        measured = self._measurements(result, found, duration, second)
        if duration < wanted - 0.5:
            measured.messages.append(
                M_(
                    "The test call was shortened to {seconds} seconds to fit the time this "
                    "check may take.",
                    seconds=round(duration),
                )
            )
        if username is not None:
            measured.details["stun_sent"] = len(result.probes)
        if by_hub and username is not None:
            hub_directions.add_directions(ctx, measured, result, hub_url, username)
        else:
            hub_directions.round_trip_only(measured)
        return measured

    def _second_look(
        self, ctx: CheckContext, found: _Server, result: StreamResult
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
        return stream(
            found.sock,
            found.address,
            count,
            interval,
            ctx.bounded(wait),
            lambda: ctx.cancelled,
            size=found.size,
        )

    def _find_server(
        self, ctx: CheckContext, udp: UdpAdapter, servers: list[str], interface: str
    ) -> _Server:
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
                binding = ""
                try:
                    if interface:
                        # An interface that does not exist or is down ends the check with
                        # a message naming those that do (InterfaceBindError).
                        binding = bind_to_interface(sock, interface)
                    sock.connect(address)  # so ICMP "port unreachable" is reported to us
                except OSError:
                    sock.close()
                    problems.append(M_("{server}: no route to it", server=spec))
                    continue
                except BaseException:
                    sock.close()
                    raise
                answers: list[StunResponse] = []
                rtt = ping(sock, address, 3, ctx.bounded(0.7), VOICE_PAYLOAD_BYTES, answers)
                if rtt is not None:
                    # A server that refuses PADDING (420, RFC 8489 §6.3.1) still measures
                    # the path, with short requests.
                    size = VOICE_PAYLOAD_BYTES if answers and answers[-1].success else 0
                    source = str(sock.getsockname()[0])
                    carried = interface or interface_of_address(source) or ""
                    return _Server(sock, address, str(spec), rtt, problems, size, carried, binding)
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
        found: _Server,
        duration: float,
        second: StreamResult | None = None,
    ) -> Measurements:
        server, problems = found.spec, found.problems
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
            "network.downstream_loss_pct": None,
            "network.downstream_jitter_ms": None,
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
            "first_rtt_ms": _r(found.first_ms),
            **_packet_details(found, result),
            "rtt_series": [
                [round(p.sent - start, 3), None if p.rtt_ms is None else round(p.rtt_ms, 2)]
                for p in probes
            ],
        }
        messages: list[str] = []
        if problems:
            details["servers_skipped"] = problems
        messages.extend(_size_messages(server, details))
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
