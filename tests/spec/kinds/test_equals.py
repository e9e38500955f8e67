"""``equals``: exactly one value, of the metric's own type (``True`` is not 1)."""

from __future__ import annotations

import pytest

from deskready.spec.kinds import KindError
from deskready.spec.kinds.equals import Equals
from tests.spec.kinds.conftest import KIND, SPEED, WIRED


def test_passes_on_the_value_only():
    rule = Equals.parse(True, WIRED)
    assert rule.meets(True)
    assert not rule.meets(False)
    assert not rule.meets(1)


def test_a_number_threshold_on_a_number_metric_compares_as_a_number():
    rule = Equals.parse(10, SPEED)
    assert rule.meets(10.0)
    assert not rule.meets(True)


def test_a_value_the_metric_cannot_hold_is_a_rule_problem_with_a_suggestion():
    with pytest.raises(KindError) as info:
        Equals.parse("cordles", KIND)
    assert info.value.whole_rule
    assert "did you mean 'cordless'" in str(info.value)


def test_tables_and_nan_are_not_values():
    with pytest.raises(KindError):
        Equals.parse({"a": 1}, KIND)
    with pytest.raises(KindError):
        Equals.parse(float("nan"), SPEED)


def test_describes_the_value_in_words():
    assert Equals.parse("corded", KIND).describe("", KIND.labels) == "corded phone"
