"""``[reverify]``: how often the employer wants a new check, validated like the rest."""

from __future__ import annotations

import pytest

from deskready.spec import SpecError, load_spec_text
from tests.core.fakes import RamCheck, registry_of

REG = registry_of(RamCheck)
BASE = '[employer]\nname = "ACME"\n[rules]\n"ram.gb" = { min = 1 }\n'


def load(text: str):
    return load_spec_text(BASE + text, REG, file_name="spec.toml")


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        load(text)
    return [p.render("spec.toml") for p in info.value.problems]


def test_absent_section_asks_for_nothing():
    reverify = load("").reverify
    assert reverify.every_days is None
    assert reverify.before_shift is False


def test_every_days_and_before_shift_are_read():
    reverify = load("[reverify]\nevery_days = 30\nbefore_shift = true\n").reverify
    assert reverify.every_days == 30
    assert reverify.before_shift is True


@pytest.mark.parametrize("value", ["0", "366", "true", '"30"', "30.0", "-1"])
def test_bad_every_days_is_a_spec_error_with_its_line(value: str):
    found = problems(f"[reverify]\nevery_days = {value}\n")
    assert found == [
        "spec.toml:6: reverify.every_days: must be a whole number of days from 1 to 365"
    ]


def test_every_problem_of_the_section_at_once():
    found = problems('[reverify]\nevery_days = 400\nbefore_shift = "yes"\nevery_day = 3\n')
    assert found == [
        "spec.toml:6: reverify.every_days: must be a whole number of days from 1 to 365",
        "spec.toml:7: reverify.before_shift: must be true or false",
        "spec.toml:8: reverify.every_day: unknown setting 'every_day' (did you mean 'every_days'?)",
    ]


def test_not_a_table():
    with pytest.raises(SpecError) as info:
        load_spec_text("reverify = 30\n" + BASE, REG, file_name="spec.toml")
    assert [p.render("spec.toml") for p in info.value.problems] == [
        "spec.toml:1: reverify: must be a table: [reverify] with every_days = 30"
    ]
