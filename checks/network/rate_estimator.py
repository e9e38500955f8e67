"""One rate method for both directions, both backends and the hub: pure functions, no I/O.

Every measurer records, per stream, a **cumulative arrival counter**: samples ``(monotonic
time, bytes that had arrived by then, stream id)``. What "arrived" means is the
measurer's job, and it is always the far end of the link:

* download, agent side: bytes read from the socket **plus** the bytes the kernel holds
  readable (``FIONREAD``) at that moment, so a read that drains a backlog does not look
  like a burst;
* upload, agent side: bytes the server's TCP acknowledged (``tcpi_bytes_acked``), or,
  where the OS does not say, the bytes of requests the server has answered (confirmed);
  never bytes written into a socket buffer, which have not arrived anywhere;
* hub download: ``tcpi_bytes_acked``; hub upload: bytes received plus ``FIONREAD``.

The rate is then taken over **one window common to all streams**, ``[t_a, t_b]``, opened
when the aggregate rate has stopped climbing (:func:`steady_start`). Each stream counts
``C(last sample ≤ t_b) − C(first sample ≥ t_a)``: both samples lie inside the window, so
the bytes counted arrived inside it, and the sum over streams divided by ``t_b − t_a`` can
never exceed what the link carried in that window — provided the opening sample held
nothing back: TCP hands data on only in order, so after a loss the segments behind the
hole wait in the receiver's out-of-order queue (or in the sender's SACK scoreboard) and
reach the counter all at once when the retransmission fills it. A stream's part therefore
opens at its first *clean* sample in the window. (The old method let each stream start
at its own last sample *before* the window, so bytes that crossed the link earlier were
counted inside it, and summed per-stream rates over windows seconds apart; both read
above the link, issue 18.) What it may lose is at most one sampling gap per stream at
each edge; samples come every read or every 25 ms, against windows of seconds.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: A counter sample: (monotonic time, cumulative bytes arrived, stream id, clean). A sample
#: is *clean* when no data that had crossed the link was being held back from the counter
#: at that moment (a receiver's out-of-order queue empty; a sender's SACK scoreboard
#: empty); only a clean sample may open a stream's part of the window. Counters with no
#: such notion mark every sample clean.
Sample = tuple[float, int, int, bool]

#: Slowest rate that still counts as progress, in bit/s. A dial-up modem moves 56 kbit/s
#: and a GPRS phone link about 40; below 16 kbit/s no working access line is left, TCP is
#: only retransmitting, and the rate says something about the server or the path, not
#: about the agent's home. (A server trickling 1 byte/s must never read as "0.0 Mbps".)
FLOOR_BPS = 16_000
#: How long a transfer may stay below the floor before that is the answer. It covers TCP
#: connection setup plus its initial retransmission timeout doubled once (1 s + 2 s):
#: the longest pause a healthy but lossy link makes at the start of a transfer.
GRACE_S = 4.0
#: Bin width of the aggregate rate the window opening is judged on.
STEP_S = 0.1
#: The window opens once the rate over the last ``smooth_s`` seconds has reached this
#: share of the phase's steady level: slow start is over. (A phase whose rate climbs to the end never reaches it: see MIN_WINDOW_SHARE.)
STEADY_SHARE = 0.9
#: The window never opens before this (a token bucket's first burst, connection setup).
MIN_WARMUP_S = 0.5
#: ... and always leaves at least this share of the phase to measure over.
MIN_WINDOW_SHARE = 0.35


@dataclass(frozen=True)
class Rate:
    """A rate and the window it was taken over (monotonic times), for the report and tests.

    Attributes:
        mbps: HTTP payload in Mbit/s (10^6 bit/s) over the window.
        opened: ``t_a``; closed: ``t_b``.
        bytes: bytes counted inside the window, all streams.
    """

    mbps: float
    opened: float
    closed: float
    bytes: int


def by_stream(samples: Iterable[Sample], until: float | None = None) -> dict[int, list[Sample]]:
    """Samples grouped per stream, in time order (those after ``until`` dropped)."""
    out: dict[int, list[Sample]] = {}
    for sample in sorted(samples):
        if until is None or sample[0] <= until:
            out.setdefault(sample[2], []).append(sample)
    return out


def value_at(samples: Sequence[Sample], moment: float) -> int:
    """A stream's counter at its last sample at or before ``moment`` (0 before the first)."""
    lo, hi = 0, len(samples)
    while lo < hi:  # first index with time > moment
        mid = (lo + hi) // 2
        if samples[mid][0] <= moment:
            lo = mid + 1
        else:
            hi = mid
    return samples[lo - 1][1] if lo else 0


def window_bytes(streams: dict[int, list[Sample]], t_a: float, t_b: float) -> int:
    """Bytes that arrived inside ``[t_a, t_b]``: per stream, its counter at the last sample
    ≤ ``t_b`` less its counter at the first sample ≥ ``t_a`` (0 without both)."""
    total = 0
    for samples in streams.values():
        first = first_clean(samples, t_a)
        if first is None or first[0] > t_b:
            continue
        total += max(0, value_at(samples, t_b) - first[1])
    return total


def first_clean(samples: Sequence[Sample], moment: float) -> Sample | None:
    """A stream's first clean sample at or after ``moment`` (None when there is none)."""
    return next((s for s in samples if s[0] >= moment and s[3]), None)


def aggregate(streams: dict[int, list[Sample]], start: float, end: float, step: float) -> list[int]:
    """All streams' counters summed at ``start + k·step`` (k = 0 … up to ``end``)."""
    count = max(1, int((end - start) / step + 1e-9)) + 1
    return [
        sum(value_at(samples, start + k * step) for samples in streams.values())
        for k in range(count)
    ]


def steady_start(
    streams: dict[int, list[Sample]], started: float, ended: float, smooth_s: float = 0.5
) -> float:
    """When the aggregate rate stopped climbing: the window's opening ``t_a``.

    The aggregate counter is read every :data:`STEP_S`; the rate over the trailing
    ``smooth_s`` (at least 0.5 s; the transport passes two round trips when the path is
    slower) is compared with the steady level (the median such rate of the phase's second
    half), and the window opens at the first moment it reaches :data:`STEADY_SHARE` of it — never before
    :data:`MIN_WARMUP_S`, never so late that less than :data:`MIN_WINDOW_SHARE` of the
    phase is left. Arrivals cannot outrun the link, so a late opening costs precision
    only, never honesty.
    """
    latest = ended - MIN_WINDOW_SHARE * (ended - started)
    earliest = min(started + MIN_WARMUP_S, latest)
    totals = aggregate(streams, started, ended, STEP_S)
    lag = max(1, round(max(0.5, smooth_s) / STEP_S))
    rates = [
        (started + k * STEP_S, (totals[k] - totals[k - lag]) / (lag * STEP_S))
        for k in range(lag, len(totals))
    ]
    if not rates:
        return earliest
    # The steady level: the median trailing rate of the phase's second half. (Not the
    # peak: when a retransmission fills a hole, the data held behind it reaches the
    # counter at once, and one such burst must not push the opening to the end.)
    half = [r for t, r in rates if t >= (started + ended) / 2] or [r for _t, r in rates]
    level = statistics.median(half)
    for t, r in rates:
        if t >= earliest and r >= STEADY_SHARE * level:
            return min(t, latest)
    return latest


def steady_rate(
    samples: Iterable[Sample], started: float, ended: float, smooth_s: float = 0.5
) -> Rate:
    """The phase's rate over one common window (see the module docstring).

    ``started``/``ended`` bound the phase; samples after ``ended`` (buffers drained while
    the streams stop) are ignored. A phase with no samples reads 0 over its whole length.
    """
    streams = by_stream(samples, until=ended)
    t_a = steady_start(streams, started, ended, smooth_s)
    moved = window_bytes(streams, t_a, ended)
    # The window shrinks to the samples that bound what was counted: the earliest first
    # sample ≥ t_a and the latest last sample ≤ the end. Every counted byte arrived
    # between them, so the rate still cannot exceed the link; it only loses less.
    firsts = [f[0] for f in (first_clean(s, t_a) for s in streams.values()) if f is not None]
    lasts = [s[-1][0] for s in streams.values() if s[-1][0] >= t_a]
    opened = min(firsts, default=t_a)
    closed = max(lasts, default=ended)
    if closed - opened <= 0:
        return Rate(0.0, t_a, ended, 0)
    return Rate(moved * 8 / (closed - opened) / 1e6, opened, closed, moved)


def below_floor(
    progress: Sequence[tuple[float, int]],
    started: float,
    now: float,
    floor_bps: float = FLOOR_BPS,
    grace_s: float = GRACE_S,
) -> bool:
    """True when fewer than ``floor_bps`` moved over the last ``grace_s`` seconds.

    ``progress`` is ``(time, bytes)`` increments in time order. Never True before
    ``grace_s`` has passed since ``started``. Reads backwards and stops as soon as the
    floor is met, so it is cheap enough to call every tick on a log of a gigabit transfer.
    """
    if now - started < grace_s:
        return False
    need = floor_bps / 8 * grace_s
    since = now - grace_s
    moved = 0
    for t, n in reversed(progress):
        if t <= since:
            break
        moved += n
        if moved >= need:
            return False
    return True


def recent_mbps(streams: dict[int, list[Sample]], now: float, window: float) -> float:
    """Mbit/s over the last ``window`` seconds (for live progress, not for the result)."""
    moved = sum(value_at(s, now) - value_at(s, now - window) for s in streams.values())
    return moved * 8 / window / 1e6


def series(
    streams: dict[int, list[Sample]], started: float, step: float, ended: float
) -> list[list[float]]:
    """``[[bin end s, Mbit/s], …]`` in bins of ``step`` seconds (for the report's chart)."""
    totals = aggregate(streams, started, ended, step)
    return [
        [round(k * step, 3), round((totals[k] - totals[k - 1]) * 8 / step / 1e6, 3)]
        for k in range(1, len(totals))
    ]
