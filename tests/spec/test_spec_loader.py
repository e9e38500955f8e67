"""Spec loading: valid forms, and every kind of bad input reported clearly, all at once."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskready.profiles import bundled_names, load_profile
from deskready.registry import discover_checks
from deskready.spec import Severity, SpecError, load_spec_text
from deskready.spec.loader import load_spec_bytes
from tests.core.fakes import PhoneLikeCheck, RamCheck, SpeedCheck, registry_of

REG = registry_of(SpeedCheck, RamCheck, PhoneLikeCheck)
HEAD = '[employer]\nname = "ACME"\n'


def load(text: str):
    return load_spec_text(text, REG, file_name="spec.toml")


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        load(text)
    return [p.render("spec.toml") for p in info.value.problems]


def test_quoted_and_nested_rule_forms_are_equivalent():
    a = load(HEAD + '[rules."net.down_mbps"]\nmin = 10\n')
    b = load(HEAD + "[rules.net.down_mbps]\nmin = 10\n")
    assert a.rules[0].metric == b.rules[0].metric == "net.down_mbps"
    assert a.rules[0].threshold("min") == b.rules[0].threshold("min") == 10


def test_several_rules_on_one_metric_with_severity():
    spec = load(
        HEAD
        + '[[rules."net.down_mbps"]]\nmin = 10\n[[rules."net.down_mbps"]]\nmin = 30\nseverity = "recommended"\n'
    )
    assert [(r.threshold("min"), r.severity) for r in spec.rules] == [
        (10, Severity.REQUIRED),
        (30, Severity.RECOMMENDED),
    ]


def test_settings_and_declarations():
    spec = load(
        HEAD
        + '[rules]\n"ram.gb" = { min = 4 }\n'
        + '[checks.speed]\nserver = "https://speed.example/mini"\nservers = ["a", "b"]\ntime_budget_s = 20\n'
        + '[[declarations]]\nid = "workspace.quiet"\ntext = "My room is quiet."\n'
    )
    assert spec.check_settings["speed"] == {
        "server": "https://speed.example/mini",
        "servers": ["a", "b"],
    }
    assert spec.time_budgets == {"speed": 20.0}
    assert spec.declarations[0].metric == "declaration.workspace.quiet"
    assert any(
        r.metric == "declaration.workspace.quiet" and r.threshold("equals") is True
        for r in spec.rules
    )


def test_unknown_metric_suggests_the_right_one_with_its_line():
    found = problems(HEAD + '[rules]\n"ram.gb" = { min = 4 }\n"net.down_mpbs" = { min = 10 }\n')
    assert found == [
        "spec.toml:5: rules.net.down_mpbs: unknown metric 'net.down_mpbs' (did you mean 'net.down_mbps'?)"
    ]


def test_every_problem_is_reported_at_once():
    found = problems(
        '[employer]\nnmae = "x"\n'
        '[rules]\n"ram.gb" = { mni = 4 }\n"net.kind" = { equals = "ethernt" }\n'
        '"ram.ecc" = { min = 1 }\n'
        '[checks.speed]\nserverr = "x"\nmax_seconds = "soon"\n'
        "[checks.nope]\nx = 1\n"
    )
    text = "\n".join(found)
    assert "employer.nmae: unknown key 'nmae' (did you mean 'name'?)" in text
    assert "employer.name: is required" in text
    assert "unknown key 'mni' (did you mean 'min'?)" in text
    assert (
        "'ethernt' is not a value of 'net.kind'; use one of: ethernet, wifi (did you mean 'ethernet'?)"
        in text
    )
    assert "'ram.ecc' is not a number, so min and max do not apply" in text
    assert "unknown setting 'serverr' for check 'speed'" in text
    assert "(did you mean 'server'?)" in text
    assert "checks.speed.max_seconds: must be a number" in text
    assert "unknown check 'nope'" in text
    assert len(found) >= 8
    assert all(":" in line.split(" ")[0] for line in found if line.startswith("spec.toml:"))


def test_wrong_types_and_contradictions():
    text = "\n".join(
        problems(
            HEAD
            + '[rules]\n"ram.gb" = { min = 8, max = 4 }\n"net.down_mbps" = { min = "fast" }\n'
            + '"net.kind" = { one_of = "ethernet" }\n"ram.ecc" = {}\n'
        )
    )
    assert "min (8.0) is larger than max (4.0)" in text
    assert "net.down_mbps.min" in text
    assert "net.kind.one_of" in text
    assert "the rule has no condition" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        (b"\x00\x01\x02binary\xff", "not a text file"),
        (b"\xff\xfe[employer]", "not UTF-8"),
        (b'[rules\n"x" = \n', "not valid TOML"),
        (b'[employer]\nname = "x"\n', "rules: missing"),
        (b"x" * (1024 * 1024 + 1), "at most 1024 kB"),
        (b'[employer]\nname = "x"\n[rules]\n[extra]\n', "unknown section 'extra'"),
    ],
)
def test_bad_files(data, message):
    with pytest.raises(SpecError) as info:
        load_spec_bytes(data, REG, file_name="bad.toml")
    assert message in str(info.value)


def test_malformed_toml_names_the_line():
    with pytest.raises(SpecError) as info:
        load(HEAD + '[rules]\n"ram.gb" = { min = }\n')
    assert info.value.problems[0].line == 4


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_profiles_are_valid_against_installed_checks(name):
    registry = discover_checks()
    missing = {
        line.split('"')[1].split(".")[0]
        for line in (
            __import__("resources").resource("profiles", f"{name}.toml").read_text().splitlines()
        )
        if line.startswith('[rules."') or line.startswith('[[rules."')
    } - {m.split(".")[0] for m in registry.metrics()}
    if missing - {"network", "headset", "microphone", "room", "speaker", "phone"}:
        pytest.fail(f"profile {name} refers to unknown metric groups {missing}")
    if missing:
        pytest.skip(f"checks for {sorted(missing)} are not installed yet")
    spec = load_profile(name, registry)
    assert spec.rules
    assert spec.employer.name


def test_typical_is_the_default():
    assert bundled_names()[0] == "typical"


def test_unknown_profile_name_lists_bundled_ones():
    with pytest.raises(SpecError, match="bundled: typical"):
        load_profile("tipycal", REG)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_loader(data):
    problems: list = []
    try:
        load_spec_bytes(data, REG, file_name="fuzz.toml")
    except SpecError as exc:
        problems = exc.problems
        assert problems, "a SpecError always names at least one problem"


@settings(max_examples=100, deadline=None)
@given(
    low=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    span=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    severity=st.sampled_from(["required", "recommended"]),
)
def test_numeric_rules_round_trip(low, span, severity):
    spec = load(
        HEAD
        + f'[rules."net.down_mbps"]\nmin = {low!r}\nmax = {low + span!r}\nseverity = "{severity}"\n'
    )
    rule = spec.rules[0]
    assert rule.threshold("min") == low
    assert rule.threshold("max") == low + span
    assert rule.severity.value == severity
