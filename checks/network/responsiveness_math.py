"""Responsiveness arithmetic: trimmed means, RPM, stability and the bufferbloat grade.

Pure functions, no I/O, so every rule of the method can be tested on numbers alone.
The method is IETF IPPM *Responsiveness under Working Conditions*,
draft-ietf-ippm-responsiveness-08 (20 October 2025, the latest published revision;
the editor's copy towards -09 differs only in the interval duration, 5 s instead of 1 s).
Section numbers below are that revision's:

* §5.3.1 *Aggregating the Measurements*: a single-sided trimmed mean at the TMP percentile
  (95 %: the slowest 5 % of samples are dropped) of each probe kind, then::

      Foreign_Responsiveness = 60000 / ((TM(tcp_f) + TM(tls_f) + TM(http_f)) / 3)
      Loaded_Responsiveness  = 60000 / TM(http_l)
      Responsiveness         = (Foreign_Responsiveness + Loaded_Responsiveness) / 2

  and, without TLS, ``(TM(tcp_f) + TM(http_f)) / 2`` for the foreign part (a zero is never
  put in for ``tls_f``).
* §5.4 *Final Algorithm*: goodput and responsiveness are stable when the standard
  deviation of the last MAD moving averages is within SDT (5 %) of the newest one.
* §5.4.1 *Confidence of Test-Results*: "low" when fewer than MAD intervals ran, "medium"
  when they ran but the values did not settle, "high" when stable.

The bufferbloat grade is not in the draft: it is DSLReports' band table on the latency
added under load (A+ < 5 ms, A < 30, B < 60, C < 200, D < 400, F ≥ 400), also used by
LibreQoS and Waveform's test.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: draft-ietf-ippm-responsiveness-08 §5.2 *Test Parameters* (defaults), as used here.
MAD = 4  # moving-average distance, in intervals
TMP = 0.95  # trimmed-mean percentile: keep the fastest 95 %
SDT = 0.05  # standard deviation tolerance for stability

#: The grade for each band of added latency: (upper bound in ms, exclusive, grade).
GRADE_BANDS: tuple[tuple[float, str], ...] = (
    (5.0, "A+"),
    (30.0, "A"),
    (60.0, "B"),
    (200.0, "C"),
    (400.0, "D"),
)
GRADES: tuple[str, ...] = ("A+", "A", "B", "C", "D", "F")

#: The draft's four classes of responsiveness (§1.2 *Round-Trips per Minute*), lowest RPM first.
RPM_CLASSES: tuple[tuple[float, str], ...] = ((300.0, "poor"), (1000.0, "fair"), (6000.0, "good"))


def trimmed_mean(values: Sequence[float], keep: float = TMP) -> float | None:
    """Single-sided trimmed mean: the mean of the fastest ``keep`` share of ``values``.

    The draft trims only the slow side because a probe can be delayed by a lost packet
    or a retransmission timeout but never sped up. At least one value is always kept.
    Returns None for no values.
    """
    if not values:
        return None
    ordered = sorted(values)
    count = max(1, math.ceil(len(ordered) * keep))
    return statistics.fmean(ordered[:count])


@dataclass(frozen=True)
class ProbeMeans:
    """Trimmed means (ms) of each probe kind over a window; None where none completed."""

    tcp_f: float | None
    tls_f: float | None
    http_f: float | None
    http_l: float | None


def foreign_ms(means: ProbeMeans) -> float | None:
    """The foreign round trip: mean of the handshake and request times that exist."""
    parts = [v for v in (means.tcp_f, means.tls_f, means.http_f) if v is not None]
    if means.tcp_f is None or means.http_f is None:
        return None
    return statistics.fmean(parts)


def responsiveness(means: ProbeMeans) -> float | None:
    """RPM per §5.3.1; None when no foreign probe completed.

    Without any self probe (a link so slow that no load request ended in the window), the
    foreign responsiveness alone is the answer; the caller records that it was so.
    """
    foreign = foreign_ms(means)
    if foreign is None or foreign <= 0:
        return None
    foreign_rpm = 60000.0 / foreign
    if means.http_l is None or means.http_l <= 0:
        return foreign_rpm
    return (foreign_rpm + 60000.0 / means.http_l) / 2.0


def moving_averages(per_interval: Sequence[float], mad: int = MAD) -> list[float]:
    """For each interval from the MAD-th on, the mean of it and the MAD − 1 before it."""
    return [
        statistics.fmean(per_interval[i - mad + 1 : i + 1])
        for i in range(mad - 1, len(per_interval))
    ]


def stable(values: Sequence[float], mad: int = MAD, sdt: float = SDT) -> bool:
    """True when the last ``mad`` values' standard deviation is within ``sdt`` of the last.

    §5.4: "the standard deviation of the moving averages ... in the immediately
    preceding MAD intervals is within SDT of the moving average calculated in the
    most-recent ID". Population standard deviation; fewer than ``mad`` values: False.
    """
    if len(values) < mad:
        return False
    window = values[-mad:]
    current = window[-1]
    if current <= 0:
        return False
    return statistics.pstdev(window) <= sdt * current


def confidence(intervals: int, settled: bool, mad: int = MAD) -> str:
    """§5.4.1: ``low`` (fewer than MAD intervals), ``high`` (settled), else ``medium``."""
    if intervals < mad:
        return "low"
    return "high" if settled else "medium"


def grade(added_ms: float) -> str:
    """The bufferbloat grade of the latency added under load (negative counts as none)."""
    for bound, letter in GRADE_BANDS:
        if added_ms < bound:
            return letter
    return "F"


def rpm_class(rpm: float) -> str:
    """The draft's class of an RPM figure: poor, fair, good or excellent."""
    for bound, name in RPM_CLASSES:
        if rpm < bound:
            return name
    return "excellent"


def probe_rate(goodput_bps: float, max_per_s: float, share: float = 0.05) -> float:
    """Probe pairs per second that use at most ``share`` (PTC, 5 %) of the goodput.

    §5.3: a foreign probe costs about 5,000 bytes, a self probe about 1,000; at least one
    pair a second is kept so a very slow link is still measured.
    """
    affordable = share * goodput_bps / 8.0 / 6000.0
    return max(1.0, min(max_per_s, affordable))
