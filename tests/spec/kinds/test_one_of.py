"""``one_of``: a closed, non-empty list of allowed values."""

from __future__ import annotations

import pytest

from deskready.spec.kinds import KindError
from deskready.spec.kinds.one_of import MAX_OPTIONS, OneOf
from tests.spec.kinds.conftest import KIND


def test_passes_on_any_listed_value_and_fails_otherwise():
    rule = OneOf.parse(["corded", "usb_handset"], KIND)
    assert rule.meets("usb_handset")
    assert not rule.meets("cordless")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("corded", "must be a list"),
        ([], "must not be empty"),
        (["corded"] * (MAX_OPTIONS + 1), "at most"),
    ],
)
def test_only_a_short_list_is_a_threshold(raw, message):
    with pytest.raises(KindError, match=message):
        OneOf.parse(raw, KIND)


def test_every_listed_value_must_fit_the_metric():
    with pytest.raises(KindError, match=r"is not a value of 'phone\.kind'"):
        OneOf.parse(["corded", "dect"], KIND)


def test_describes_and_serialises_as_a_list():
    rule = OneOf.parse(["corded", "usb_handset"], KIND)
    assert rule.describe("", KIND.labels) == "one of: corded phone, USB handset"
    assert rule.to_json() == ["corded", "usb_handset"]
