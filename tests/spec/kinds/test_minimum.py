"""``min``: a lower bound on a number; the boundary passes; only finite numbers."""

from __future__ import annotations

import pytest

from deskready.spec.kinds import KindError
from deskready.spec.kinds.minimum import Minimum
from tests.spec.kinds.conftest import SPEED, WIRED


def test_passes_at_and_above_the_threshold_and_fails_below():
    rule = Minimum.parse(10, SPEED)
    assert rule.meets(10.0)
    assert rule.meets(48.2)
    assert not rule.meets(9.99)


def test_a_boolean_or_text_value_never_meets_it():
    rule = Minimum.parse(1, SPEED)
    assert not rule.meets(True)
    assert not rule.meets("7")


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), float("-inf"), True, "10", 10**31])
def test_only_finite_reasonable_numbers_are_thresholds(raw):
    with pytest.raises(KindError) as info:
        Minimum.parse(raw, SPEED)
    assert not info.value.whole_rule  # the problem is the key's value


def test_min_on_a_yes_no_metric_is_a_problem_of_the_rule():
    with pytest.raises(KindError) as info:
        Minimum.parse(1, WIRED)
    assert info.value.whole_rule
    assert "not a number" in str(info.value)


def test_describes_itself_and_serialises():
    rule = Minimum.parse(10, SPEED)
    assert rule.describe("Mbps", {}) == "at least 10 Mbps"
    assert rule.to_json() == 10.0
