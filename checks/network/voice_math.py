"""Call-quality arithmetic: RFC 3550 jitter, percentiles, loss and the E-model MOS.

Pure functions, no I/O. Sources are named next to each formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: MOS grades as Twilio's preflight test names them (twilio/twilio-voice.js,
#: lib/twilio/preflight/preflight.ts, ``_getCallQuality``): excellent > 4.2,
#: great 4.1-4.2, good 3.7-4.0, fair 3.1-3.6, degraded <= 3.0.
MOS_GRADES = ("excellent", "great", "good", "fair", "degraded")


def rfc3550_jitter(send_times: Sequence[float], recv_times: Sequence[float]) -> float | None:
    """Interarrival jitter of RFC 3550 §6.4.1, in the unit of the inputs.

    ``send_times[k]`` and ``recv_times[k]`` belong to the k-th packet *in arrival order*.
    D(i,j) = (Rj - Ri) - (Sj - Si); J += (|D| - J) / 16. Returns None for fewer than two
    packets (nothing to compare).
    """
    if len(send_times) != len(recv_times):
        raise ValueError("send_times and recv_times differ in length")
    if len(send_times) < 2:
        return None
    jitter = 0.0
    for k in range(1, len(send_times)):
        d = (recv_times[k] - recv_times[k - 1]) - (send_times[k] - send_times[k - 1])
        jitter += (abs(d) - jitter) / 16.0
    return jitter


def mean_rfc3550_jitter(
    send_times: Sequence[float], recv_times: Sequence[float], settle: int = 16
) -> float | None:
    """Mean of the RFC 3550 running jitter estimate over a stream.

    The estimator's final value depends mostly on the last ~16 packets (gain 1/16), so a
    single reading of it varies by 10-15 % between identical runs; its mean over the
    stream (after ``settle`` packets, while it climbs from zero) is the stable figure
    tools such as Wireshark's RTP analysis report next to the maximum.
    """
    if len(send_times) != len(recv_times):
        raise ValueError("send_times and recv_times differ in length")
    if len(send_times) < 2:
        return None
    jitter = 0.0
    seen: list[float] = []
    for k in range(1, len(send_times)):
        d = (recv_times[k] - recv_times[k - 1]) - (send_times[k] - send_times[k - 1])
        jitter += (abs(d) - jitter) / 16.0
        seen.append(jitter)
    tail = seen[settle:] if len(seen) > 2 * settle else seen
    return sum(tail) / len(tail)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The ``pct``-th percentile (0-100) with linear interpolation; None when empty."""
    if not values:
        return None
    if not 0.0 <= pct <= 100.0:
        raise ValueError("pct must be within 0..100")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * pct / 100.0
    low = math.floor(pos)
    high = math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(values: Sequence[float]) -> float | None:
    """The median, or None when there are no values."""
    return percentile(values, 50.0)


def loss_percent(sent: int, received: int) -> float | None:
    """Share of probes that never came back, 0-100; None when nothing was sent."""
    if sent <= 0:
        return None
    received = max(0, min(received, sent))
    return 100.0 * (sent - received) / sent


def r_factor(rtt_ms: float, jitter_ms: float, loss_pct: float) -> float:
    """Simplified ITU-T G.107 E-model R factor, as used by baresip and Twilio.

    eff = rtt + 2*jitter + 10; R = 93.2 - eff/40 when eff < 160, else 93.2 - (eff-120)/10;
    R -= 2.5 * loss_percent; clamped to 0..100 (ITU-T G.107; these constants as in baresip
    ``src/mos.c``, ``mos_calculate``; Twilio's lib/twilio/rtc/mos.ts uses R0 = 94.768, not 93.2).
    """
    eff = rtt_ms + 2.0 * jitter_ms + 10.0
    r = 93.2 - eff / 40.0 if eff < 160.0 else 93.2 - (eff - 120.0) / 10.0
    r -= 2.5 * loss_pct
    return max(0.0, min(100.0, r))


def mos_from_r(r: float) -> float:
    """G.107 mapping: MOS = 1 + 0.035R + 7e-6 R(R-60)(100-R), for R within 0..100."""
    r = max(0.0, min(100.0, r))
    return 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)


def mos(rtt_ms: float, jitter_ms: float, loss_pct: float) -> float:
    """Estimated Mean Opinion Score (1.0 bad .. ~4.4 best) of a narrowband call."""
    return mos_from_r(r_factor(rtt_ms, jitter_ms, loss_pct))


def mos_grade(score: float) -> str:
    """Grade a MOS into one of :data:`MOS_GRADES` (Twilio's bands, gaps closed upward)."""
    if score > 4.2:
        return "excellent"
    if score > 4.0:
        return "great"
    if score > 3.6:
        return "good"
    if score > 3.0:
        return "fair"
    return "degraded"
