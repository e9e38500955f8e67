"""Splitting a stream's loss and jitter by direction with the hub's answered list."""

from __future__ import annotations

import pytest

from deskready.checks.network.directions import split
from deskready.checks.network.stun_stream import Probe

INTERVAL = 0.020


def stream(n: int, lost_up: set[int], lost_down: set[int], *, hub_offset: float = 5000.0,
           up_delay: float = 0.010, down_delay: float = 0.010,
           down_jitter: dict[int, float] | None = None):  # fmt: skip
    """Probes sent every 20 ms (client clock) and the hub's list (its clock, far off)."""
    probes, sequences, arrivals = [], [], []
    for seq in range(n):
        sent = 100.0 + seq * INTERVAL
        at_hub = sent + up_delay
        probe = Probe(seq, sent)
        if seq not in lost_up:
            sequences.append(seq)
            arrivals.append((at_hub + hub_offset) * 1000.0)
            if seq not in lost_down:
                probe.received = at_hub + down_delay + (down_jitter or {}).get(seq, 0.0)
        probes.append(probe)
    return probes, sequences, arrivals


def test_upstream_losses_are_not_counted_downstream() -> None:
    probes, seqs, arrivals = stream(100, lost_up={3, 50, 99}, lost_down={10, 20})
    found = split(probes, seqs, arrivals)
    assert found.sent == 100
    assert found.answered == 97
    assert found.received == 95
    assert found.upstream_loss_pct == 3.0  # the last one too: the client knows it sent it
    assert found.downstream_loss_pct == pytest.approx(100 * 2 / 97, abs=0.01)
    assert found.upstream_jitter_ms == 0.0  # clocks far apart: only differences count
    assert found.downstream_jitter_ms == 0.0


def test_jitter_is_found_in_the_direction_it_happens() -> None:
    wobble = {seq: 0.004 * (seq % 2) for seq in range(200)}  # 0 / 4 ms on the way back
    probes, seqs, arrivals = stream(200, set(), set(), down_jitter=wobble)
    found = split(probes, seqs, arrivals)
    assert found.upstream_jitter_ms == 0.0
    # |D| = 4 ms on every packet: J tends to 4 ms (RFC 3550 J += (|D| - J) / 16)
    assert found.downstream_jitter_ms == pytest.approx(4.0, abs=0.3)


def test_the_hubs_own_delay_in_answering_is_not_downstream_jitter() -> None:
    probes, seqs, arrivals = stream(200, set(), set())
    slow = {seq: 0.003 * (seq % 2) for seq in range(200)}  # the hub answers 0 / 3 ms late
    for probe in probes:
        probe.received = (probe.received or 0.0) + slow[probe.seq]
    answered = [a + 1000.0 * slow[s] for s, a in zip(seqs, arrivals, strict=True)]
    assert split(probes, seqs, arrivals, answered).downstream_jitter_ms == 0.0
    assert split(probes, seqs, arrivals).downstream_jitter_ms == pytest.approx(3.0, abs=0.3)


def test_sequences_the_client_never_sent_and_repeats_are_ignored() -> None:
    probes, seqs, arrivals = stream(10, set(), set())
    found = split(probes, [*seqs, 3, 4000], [*arrivals, 1.0, 2.0])
    assert found.answered == 10
    assert found.upstream_loss_pct == 0.0


def test_nothing_reached_the_hub() -> None:
    probes, _seqs, _arrivals = stream(10, set(range(10)), set())
    found = split(probes, [], [])
    assert found.upstream_loss_pct == 100.0
    assert found.downstream_loss_pct is None  # nothing was answered, nothing could be lost
    assert found.upstream_jitter_ms is None
    with pytest.raises(ValueError, match="differ in length"):
        split(probes, [1], [])
