"""RFC 3550 jitter, percentiles, loss and the E-model MOS, against worked values."""

from __future__ import annotations

import random

import pytest

from deskready.checks.network import voice_math as vm


def test_jitter_is_zero_for_a_constant_delay() -> None:
    sends = [k * 0.02 for k in range(100)]
    assert vm.rfc3550_jitter(sends, [s + 0.05 for s in sends]) == pytest.approx(0.0, abs=1e-12)


def test_jitter_follows_the_rfc3550_recursion_step_by_step() -> None:
    # transit times 10, 14, 11 ms: |D| = 4 then 3; J = 4/16 = 0.25, then 0.25 + (3-0.25)/16
    sends = [0.0, 20.0, 40.0]
    recvs = [10.0, 34.0, 51.0]
    assert vm.rfc3550_jitter(sends, recvs) == pytest.approx(0.25 + 2.75 / 16)


def test_jitter_converges_to_the_mean_absolute_delay_difference() -> None:
    rng = random.Random(7)
    sends = [k * 0.02 for k in range(3000)]
    # alternating +-5 ms around 40 ms: every |D| is 10 ms, so J -> 10 ms
    recvs = [s + 0.040 + (0.005 if k % 2 else -0.005) for k, s in enumerate(sends)]
    assert vm.mean_rfc3550_jitter(sends, recvs) == pytest.approx(0.010, rel=0.02)
    # uniform +-a delays: E|D| = 2a/3
    recvs = [s + 0.040 + rng.uniform(-0.006, 0.006) for s in sends]
    assert vm.mean_rfc3550_jitter(sends, recvs) == pytest.approx(0.004, rel=0.08)


def test_jitter_needs_two_packets_and_equal_lengths() -> None:
    assert vm.rfc3550_jitter([0.0], [1.0]) is None
    assert vm.mean_rfc3550_jitter([], []) is None
    with pytest.raises(ValueError, match="length"):
        vm.rfc3550_jitter([0.0, 1.0], [1.0])


def test_percentiles_interpolate_and_handle_empty() -> None:
    assert vm.median([3.0, 1.0, 2.0]) == 2.0
    assert vm.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert vm.percentile(list(map(float, range(101))), 95) == 95.0
    assert vm.median([]) is None
    with pytest.raises(ValueError, match="pct"):
        vm.percentile([1.0], 101)


def test_loss_percent() -> None:
    assert vm.loss_percent(500, 475) == 5.0
    assert vm.loss_percent(10, 10) == 0.0
    assert vm.loss_percent(0, 0) is None
    assert vm.loss_percent(10, 12) == 0.0  # duplicates never make negative loss


@pytest.mark.parametrize(
    ("rtt", "jitter", "loss", "r"),
    [
        (0.0, 0.0, 0.0, 93.2 - 10 / 40),  # eff = 10
        (100.0, 10.0, 0.0, 93.2 - 130 / 40),  # eff = 130 < 160
        (200.0, 20.0, 0.0, 93.2 - (250 - 120) / 10),  # eff = 250, the steep branch
        (40.0, 5.0, 2.0, 93.2 - 60 / 40 - 5.0),  # 2.5 per lost percent
        (2000.0, 0.0, 50.0, 0.0),  # clamped
    ],
)
def test_r_factor_follows_the_simplified_e_model(
    rtt: float, jitter: float, loss: float, r: float
) -> None:
    assert vm.r_factor(rtt, jitter, loss) == pytest.approx(r)


def test_mos_mapping_known_points() -> None:
    assert vm.mos_from_r(0) == 1.0
    assert vm.mos_from_r(100) == pytest.approx(4.5)
    assert vm.mos_from_r(93.2) == pytest.approx(4.41, abs=0.01)
    assert vm.mos_from_r(50) == pytest.approx(2.575, abs=0.001)
    assert vm.mos(20, 2, 0) > vm.mos(200, 30, 0) > vm.mos(200, 30, 5)


@pytest.mark.parametrize(
    ("score", "grade"),
    [(4.4, "excellent"), (4.21, "excellent"), (4.2, "great"), (4.1, "great"),
     (4.0, "good"), (3.7, "good"), (3.6, "fair"), (3.1, "fair"), (3.0, "degraded"),
     (1.0, "degraded")],
)  # fmt: skip
def test_mos_grades_use_twilios_bands(score: float, grade: str) -> None:
    assert vm.mos_grade(score) == grade
    assert grade in vm.MOS_GRADES
