"""Messages that can be said again in another language, and employers' own translations."""

from __future__ import annotations

import pickle
import threading

from deskready.checks.api import CheckFailed
from deskready.checks.i18n import (
    M_,
    Localized,
    Mn_,
    _,
    active_language,
    catalogue,
    detect_language,
    normalise_language,
    retranslate,
    set_language,
    using_language,
)

#: a msgid the checks really use, with a number in it
DOWNLOAD = "{direction}: {mbps} Mbps"


def test_message_is_the_text_now_and_renders_again_later() -> None:
    message = M_("No active screen was found.")
    assert message == "No active screen was found."
    with using_language("de"):
        german = retranslate(message)
    assert german == catalogue("de").gettext("No active screen was found.")
    assert german != message


def test_numbers_in_messages_follow_the_language() -> None:
    message = M_(DOWNLOAD, direction="Download", mbps=48.26)
    assert "48.3 Mbps" in message  # English: point, one decimal at this size
    with using_language("de"):
        assert "48,3 Mbps" in retranslate(message)
    with using_language("nl"):
        assert "48,3 Mbps" in retranslate(message)
    with using_language("ja"):
        assert "48.3 Mbps" in retranslate(message)


def test_plural_messages_choose_the_form_per_language() -> None:
    one, many = (
        Mn_("{n} screen found.", "{n} screens found.", 1),
        Mn_("{n} screen found.", "{n} screens found.", 3),
    )
    assert (one, many) == ("1 screen found.", "3 screens found.")
    with using_language("de"):
        german_one, german_many = retranslate(one), retranslate(many)
    assert "3" in german_many
    assert german_one != german_many
    with using_language("ja"):  # one form only
        assert "3" in retranslate(many)


def test_a_message_survives_an_exception_and_pickling() -> None:
    message = M_("No active screen was found.")
    error = CheckFailed(message)
    assert isinstance(str(error), type(message))  # the runner keeps str(exc)
    copy = pickle.loads(pickle.dumps(message))
    with using_language("nl"):
        assert retranslate(copy) == catalogue("nl").gettext("No active screen was found.")


def test_plain_strings_pass_through_retranslate() -> None:
    with using_language("de"):
        assert retranslate("written by a third-party plugin") == "written by a third-party plugin"


def test_using_language_affects_only_this_thread() -> None:
    set_language("de")
    seen: list[str] = []
    with using_language("ja"):
        worker = threading.Thread(target=lambda: seen.append(active_language()))
        worker.start()
        worker.join(5)
        assert active_language() == "ja"
    assert seen == ["de"]
    assert active_language() == "de"


def test_localized_text_picks_the_best_match() -> None:
    text = Localized(
        "Quiet room", {"ja": "静かな部屋", "de": "Ruhiger Raum", "pt_BR": "Sala silenciosa"}
    )
    assert text == "Quiet room"
    with using_language("ja"):
        assert _(text) == "静かな部屋"
        assert retranslate(text) == "静かな部屋"
    with using_language("ms"):
        assert _(text) == "Quiet room"  # no Malay given: the default
    assert text.in_language("pt-BR") == "Sala silenciosa"
    assert text.in_language("de_AT") == "Ruhiger Raum"
    assert pickle.loads(pickle.dumps(text)).in_language("de") == "Ruhiger Raum"


def test_language_codes_from_the_system(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert normalise_language("de_DE.UTF-8") == "de"
    assert normalise_language("ja-JP") == "ja"
    assert normalise_language("fr_FR") is None
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "nl_BE.UTF-8")
    assert detect_language() == "nl"
    monkeypatch.setenv("LANGUAGE", "fr:ms")  # the first one deskready speaks wins
    assert detect_language() == "ms"
    assert set_language("xx") == "en"  # unknown: English, never a failure
