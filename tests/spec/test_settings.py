"""Check settings: declared ranges judged when the spec loads, and ``ctx.setting`` in checks.

Each validation has a passing and a failing case; the failing ones name the line and say
what is allowed ("must be a number between 1 and 5 seconds").
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, ClassVar

import pytest

from deskready.checks.api import (
    MAX_TIME_BUDGET_S,
    Category,
    Check,
    CheckContext,
    CheckFailed,
    Measurements,
    Metric,
    MetricType,
    Setting,
    validate_check_class,
)
from deskready.checks.i18n import N_
from deskready.registry import discover_checks
from deskready.spec import SpecError, load_spec_text
from deskready.spec.loader import TIME_BUDGET
from tests.core.fakes import registry_of

SPEC_DOC = Path(__file__).resolve().parents[2] / "docs" / "spec.md"


class KnobsCheck(Check):
    """One setting of each kind; ``run`` returns what ``ctx.setting`` gave it."""

    id = "knobs"
    title = "Knobs"
    category = Category.SYSTEM
    metrics = (Metric("knobs.ok", MetricType.BOOLEAN, "ok"),)
    settings = (
        Setting("seconds", float, 3.0, "s", min=1.0, max=5.0, unit=N_("seconds")),
        Setting("streams", int, 4, "n", min=1, max=16),
        Setting("floor", float, 0.0, "f", min=0.0),
        Setting("mode", str, "fast", "m", choices=("fast", "slow")),
        Setting("ask", bool, False, "b"),
        Setting("servers", list[str], ["a"], "l"),
    )
    seen: ClassVar[dict[str, Any]] = {}

    def run(self, ctx: CheckContext) -> Measurements:
        KnobsCheck.seen = {s.name: ctx.setting(s.name) for s in self.settings}
        return Measurements({"knobs.ok": True})


REG = registry_of(KnobsCheck)
HEAD = '[employer]\nname = "ACME"\n[rules."knobs.ok"]\nequals = true\n[checks.knobs]\n'


def settings_of(body: str) -> dict[str, Any]:
    spec = load_spec_text(HEAD + body, REG, file_name="spec.toml")
    return spec.check_settings.get("knobs", {})


def problem_of(body: str) -> str:
    with pytest.raises(SpecError) as info:
        load_spec_text(HEAD + body, REG, file_name="spec.toml")
    found = [p.render("spec.toml") for p in info.value.problems]
    assert len(found) == 1, found
    return found[0]


# -- number settings: range, finiteness, booleans, whole numbers -----------------------------


@pytest.mark.parametrize("text", ["1", "2.5", "5", "5.0"])
def test_a_number_inside_the_range_is_taken_as_a_float(text: str) -> None:
    value = settings_of(f"seconds = {text}\n")["seconds"]
    assert value == float(text)
    assert type(value) is float


@pytest.mark.parametrize("text", ["0.5", "5.01", "-3", "100000000000000000000000000000000"])
def test_a_number_outside_the_range_names_the_range_and_line(text: str) -> None:
    assert problem_of(f"seconds = {text}\n") == (
        "spec.toml:6: checks.knobs.seconds: must be a number between 1 and 5 seconds"
    )


@pytest.mark.parametrize("text", ["nan", "+nan", "inf", "-inf"])
def test_nan_and_infinity_are_not_numbers(text: str) -> None:
    assert problem_of(f"seconds = {text}\n").endswith("must be a number between 1 and 5 seconds")
    assert problem_of(f"floor = {text}\n").endswith(
        "checks.knobs.floor: must be a number of at least 0"
    )


@pytest.mark.parametrize("text", ["true", "false"])
def test_a_boolean_is_not_a_number(text: str) -> None:
    assert problem_of(f"seconds = {text}\n").endswith("must be a number between 1 and 5 seconds")
    assert problem_of(f"streams = {text}\n").endswith("must be a whole number between 1 and 16")


def test_a_text_is_not_a_number() -> None:
    assert problem_of('seconds = "3"\n').endswith("must be a number between 1 and 5 seconds")


def test_integer_sizes_are_whole_numbers_within_their_bounds() -> None:
    assert settings_of("streams = 16\n")["streams"] == 16
    assert problem_of("streams = 17\n").endswith("must be a whole number between 1 and 16")
    assert problem_of("streams = 2.0\n").endswith("must be a whole number between 1 and 16")
    huge = "9" * 4000  # compared exactly: no OverflowError from a float conversion
    assert problem_of(f"streams = {huge}\n").endswith("must be a whole number between 1 and 16")


def test_an_open_range_bounds_one_side_only() -> None:
    assert settings_of("floor = 1e300\n")["floor"] == 1e300
    assert problem_of("floor = -0.1\n").endswith("must be a number of at least 0")


# -- other settings: choices and strict types ---------------------------------------------


def test_choices_are_enforced() -> None:
    assert settings_of('mode = "slow"\n')["mode"] == "slow"
    assert problem_of('mode = "turbo"\n').endswith("must be one of: fast, slow")


def test_a_boolean_setting_takes_true_or_false_only() -> None:
    assert settings_of("ask = true\n")["ask"] is True
    assert problem_of('ask = "yes"\n').endswith("must be true or false")
    assert problem_of("ask = 1\n").endswith("must be true or false")


def test_a_list_setting_checks_its_items() -> None:
    assert settings_of('servers = ["x", "y"]\n')["servers"] == ["x", "y"]
    assert problem_of("servers = [1]\n").endswith("checks.knobs.servers: must be text in quotes")


# -- time_budget_s --------------------------------------------------------------------------


def budget_of(text: str) -> float:
    spec = load_spec_text(HEAD + f"time_budget_s = {text}\n", REG, file_name="spec.toml")
    return spec.time_budgets["knobs"]


@pytest.mark.parametrize("text", ["1", "20", "42.5", "300"])
def test_a_time_budget_up_to_the_maximum_is_kept(text: str) -> None:
    assert budget_of(text) == float(text)


@pytest.mark.parametrize("text", ["inf", "nan", "0", "-5", "0.5", "301", "true", '"20"', "1e999"])
def test_a_time_budget_must_be_finite_and_at_most_the_maximum(text: str) -> None:
    assert problem_of(f"time_budget_s = {text}\n") == (
        "spec.toml:6: checks.knobs.time_budget_s: must be a number between 1 and 300 seconds"
    )


def test_the_time_budget_maximum_covers_every_built_in_check() -> None:
    registry = discover_checks()
    slowest = max(c.time_budget_s for c in registry.checks.values())
    assert slowest <= MAX_TIME_BUDGET_S == TIME_BUDGET.max


# -- the declarations themselves -------------------------------------------------------------


def test_a_consistent_declaration_has_no_problems() -> None:
    assert validate_check_class(KnobsCheck) == []


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        (Setting("s", float, 1.0, "", min=2.0, max=1.0), "min 2.0 is larger than max 1.0"),
        (Setting("s", float, 9.0, "", min=1.0, max=5.0), "default 9.0 is not allowed"),
        (Setting("s", float, 1.0, "", max=math.inf), "max must be a finite number"),
        (Setting("s", str, "", "", min=1), "min applies to int or float only"),
        (Setting("s", str, "x", "", choices=("a", "b")), "default 'x' is not allowed"),
    ],
)
def test_an_inconsistent_declaration_is_reported_at_registration(
    setting: Setting, problem: str
) -> None:
    broken = type("Broken", (KnobsCheck,), {"id": "broken", "settings": (setting,)})
    assert validate_check_class(broken) == [f"setting 's': {problem}"]


def test_every_built_in_number_setting_declares_both_bounds() -> None:
    for check in discover_checks().checks.values():
        assert validate_check_class(check) == []
        for setting in check.settings:
            if setting.is_number:
                assert setting.min is not None, (check.id, setting)
                assert setting.max is not None, (check.id, setting)


def test_the_audio_recording_range_is_declared_not_clamped() -> None:
    registry = discover_checks()
    head = '[employer]\nname = "A"\n[rules."room.noise_dbfs"]\nmax = -40\n'
    spec = load_spec_text(head + "[checks.room_noise]\nseconds = 5\n", registry)
    assert spec.check_settings["room_noise"] == {"seconds": 5.0}
    with pytest.raises(SpecError, match="must be a number between 1 and 5 seconds"):
        load_spec_text(head + "[checks.room_noise]\nseconds = 9\n", registry)


# -- ctx.setting -----------------------------------------------------------------------------


def test_ctx_setting_overlays_the_spec_on_the_declared_defaults() -> None:
    KnobsCheck().run(CheckContext(settings={"seconds": 2, "mode": "slow"}))
    assert KnobsCheck.seen == {
        "seconds": 2.0,
        "streams": 4,
        "floor": 0.0,
        "mode": "slow",
        "ask": False,
        "servers": ["a"],
    }
    assert type(KnobsCheck.seen["seconds"]) is float


def test_ctx_setting_refuses_a_value_outside_the_declaration() -> None:
    with pytest.raises(CheckFailed, match="Setting 'seconds' must be a number between 1 and 5"):
        KnobsCheck().run(CheckContext(settings={"seconds": 9.0}))
    with pytest.raises(CheckFailed, match="Setting 'mode' must be one of: fast, slow"):
        KnobsCheck().run(CheckContext(settings={"mode": "turbo"}))


def test_ctx_setting_of_an_undeclared_name_is_a_bug_in_the_check() -> None:
    ctx = CheckContext()
    ctx.declare_settings(KnobsCheck.settings)
    with pytest.raises(KeyError, match="no setting 'colour'"):
        ctx.setting("colour")
    assert ctx.setting("streams") == 4


def test_a_subclass_run_declares_its_own_settings() -> None:
    class Narrow(KnobsCheck):
        id = "narrow"
        settings = (Setting("seconds", float, 1.5, "s", min=1.0, max=2.0),)

        def run(self, ctx: CheckContext) -> Measurements:
            KnobsCheck.seen = {"seconds": ctx.setting("seconds")}
            return Measurements({"knobs.ok": True})

    Narrow().run(CheckContext())
    assert KnobsCheck.seen == {"seconds": 1.5}


# -- docs/spec.md lists each built-in setting with its range --------------------------------


def settings_table() -> str:
    """The built-in settings table of docs/spec.md, from the declarations."""
    rows = [
        "| check | setting | type | default | allowed |",
        "|---|---|---|---|---|",
    ]
    registry = discover_checks()
    for check_id in sorted(registry.checks):
        for s in registry.checks[check_id].settings:
            kind = getattr(s.type, "__name__", None) if not hasattr(s.type, "__args__") else None
            allowed = s.range_text() or ("true / false" if s.type is bool else "any")
            rows.append(
                f"| `{check_id}` | `{s.name}` | {kind or str(s.type)} | "
                f"`{json.dumps(s.default)}` | {allowed} |"
            )
    budget = TIME_BUDGET.range_text()
    rows.append(f"| every check | `time_budget_s` | float | the check's own | {budget} |")
    return "\n".join(rows)


def test_docs_spec_lists_every_built_in_setting_with_its_range() -> None:
    doc = SPEC_DOC.read_text(encoding="utf-8")
    missing = [row for row in settings_table().splitlines() if row not in doc]
    assert not missing, "regenerate with: python -m tests.spec.test_settings\n" + "\n".join(missing)
    assert "python -m tests.spec.test_settings" in doc


if __name__ == "__main__":  # print the table for docs/spec.md
    print(settings_table())
