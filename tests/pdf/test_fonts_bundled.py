"""No missing glyph, ever: the bundled fonts against every catalogue, on a machine without
CJK fonts (an isolated fontconfig), in the PDF and in the GUI, and the clear failure.

"A fresh machine" is a subprocess whose ``FONTCONFIG_FILE`` lists only DejaVu (what
scripts/run.sh installs) or no font folder at all (a minimal machine running the bundle);
the bundled fonts are then all Qt has for Japanese.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from deskready.pdf.fonts import BUNDLED_CJK, BUNDLED_EXTRA, MissingGlyphError
from deskready.report.files import ReportFileError
from deskready.resources import fonts as bundled
from tests.pdf.helpers import load_sample, pdf_text, run_tool

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "resources" / "translations"
LANGUAGES = sorted(path.name for path in CATALOGUES.iterdir() if path.is_dir())
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
NO_INPUT = ("--no-input", "--pdf")


def catalogue_strings(language: str) -> list[str]:
    """Every msgstr of ``language``'s catalogue (English: every msgid of the template)."""
    if language == "en":
        with (CATALOGUES / "deskready.pot").open("rb") as handle:
            messages = list(read_po(handle))
        parts = [message.id for message in messages]
    else:
        path = CATALOGUES / language / "LC_MESSAGES" / "deskready.po"
        with path.open("rb") as handle:
            parts = [message.string for message in read_po(handle) if message.id]
    strings: list[str] = []
    for part in parts:
        strings += [s for s in (part if isinstance(part, tuple | list) else (part,)) if s]
    return strings


def visible(chars: set[str]) -> set[str]:
    """The characters that draw a glyph (not spaces, controls or format characters)."""
    return {c for c in chars if unicodedata.category(c)[0] not in "CZ"}


def fontconfig(tmp_path: Path, *folders: Path) -> dict[str, str]:
    """The environment of a machine whose only fonts are ``folders`` (and deskready's)."""
    dirs = "".join(f"<dir>{folder}</dir>" for folder in folders)
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig>{dirs}<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(FONTCONFIG_FILE=str(conf), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    return env


def embedded_fonts(path: Path) -> list[str]:
    result = run_tool("pdffonts", str(path))
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()[2:]
    assert all(row.split()[-5] == "yes" for row in rows), result.stdout  # emb column
    return [row.split()[0] for row in rows]


def test_bundled_fonts_cover_every_catalogue_character() -> None:
    """Fails when a catalogue gained a character: run scripts/build_font_subset.py."""
    from PySide6.QtGui import QRawFont

    from deskready.pdf.qt import ensure_qt_app

    ensure_qt_app()
    fonts = [QRawFont(str(path), 12.0) for path in bundled.font_files()]
    assert len(fonts) == len(bundled.FILES)
    assert all(font.isValid() for font in fonts)
    for language in LANGUAGES:
        chars = visible({c for s in catalogue_strings(language) for c in s})
        missing = [c for c in chars if not any(f.supportsCharacter(ord(c)) for f in fonts)]
        assert not missing, (language, [f"U+{ord(c):04X}" for c in missing])


RENDER = """
import json, sys
from deskready.pdf import render_pdf
from deskready.report.integrity import seal
report, strings, out = json.loads(sys.stdin.read())
first = report["results"][0]
# A table row is never split over pages: a few strings per row, as many rows as needed.
for number, start in enumerate(range(0, len(strings), 6)):
    row = dict(first, check=f"catalogue_{number}", messages=strings[start : start + 6])
    report["results"].append(row)
render_pdf(seal(report), out, page_size="a4")
"""


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_every_catalogue_glyph_is_drawn_from_the_bundled_fonts(
    language: str, tmp_path: Path
) -> None:
    """A machine with no font but deskready's: a PDF holding every msgstr of the
    catalogue embeds only the bundled faces, and every character extracts from it (a
    .notdef box has no text, so a character missing from a font is missing here)."""
    strings = catalogue_strings(language)
    report = load_sample()
    report["language"] = language
    out = tmp_path / f"{language}.pdf"
    result = subprocess.run(
        [sys.executable, "-c", RENDER],
        input=json.dumps([report, strings, str(out)]),
        env=fontconfig(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fonts = embedded_fonts(out)
    assert fonts, "no font embedded"
    assert all(name.startswith(("DeskreadySansCJK-", "DeskreadySansExtra-")) for name in fonts)
    if language == "ja":
        assert "DeskreadySansCJK-Regular" in fonts
    text = run_tool("pdftotext", "-enc", "UTF-8", str(out), "-").stdout
    assert "\ufffd" not in text
    wanted = visible({c for s in strings for c in s})
    missing = sorted(wanted - set(text))
    assert not missing, [f"{c} U+{ord(c):04X}" for c in missing]


@pytest.mark.skipif(not DEJAVU.is_dir(), reason="fonts-dejavu-core is not installed")
def test_fresh_debian_japanese_check_writes_japanese_text(tmp_path: Path) -> None:
    """The issue's case: only DejaVu installed (scripts/run.sh), `--lang ja check --pdf`."""
    from deskready.checks.i18n import _, using_language

    out = tmp_path / "r.pdf"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "deskready",
            "--lang",
            "ja",
            "check",
            "--only",
            "os",
            *NO_INPUT,
            str(out),
        ],
        env=fontconfig(tmp_path, DEJAVU),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode in (0, 1, 3), result.stderr  # 3: a partial run
    assert "DeskreadySansCJK-Regular" in embedded_fonts(out)
    with using_language("ja"):
        title, check = _("Readiness report"), _("Home-office equipment check")
    assert title != "Readiness report"
    text = pdf_text(out).replace(" ", "")
    assert title in text
    assert check.replace(" ", "") in text


GUI = """
import json, sys
from deskready.gui.main import create_app
from deskready.pdf.fonts import drawable
app = create_app([])
text = sys.stdin.read()
print(json.dumps([c for c in dict.fromkeys(text) if not drawable(c, app.font())]))
"""


def test_gui_widgets_draw_japanese_without_system_cjk_fonts(tmp_path: Path) -> None:
    """The GUI's default widget font reaches the bundled faces on a machine without any."""
    result = subprocess.run(
        [sys.executable, "-c", GUI],
        input="".join(catalogue_strings("ja")),
        env=fontconfig(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_a_character_no_font_has_stops_the_pdf_with_a_clear_message(tmp_path: Path) -> None:
    from deskready.pdf import render_pdf
    from deskready.report.integrity import seal

    report = load_sample()
    report["agent"]["name"] = "Aiko \ue000 Tanaka"
    out = tmp_path / "r.pdf"
    with pytest.raises(MissingGlyphError) as caught:
        render_pdf(seal(report), out)
    assert isinstance(caught.value, ReportFileError)  # the CLI and GUI show these
    message = str(caught.value)
    assert "(U+E000)" in message
    assert "Aiko \ue000 Tanaka" in message
    assert "no font on this computer has that character" in message
    assert not out.exists()


def test_the_cli_shows_the_missing_glyph_and_exits_2(tmp_path: Path) -> None:
    from deskready.report.integrity import seal

    report = load_sample()
    report["agent"]["name"] = "\U000e0041\U0010fffd"  # a tag letter, then a private-use one
    source, out = tmp_path / "r.json", tmp_path / "r.pdf"
    source.write_text(json.dumps(seal(report)), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "deskready", "report", "pdf", str(source), "-o", str(out)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "U+10FFFD" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_the_bundled_families_come_after_the_system_faces() -> None:
    from deskready.pdf.fonts import fallback_chain

    available = {"DejaVu Sans", "Noto Sans CJK JP", BUNDLED_CJK, BUNDLED_EXTRA}
    assert fallback_chain("ja", available) == [
        "DejaVu Sans",
        "Noto Sans CJK JP",
        BUNDLED_CJK,
        BUNDLED_EXTRA,
    ]
    assert fallback_chain("de", {BUNDLED_CJK, BUNDLED_EXTRA}) == [BUNDLED_CJK, BUNDLED_EXTRA]


def test_a_full_system_cjk_font_is_preferred(rendered: dict[str, Path]) -> None:
    from PySide6.QtGui import QFontDatabase

    from deskready.pdf.qt import ensure_qt_app

    ensure_qt_app()
    if "Noto Sans CJK JP" not in QFontDatabase.families():
        pytest.skip("fonts-noto-cjk is not installed")
    fonts = embedded_fonts(rendered["japanese"])
    assert "NotoSansCJKjp-Regular" in fonts
    assert not [name for name in fonts if name.startswith("Deskready")]
