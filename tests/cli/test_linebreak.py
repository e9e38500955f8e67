"""Terminal line breaking by cells: Japanese breaks between characters, never before "、"."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from deskready.cli.linebreak import NO_LINE_END, NO_LINE_START, line_starts, wrap_cells
from deskready.cli.render import plain_console, print_fixes
from deskready.report.fixes import Fix, FixKind

ADVICE_JA = (
    "ヘッドセットが見つかりませんでした。勤務先から指定されたヘッドセットを接続し、"
    "サウンド設定でマイクとして選んでください。"
)


def test_latin_text_breaks_at_spaces_only():
    assert wrap_cells("The quick brown fox jumps over the lazy dog", 10) == [
        "The quick",
        "brown fox",
        "jumps over",
        "the lazy",
        "dog",
    ]


def test_a_word_wider_than_the_line_is_cut_at_the_margin():
    assert wrap_cells("abcdefghijkl mn", 5) == ["abcde", "fghij", "kl mn"]


def test_paragraphs_are_kept():
    assert wrap_cells("one two\n\nthree", 20) == ["one two", "", "three"]


@pytest.mark.parametrize("width", range(8, 41))
def test_japanese_fills_each_line_and_no_line_starts_with_closing_punctuation(width):
    lines = wrap_cells(ADVICE_JA, width)
    assert "".join(lines) == ADVICE_JA  # nothing lost, nothing added
    assert all(cell_len(line) <= width for line in lines)
    assert not any(line[0] in NO_LINE_START for line in lines), lines
    assert not any(line[-1] in NO_LINE_END for line in lines), lines
    # filled: a line is only short by what kinsoku moved (at most two characters)
    assert all(cell_len(line) >= width - 4 for line in lines[:-1]), lines


def test_the_break_before_a_comma_moves_the_character_before_it_down():
    # 2 cells each: "し" would end the first line at 6 cells, but "、" may not start a line
    text = "接続し、サウンド"
    assert line_starts(text, 6) == [2, 5]
    assert wrap_cells(text, 6) == ["接続", "し、サ", "ウンド"]


def test_a_japanese_fix_keeps_its_symbol_on_the_line_of_its_title():
    console = plain_console(record=True, width=40)
    title = "お客様にほかの人の声やテレビ、ペットの音が聞こえない、静かな専用スペースで仕事をしています。"
    fix = Fix(FixKind.COULD_NOT_CHECK, "decl", "申告内容", title, "", ADVICE_JA, ("x",))
    print_fixes(console, [fix])
    lines = console.export_text().splitlines()
    item = next(line for line in lines if line.startswith(" ?"))
    assert item.startswith(" ? お客様"), lines  # was " ?" alone, the title on the next line
    assert all(cell_len(line) <= 40 for line in lines), lines
    later = lines[lines.index(item) + 1 :]  # the symbol "?" itself may start the item
    assert not any(line.strip()[0] in NO_LINE_START for line in later), lines
