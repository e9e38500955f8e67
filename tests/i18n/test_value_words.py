"""Agents read words for choice values and answer in their own words; ids stay ids."""

from __future__ import annotations

import re

import pytest

from deskready.checks.api import AnswerType, Metric, MetricType, Question
from deskready.checks.i18n import N_, catalogue, using_language
from deskready.checks.phone.phone_check import PhoneCheck
from deskready.spec.model import Rule
from tests.core.judging import judge_values

KIND = PhoneCheck.metric("phone.kind")


def judged(value: str):  # type: ignore[no-untyped-def]
    rule = Rule(metric="phone.kind", one_of=("corded", "usb_handset"))
    results, _verdict = judge_values([rule], {"phone.kind": value}, {"phone.kind": ("phone", KIND)})
    return results[0]


def test_choice_values_read_as_words_in_every_language() -> None:
    result = judged("cordless")
    assert result.actual == "cordless"  # the machine-readable value is untouched
    assert result.actual_text == "cordless phone"
    assert result.expected_text == "one of: corded phone, USB handset"
    with using_language("de"):
        german = catalogue("de").gettext
        assert result.actual_text == german("cordless phone")
        assert german("USB handset") in result.expected_text


def test_every_choice_of_a_builtin_metric_has_a_word() -> None:
    from deskready.registry import discover_checks

    for check in discover_checks():
        for metric in check.metrics:
            if metric.type is MetricType.CHOICE and metric.labels:
                assert set(metric.labels) == set(metric.choices), metric.id


def test_a_value_without_a_word_is_shown_as_is() -> None:
    metric = Metric("x.kind", MetricType.CHOICE, N_("Kind"), choices=("a", "b"))
    assert metric.word_for("a") is None


YES_NO = Question(id="q", text=N_("Is it quiet?"), type=AnswerType.YES_NO)


@pytest.mark.parametrize("language", ["de", "nl", "ja", "ms"])
def test_yes_and_no_in_the_agents_words(language: str) -> None:
    words = catalogue(language).gettext
    with using_language(language):
        assert YES_NO.parse(words("yes")) is True
        assert YES_NO.parse(words("no")) is False
        assert YES_NO.parse("yes") is True  # English always works, for scripts
        with pytest.raises(ValueError, match=re.escape(words("answer yes or no"))):
            YES_NO.parse("perhaps")
