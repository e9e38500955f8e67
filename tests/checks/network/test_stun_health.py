"""Telling a STUN server's limits apart from the agent's packet loss (pure decisions)."""

from __future__ import annotations

import math

import pytest

from deskready.checks.network import stun_health as sh


def test_binomial_tail() -> None:
    assert sh.binomial_at_least(10, 0, 0.3) == 1.0
    assert sh.binomial_at_least(10, 11, 0.3) == 0.0
    assert sh.binomial_at_least(10, 10, 0.5) == pytest.approx(0.5**10)
    total = sum(math.comb(10, i) * 0.2**i * 0.8 ** (10 - i) for i in range(3, 11))
    assert sh.binomial_at_least(10, 3, 0.2) == pytest.approx(total)


def test_second_look_only_after_heavy_loss() -> None:
    assert not sh.needs_second_look(500, 450)  # 10 %: measured as it is
    assert sh.needs_second_look(500, 100)  # 80 %
    assert sh.needs_second_look(50, 0)
    assert not sh.needs_second_look(0, 0)


def test_a_server_answering_10_of_50_a_second_but_all_slow_ones_is_rate_limited() -> None:
    assert sh.diagnose(50, 10, 10, 10) == sh.RATE_LIMITED
    assert sh.diagnose(500, 100, 10, 9) == sh.RATE_LIMITED


def test_a_server_that_answers_nothing_any_more_stopped() -> None:
    assert sh.diagnose(50, 19, 10, 0) == sh.STOPPED
    assert sh.diagnose(50, 0, 10, 0) == sh.STOPPED


@pytest.mark.parametrize(("answered", "slow"), [(250, 5), (250, 7), (300, 8), (100, 3)])
def test_loss_the_same_at_a_slow_rate_is_the_path(answered: int, slow: int) -> None:
    assert sh.diagnose(500, answered, 10, slow) is None


def test_a_squeezed_second_look_decides_nothing() -> None:
    assert sh.diagnose(50, 10, 3, 3) is None
    assert sh.diagnose(50, 10, 4, 0) is None
