"""The steady-rate estimator (rate_estimator.py) on synthetic event logs with known answers."""

from __future__ import annotations

import pytest

from deskready.checks.network.rate_estimator import (
    FLOOR_BPS,
    GRACE_S,
    below_floor,
    recent_mbps,
)
from deskready.checks.network.rate_estimator import series as _series
from deskready.checks.network.rate_estimator import steady_rate as _steady_rate


def steady(streams: int, bytes_per_s: float, until: float, step: float = 0.01):
    """(time, bytes, stream) events of ``streams`` streams reading at a constant rate."""
    items = []
    k = 1
    while k * step <= until + 1e-9:
        for sid in range(streams):
            items.append((k * step + sid * 1e-4, int(bytes_per_s * step), sid))
        k += 1
    return items


def test_constant_rate_is_read_exactly() -> None:
    items = steady(4, 125_000, 6.0)  # 4 x 1 Mbit/s
    assert _steady_rate(items, 0.0, 6.0, 1.0, confirmed=False) == pytest.approx(4.0, rel=0.01)


def test_buffer_drain_after_the_end_is_ignored() -> None:
    items = steady(4, 125_000, 6.0)
    items += [(6.05, 500_000, sid) for sid in range(4)]  # socket buffers read while stopping
    assert _steady_rate(items, 0.0, 6.0, 1.0, confirmed=False) == pytest.approx(4.0, rel=0.01)


def test_a_stream_stuck_behind_a_lost_packet_at_the_end_costs_nothing() -> None:
    items = [i for i in steady(4, 125_000, 6.0) if not (i[2] == 0 and i[0] > 5.3)]
    # stream 0 waits for a retransmission from 5.3 s on; the others keep their rate
    assert _steady_rate(items, 0.0, 6.0, 1.0, confirmed=False) == pytest.approx(4.0, rel=0.01)


def test_slow_start_is_left_out() -> None:
    items = [i for i in steady(4, 125_000, 6.0) if i[0] > 0.5]
    items += [(0.4, 1_000_000, sid) for sid in range(4)]  # a token-bucket burst at the start
    assert _steady_rate(items, 0.0, 6.0, 1.0, confirmed=False) == pytest.approx(4.0, rel=0.01)


def test_upload_counts_between_confirmations_of_each_stream() -> None:
    # each stream: a 50 kB request confirmed every 0.4 s (1 Mbit/s), phases offset
    items = [(0.1 * sid + 0.4 * k, 50_000, sid) for sid in range(4) for k in range(1, 15)]
    assert _steady_rate(items, 0.0, 6.0, 1.0, confirmed=True) == pytest.approx(4.0, rel=0.01)


def test_too_few_events_fall_back_to_the_whole_phase() -> None:
    items = [(0.5, 125_000, 0), (1.0, 125_000, 0)]
    assert _steady_rate(items, 0.0, 2.0, 1.5, confirmed=False) == pytest.approx(1.0)
    assert _steady_rate([], 0.0, 2.0, 1.0, confirmed=True) == 0.0


def test_series_bins() -> None:
    items = steady(1, 125_000, 1.0)
    series = _series(items, 0.0, 0.25, 1.0)
    assert [p[0] for p in series] == [0.25, 0.5, 0.75, 1.0]
    assert all(p[1] == pytest.approx(1.0, rel=0.05) for p in series)


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
    items = steady(2, 125_000, 4.0)  # 2 Mbit/s in total
    assert recent_mbps(items, 4.0, 1.0) == pytest.approx(2.0, rel=0.02)
    assert recent_mbps(items, 10.0, 1.0) == 0.0
