"""``max``: an upper bound on a number; the boundary passes; only finite numbers."""

from __future__ import annotations

import pytest

from deskready.spec.kinds import KindError, conflicts, describe_conditions
from deskready.spec.kinds.maximum import Maximum
from deskready.spec.kinds.minimum import Minimum
from tests.spec.kinds.conftest import CORES, SPEED


def test_passes_at_and_below_the_threshold_and_fails_above():
    rule = Maximum.parse(150, SPEED)
    assert rule.meets(150)
    assert rule.meets(20.5)
    assert not rule.meets(150.01)


def test_nan_is_refused():
    with pytest.raises(KindError, match="finite"):
        Maximum.parse(float("nan"), CORES)


def test_with_min_it_reads_as_a_range_and_a_contradiction_is_found():
    low, high = Minimum.parse(1, SPEED), Maximum.parse(2, SPEED)
    assert describe_conditions([low, high], "GB") == "between 1 and 2 GB"
    assert conflicts([low, high]) == []
    assert conflicts([Minimum.parse(8, SPEED), Maximum.parse(4, SPEED)]) == [
        "min (8.0) is larger than max (4.0)"
    ]
