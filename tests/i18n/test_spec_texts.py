"""Employer texts in a spec may carry translations; the agent sees the best match."""

from __future__ import annotations

import pytest

from deskready.checks.i18n import _, using_language
from deskready.spec import SpecError, load_spec_text
from tests.core.fakes import PhoneLikeCheck, RamCheck, SpeedCheck, registry_of

REG = registry_of(SpeedCheck, RamCheck, PhoneLikeCheck)


def load(text: str):  # type: ignore[no-untyped-def]
    return load_spec_text(text, REG, file_name="spec.toml")


def problems(text: str) -> str:
    with pytest.raises(SpecError) as info:
        load(text)
    return "\n".join(p.render("spec.toml") for p in info.value.problems)


SUFFIX_FORM = """
[employer]
name = "ACME Calls"
name_ja = "ACMEコール"
notes = "Read this first."
notes_de = "Bitte zuerst lesen."

[rules."ram.gb"]
min = 4
advice = "Add memory."
advice_nl = "Voeg geheugen toe."

[[declarations]]
id = "workspace.quiet"
text = "My room is quiet."
text_de = "Mein Raum ist ruhig."
help = "Only you on calls."
help_ms = "Hanya anda dalam panggilan."
"""

TABLE_FORM = """
[employer]
name = "ACME Calls"

[rules]
"ram.gb" = { min = 4, advice = { en = "Add memory.", ja = "メモリを増設してください。" } }

[[declarations]]
id = "workspace.quiet"
[declarations.text]
ja = "静かな部屋で仕事をしています。"
en = "My room is quiet."
"""


def test_suffix_form_gives_each_language_its_text() -> None:
    spec = load(SUFFIX_FORM)
    declaration = spec.declarations[0]
    rule = spec.rules_for("ram.gb")[0]
    assert (spec.employer.name, declaration.text, rule.advice) == (
        "ACME Calls",
        "My room is quiet.",
        "Add memory.",
    )
    with using_language("de"):
        assert _(declaration.text) == "Mein Raum ist ruhig."
        assert _(spec.employer.notes) == "Bitte zuerst lesen."
        assert _(spec.employer.name) == "ACME Calls"  # no German name: the default
    with using_language("ja"):
        assert _(spec.employer.name) == "ACMEコール"
    with using_language("nl"):
        assert rule.advice is not None
        assert _(rule.advice) == "Voeg geheugen toe."
    with using_language("ms"):
        assert _(declaration.help) == "Hanya anda dalam panggilan."


def test_table_form_uses_english_as_the_default() -> None:
    spec = load(TABLE_FORM)
    declaration = spec.declarations[0]
    advice = spec.rules_for("ram.gb")[0].advice
    assert declaration.text == "My room is quiet."
    assert advice == "Add memory."
    with using_language("ja"):
        assert _(declaration.text) == "静かな部屋で仕事をしています。"
        assert advice is not None
        assert _(advice) == "メモリを増設してください。"
    with using_language("de"):
        assert _(declaration.text) == "My room is quiet."


def test_a_table_without_english_defaults_to_its_first_text() -> None:
    spec = load(
        '[employer]\nname = "ACME"\n[rules]\n"ram.gb" = { min = 4 }\n'
        '[[declarations]]\nid = "quiet"\ntext = { de = "Ruhig.", nl = "Rustig." }\n'
    )
    assert spec.declarations[0].text == "Ruhig."


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            'text_jp = "静か"',
            "'jp' is not a language code such as 'ja' or 'pt_BR' (did you mean 'ja'?)",
        ),
        ("text_de = 5", "declarations.0.text_de: must be text in quotes"),
        ('text_de = ""', "declarations.0.text_de: must be text in quotes"),
        ("text_klingon_x = 'x'", "'klingon_x' is not a language code"),
    ],
)
def test_bad_translations_are_reported_with_their_key(snippet: str, message: str) -> None:
    text = (
        '[employer]\nname = "ACME"\n[rules]\n"ram.gb" = { min = 4 }\n'
        f'[[declarations]]\nid = "quiet"\ntext = "Quiet."\n{snippet}\n'
    )
    assert message in problems(text)


def test_a_translation_of_an_unknown_field_is_still_an_unknown_key() -> None:
    text = '[employer]\nname = "ACME"\ncolour_de = "rot"\n[rules]\n"ram.gb" = { min = 4 }\n'
    assert "employer.colour_de: unknown key 'colour_de'" in problems(text)
