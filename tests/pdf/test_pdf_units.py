"""Pure pieces of the PDF package: paper choice, axis ticks, text-layer repair, fonts."""

from __future__ import annotations

import pytest

from deskready.pdf.charts import axis_ticks, format_number
from deskready.pdf.fonts import fallback_chain
from deskready.pdf.paper import choose_page_size, territory_of
from deskready.pdf.tounicode import fix_cmap, fix_code_point


@pytest.mark.parametrize(
    ("requested", "report", "system", "expected"),
    [
        ("auto", {}, "US", "letter"),
        ("auto", {}, "DE", "a4"),
        ("auto", {}, None, "a4"),
        ("auto", {"locale": "en_PH"}, "DE", "letter"),
        ("auto", {"language": "es-MX"}, None, "letter"),
        ("auto", {"language": "en"}, "CA", "letter"),
        ("auto", {"locale": "ja_JP.UTF-8"}, "US", "a4"),
        ("A4", {}, "US", "a4"),
        ("letter", {}, "JP", "letter"),
    ],
)
def test_choose_page_size(requested, report, system, expected) -> None:
    assert choose_page_size(requested, report, system) == expected


def test_territory_of() -> None:
    assert territory_of("en_US.UTF-8") == "US"
    assert territory_of("de") is None
    assert territory_of("C") is None


def test_axis_ticks_are_round() -> None:
    assert axis_ticks(242) == [0, 50, 100, 150, 200, 250]
    assert axis_ticks(12.4) == [0, 2.5, 5, 7.5, 10, 12.5]
    assert axis_ticks(0) == [0.0, 1.0]
    assert format_number(187.5) == "187.5"
    assert format_number(2.5) == "2.5"
    assert format_number(0.02) == "0.02"


def test_cjk_radicals_and_tab_are_mapped_to_what_was_typed() -> None:
    assert fix_code_point(0x2F65) == 0x7530  # ⽥ → 田
    assert fix_code_point(0x0009) == 0x0020
    assert fix_code_point(0x0041) == 0x0041
    cmap = (
        "2 beginbfrange\n<0000> <0000> <0000>\n<0001> <0003> [<2F65> <4E2D> <0009>]\n"
        "endbfrange\n1 beginbfchar\n<2F65> <2F26>\nendbfchar\n"
    )
    fixed = fix_cmap(cmap)
    assert "[<7530> <4E2D> <0020>]" in fixed
    assert "<2F65> <5B50>" in fixed  # the source (a glyph id) is left alone


def test_fallback_chain_puts_the_language_cjk_face_first() -> None:
    available = {"DejaVu Sans", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK KR"}
    assert fallback_chain("ja", available)[:2] == ["DejaVu Sans", "Noto Sans CJK JP"]
    assert fallback_chain("zh_CN", available)[:2] == ["DejaVu Sans", "Noto Sans CJK SC"]
    assert fallback_chain("ko", available)[1] == "Noto Sans CJK KR"
    assert fallback_chain("en", {"Arial"}) == ["Arial"]
