"""Rates from transfer event logs: pure functions, no sockets, no clock.

The transport (``http_transport.py``) records what happened as events ``(monotonic time,
bytes, stream id)``; everything here turns such a log into numbers, so it can be tested on
synthetic logs with known answers. (Issue 18 will rework the estimator for accuracy; it is
kept apart for that reason too.)
"""

from __future__ import annotations

from collections.abc import Sequence

#: An event: (monotonic time, bytes, stream id).
Event = tuple[float, int, int]

#: Slowest rate that still counts as progress, in bit/s. A dial-up modem moves 56 kbit/s
#: and a GPRS phone link about 40; below 16 kbit/s no working access line is left, TCP is
#: only retransmitting, and the rate says something about the server or the path, not
#: about the agent's home. (A server trickling 1 byte/s must never read as "0.0 Mbps".)
FLOOR_BPS = 16_000
#: How long a transfer may stay below the floor before that is the answer. It covers TCP
#: connection setup plus its initial retransmission timeout doubled once (1 s + 2 s):
#: the longest pause a healthy but lossy link makes at the start of a transfer.
GRACE_S = 4.0


def below_floor(
    progress: Sequence[tuple[float, int]],
    started: float,
    now: float,
    floor_bps: float = FLOOR_BPS,
    grace_s: float = GRACE_S,
) -> bool:
    """True when fewer than ``floor_bps`` moved over the last ``grace_s`` seconds.

    ``progress`` is ``(time, bytes)`` in time order. Never True before ``grace_s`` has
    passed since ``started``. Reads backwards and stops as soon as the floor is met, so it
    is cheap enough to call every tick on a log of a gigabit transfer.
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


def recent_mbps(items: Sequence[Event], now: float, window: float) -> float:
    """Mbit/s over the last ``window`` seconds (for live progress, not for the result)."""
    total = 0
    for t, n, _s in reversed(items):
        if t < now - window:
            break
        total += n
    return total * 8 / window / 1e6


def steady_rate(
    items: Sequence[Event],
    started: float,
    ended: float,
    warmup: float,
    confirmed: bool,
) -> float:
    """Mbit/s after the warm-up.

    Upload (``confirmed``): for each stream, the bytes the server confirmed between the
    stream's first confirmation after the warm-up and its last one, over the time between
    them, summed over streams — between two confirmations of one stream exactly the bytes
    of the requests confirmed in between went over the link.

    Download: one window every stream was active in. The window runs from
    ``t_a`` — the moment the last stream to do so had its first event after the warm-up —
    to ``t_b`` — the last event of the stream that went quiet first before the end. Each
    stream contributes the bytes of its events after its last event at or before ``t_a``
    up to its last event at or before ``t_b``: both ends are moments when the stream had
    received everything sent so far. So bytes still in socket buffers, or held behind a
    lost packet awaiting retransmission when the phase ends (a 5 Mbit/s link can lose
    20 % of a short test that way), are neither counted nor charged for. Reads after
    ``ended`` (buffers drained while streams stop) are ignored.
    """
    t0 = started + warmup
    per_stream: dict[int, list[tuple[float, int]]] = {}
    for t, n, sid in sorted(items):
        if t <= ended:
            per_stream.setdefault(sid, []).append((t, n))
    if confirmed:
        rate = per_stream_rate(per_stream, t0)
        if rate is not None:
            return rate
    firsts = [next((t for t, _n in ev if t > t0), None) for ev in per_stream.values()]
    lasts = [ev[-1][0] for ev in per_stream.values()]
    if not confirmed and firsts and all(f is not None for f in firsts):
        t_a = max(f for f in firsts if f is not None)
        t_b = min(lasts)
        if t_b - t_a >= 0.5:
            moved = 0
            for ev in per_stream.values():
                start = last_at(ev, t_a)
                moved += sum(n for t, n in ev if start < t <= t_b)
            return moved * 8 / (t_b - t_a) / 1e6
    # Too few events after the warm-up (a very slow link, a stream that never got going):
    # everything over the whole phase.
    inside = sorted((t, n) for t, n, _s in items if t <= ended)
    if not inside:
        return 0.0
    t_last = inside[-1][0] if confirmed else ended
    return sum(n for _t, n in inside) * 8 / max(1e-3, t_last - started) / 1e6


def per_stream_rate(per_stream: dict[int, list[tuple[float, int]]], t0: float) -> float | None:
    """Sum over streams of bytes confirmed between a stream's first confirmation after
    ``t0`` and its last one, over the time between them (None if no stream has two)."""
    total = 0.0
    used = False
    for events in per_stream.values():
        after = [(t, n) for t, n in events if t > t0]
        if len(after) < 2 or after[-1][0] - after[0][0] < 0.2:
            continue
        total += sum(n for _t, n in after[1:]) * 8 / (after[-1][0] - after[0][0]) / 1e6
        used = True
    return total if used else None


def last_at(events: Sequence[tuple[float, int]], moment: float) -> float:
    """Time of the last event at or before ``moment`` (or -inf when there is none)."""
    found = float("-inf")
    for t, _n in events:
        if t > moment:
            break
        found = t
    return found


def series(items: Sequence[Event], started: float, step: float, ended: float) -> list[list[float]]:
    """``[[bin end s, Mbit/s], …]`` in bins of ``step`` seconds (for the report's chart)."""
    bins = max(1, int((ended - started) / step))
    totals = [0] * bins
    for t, n, _s in items:
        k = int((t - started) / step)
        if 0 <= k < bins:
            totals[k] += n
    return [
        [round((k + 1) * step, 3), round(total * 8 / step / 1e6, 3)]
        for k, total in enumerate(totals)
    ]
