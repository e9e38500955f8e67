"""Numbers, percentages and dates written each language's way (CLDR, not the OS)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from deskready.checks.i18n import using_language
from deskready.checks.l10n import format_datetime, format_number, format_percent
from deskready.format import format_expected, format_value

MOMENT = datetime(2026, 11, 23, 18, 30, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize(
    ("language", "number", "percent", "date"),
    [
        ("en", "48.2", "2.5%", "Nov 23, 2026"),
        ("de", "48,2", "2,5\u00a0%", "23.11.2026, 18:30"),
        ("nl", "48,2", "2,5%", "23 nov 2026, 18:30"),
        ("ja", "48.2", "2.5%", "2026/11/23 18:30"),
        ("ms", "48.2", "2.5%", "23 Nov 2026"),
    ],
)
def test_each_language_writes_numbers_and_dates_its_way(
    language: str, number: str, percent: str, date: str
) -> None:
    with using_language(language):
        assert format_number(48.2) == number
        assert format_percent(2.5) == percent
        assert date in format_datetime(MOMENT)


def test_numbers_keep_only_the_decimals_worth_showing() -> None:
    assert format_number(212) == "212"
    assert format_number(212.0) == "212"
    assert format_number(48.24) == "48.2"
    assert format_number(0.456) == "0.46"
    assert format_number(0.5) == "0.5"
    assert format_number(-45.0) == "-45"
    assert format_number(3.14159, decimals=3) == "3.142"


def test_no_thousands_separator_in_ids_and_builds() -> None:
    with using_language("de"):
        assert format_number(26100) == "26100"  # a Windows build, not "26.100"


def test_rule_texts_use_the_locale() -> None:
    with using_language("de"):
        assert format_value(1.5, "%") == "1,5\u00a0%"
        assert "3,6" in format_expected(min=3.6)
        assert "10 Mbps" in format_expected(min=10, unit="Mbps")


def test_sentences_join_with_a_space_except_after_a_full_width_stop() -> None:
    from deskready.format import join_sentences

    assert join_sentences(["Run it again.", "", " Then save. "]) == "Run it again. Then save."
    assert join_sentences(["結果を表示します。", "手元に用意してください。"]) == (
        "結果を表示します。手元に用意してください。"
    )
    # a closing bracket ends a name, not a sentence: the space stays
    assert join_sentences(["Found マイク（USB）", "Check it."]) == "Found マイク（USB） Check it."
    assert join_sentences(["準備できました！", "次へ"]) == "準備できました！次へ"
    assert join_sentences([]) == ""


def test_the_start_pages_plan_reads_without_latin_spaces_in_japanese() -> None:
    """The plan line: step names, the step count and the headset note, all in Japanese."""
    from deskready.checks.i18n import _, ngettext
    from deskready.format import join_sentences, list_separator

    with using_language("ja"):
        names = list_separator().join(["パソコン", "ネットワーク"])
        plan = ngettext(
            "The check goes through {n} step: {names}, then your results.",
            "The check goes through {n} steps: {names}, then your results.",
            2,
        ).format(n=2, names=names)
        text = join_sentences([plan, _("Keep your headset at hand: one step needs it.")])
    assert " " not in text, text
    assert text.startswith("チェックはパソコン、ネットワークの2ステップ")
