"""The rate method (rate_estimator.py) on synthetic counter samples with known answers."""

from __future__ import annotations

import random

import pytest

from deskready.checks.network.rate_estimator import (
    FLOOR_BPS,
    GRACE_S,
    Sample,
    below_floor,
    by_stream,
    recent_mbps,
    series,
    steady_rate,
    window_bytes,
)


def steady(streams: int, bytes_per_s: float, until: float, step: float = 0.01) -> list[Sample]:
    """Counter samples of ``streams`` streams receiving at a constant rate each."""
    samples = []
    k = 0
    while k * step <= until + 1e-9:
        for sid in range(streams):
            t = k * step + sid * 1e-4
            samples.append((t, int(bytes_per_s * t), sid, True))
        k += 1
    return samples


def link(
    rng: random.Random, capacity: float, streams: int, until: float, packet: int = 1448
) -> list[tuple[float, int]]:
    """Arrival times of the packets a link of ``capacity`` bytes/s delivers back to back,
    each to a random stream, with random idle gaps (loss recovery): never above capacity."""
    arrivals = []
    t = 0.0
    while t < until:
        t += packet / capacity
        if rng.random() < 0.002:
            t += rng.uniform(0.0, 0.3)  # the link idles (every stream waiting on a loss)
        arrivals.append((t, rng.randrange(streams)))
    return arrivals


def sampled(
    rng: random.Random, arrivals: list[tuple[float, int]], streams: int, packet: int = 1448
) -> list[Sample]:
    """Each stream's counter sampled at its own random instants, as a reader would."""
    samples: list[Sample] = []
    for sid in range(streams):
        mine = [t for t, s in arrivals if s == sid]
        t = 0.0
        count = 0
        while t < arrivals[-1][0]:
            t += rng.expovariate(1 / 0.02) + (rng.random() < 0.01) * rng.uniform(0, 0.3)
            while count < len(mine) and mine[count] <= t:
                count += 1
            samples.append((t, count * packet, sid, True))
    return samples


def test_constant_rate_is_read_exactly() -> None:
    rate = steady_rate(steady(4, 125_000, 6.0), 0.0, 6.0)  # 4 x 1 Mbit/s
    assert rate.mbps == pytest.approx(4.0, rel=0.01)
    assert 0.5 <= rate.opened <= 1.0
    assert rate.closed == pytest.approx(6.0, abs=0.02)


def test_never_above_what_the_link_carried_in_the_window() -> None:
    """Random links, random per-stream sampling (a reader late by up to 0.3 s now and then): the reading
    never exceeds the link's capacity, and is within 5 % of what it carried."""
    for seed in range(40):
        rng = random.Random(seed)
        capacity = 625_000.0  # 5 Mbit/s
        arrivals = link(rng, capacity, 4, 6.0)
        rate = steady_rate(sampled(rng, arrivals, 4), 0.0, 6.0)
        carried = sum(1 for t, _s in arrivals if rate.opened <= t <= rate.closed) * 1448
        assert rate.mbps <= capacity * 8 / 1e6 * 1.001, seed
        window = rate.closed - rate.opened
        assert rate.bytes <= carried, seed
        assert rate.mbps == pytest.approx(carried * 8 / window / 1e6, rel=0.05), seed


def test_a_backlog_read_after_the_window_opened_is_not_counted_inside_it() -> None:
    # stream 0 receives at 1 Mbit/s but its counter is sampled nowhere from 0.4 s to 2.5 s
    # (a reader held back, where only reads count), then at once: the old per-stream
    # anchors counted that backlog inside the window; now it costs precision only
    samples = [s for s in steady(4, 125_000, 6.0) if not (s[2] == 0 and 0.4 < s[0] < 2.5)]
    rate = steady_rate(samples, 0.0, 6.0)
    assert 3.5 <= rate.mbps <= 4.0 * 1.001


def test_a_window_never_opens_on_a_sample_holding_data_back() -> None:
    # stream 3 lost a packet at 0.45 s: what crossed the link after it waits behind the
    # hole and reaches the counter at 0.75 s, when the retransmission fills it. The window
    # opens at 0.5 s; counting from the dirty 0.5 s sample would add what crossed by then.
    samples = steady(3, 125_000, 6.0)
    for k in range(601):
        t = k * 0.01
        arrived = 125_000 * t if not 0.45 <= t < 0.75 else 125_000 * 0.45
        samples.append((t, int(arrived), 3, not 0.45 <= t < 0.75))
    rate = steady_rate(samples, 0.0, 6.0)
    assert rate.opened < 0.75  # the window did open while stream 3 held data back
    assert rate.mbps <= 4.0 * 1.001


def test_buffer_drain_after_the_end_is_ignored() -> None:
    samples = steady(4, 125_000, 6.0)
    samples += [(6.05, 1_500_000, sid, True) for sid in range(4)]  # buffers read while stopping
    assert steady_rate(samples, 0.0, 6.0).mbps == pytest.approx(4.0, rel=0.01)


def test_a_stream_stuck_behind_a_lost_packet_at_the_end_costs_nothing_extra() -> None:
    samples = [s for s in steady(4, 125_000, 6.0) if not (s[2] == 0 and s[0] > 5.3)]
    # stream 0 waits for a retransmission from 5.3 s on: its later bytes did not arrive
    rate = steady_rate(samples, 0.0, 6.0)
    assert rate.mbps <= 4.0
    assert rate.mbps == pytest.approx(4.0 - 0.7 / (6.0 - rate.opened), rel=0.02)


def test_slow_start_is_left_out() -> None:
    # the rate ramps up linearly over 2 s, then holds 4 Mbit/s
    samples = []
    for k in range(601):
        t = k * 0.01
        arrived = 125_000 * (t * t / 4 if t < 2 else t - 1)  # per stream, bytes
        samples += [(t, int(arrived), sid, True) for sid in range(4)]
    rate = steady_rate(samples, 0.0, 6.0)
    assert rate.opened >= 1.8
    assert rate.mbps == pytest.approx(4.0, rel=0.02)


def test_upload_confirmations_count_whole_requests_inside_the_window() -> None:
    # each stream: a 50 kB request confirmed every 0.4 s (1 Mbit/s), phases offset
    # (the fallback where the OS does not report acknowledged bytes): a request that
    # straddles an edge of the window is not counted, so it reads low, never high
    samples = [(0.1 * sid + 0.4 * k, 50_000 * k, sid, True) for sid in range(4) for k in range(16)]
    rate = steady_rate(samples, 0.0, 6.0)
    assert 4.0 * 0.85 <= rate.mbps <= 4.0 * 1.001


def test_no_samples_read_zero() -> None:
    assert steady_rate([], 0.0, 2.0).mbps == 0.0


def test_window_bytes_uses_only_samples_inside_the_window() -> None:
    streams = by_stream(
        [(0.0, 0, 0, True), (1.0, 100, 0, True), (2.0, 300, 0, True), (3.0, 600, 0, True)]
    )
    assert window_bytes(streams, 0.5, 2.5) == 200  # 1.0 → 2.0
    assert window_bytes(streams, 1.0, 3.0) == 500
    assert window_bytes(streams, 3.5, 4.0) == 0


def test_series_bins() -> None:
    chart = series(by_stream(steady(1, 125_000, 1.0)), 0.0, 0.25, 1.0)
    assert [p[0] for p in chart] == [0.25, 0.5, 0.75, 1.0]
    assert all(p[1] == pytest.approx(1.0, rel=0.05) for p in chart)


def test_below_floor_only_after_the_grace_period() -> None:
    trickle = [(float(t), 1) for t in range(1, 10)]  # 1 byte a second
    assert not below_floor(trickle, 0.0, 3.9, floor_bps=16_000, grace_s=4.0)
    assert below_floor(trickle, 0.0, 4.1, floor_bps=16_000, grace_s=4.0)


def test_below_floor_looks_at_the_last_grace_period_only() -> None:
    burst_then_trickle = [(0.5, 1_000_000)] + [(float(t), 1) for t in range(1, 10)]
    assert not below_floor(burst_then_trickle, 0.0, 4.4, floor_bps=16_000, grace_s=4.0)
    assert below_floor(burst_then_trickle, 0.0, 4.6, floor_bps=16_000, grace_s=4.0)


def test_a_link_just_above_the_floor_is_progress() -> None:
    # 2,100 bytes a second is 16.8 kbit/s: slow, but a measurement, not an error
    items = [(t / 10, 210) for t in range(1, 91)]
    assert not below_floor(items, 0.0, 9.0, floor_bps=16_000, grace_s=4.0)
    assert below_floor(items, 0.0, 9.0, floor_bps=17_600, grace_s=4.0)


def test_floor_constants_say_what_they_guard() -> None:
    # a 1 byte/s trickle must be caught within the grace period; 56k dial-up must not be
    assert FLOOR_BPS / 8 > 1
    assert FLOOR_BPS < 56_000
    assert GRACE_S >= 3.0


def test_recent_mbps_counts_the_last_window() -> None:
    streams = by_stream(steady(2, 125_000, 4.0))  # 2 Mbit/s in total
    assert recent_mbps(streams, 4.0, 1.0) == pytest.approx(2.0, rel=0.02)
    assert recent_mbps(streams, 10.0, 1.0) == 0.0
