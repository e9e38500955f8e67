"""Build the fonts deskready ships (resources/fonts/) from Debian's system fonts.

Why: a fresh Debian (``scripts/run.sh``) or a minimal machine running the bundle may have no
CJK font, and Qt then draws Japanese as empty boxes. deskready therefore carries two small
subsets, used only when the system has nothing better (``deskready.pdf.fonts``):

- ``DeskreadySansCJK-{Regular,Bold}.otf``: Noto Sans CJK JP (SIL OFL 1.1, Debian package
  ``fonts-noto-cjk``) cut down to every character of the bundled catalogues (msgid and
  msgstr of every language), ASCII, Latin-1, Latin Extended-A, General Punctuation, the
  CJK punctuation, hiragana and katakana blocks, the full- and half-width forms, the 2,965
  kanji of JIS X 0208 level 1 (everyday kanji, most Japanese names) and every non-ASCII
  character in a string literal of deskready's code;
- ``DeskreadySansExtra-Regular.ttf``: DejaVu Sans (``fonts-dejavu-core``, Bitstream Vera
  license) cut down to the characters of that set the CJK face lacks: the verdicts' ✔ ✘
  and most of Latin Extended-A (Č, Ł, Ő…).

Both are renamed (the OFL forbids a modified font to keep reserved names; Noto is a
trademark), keep their copyright notices, and are written byte for byte the same on every
run from the same sources. Run it after a catalogue gains characters; the test
``tests/pdf/test_fonts_bundled.py`` fails until then::

    sudo apt-get install fonts-noto-cjk fonts-dejavu-core   # the build step only
    .venv/bin/pip install fonttools
    .venv/bin/python scripts/build_font_subset.py [--check]

``--check`` writes nothing: it exits 1 when the committed fonts miss a wanted character.
"""

from __future__ import annotations

import argparse
import io
import sys
import tokenize
from collections.abc import Iterable
from pathlib import Path

from babel.messages.pofile import read_po
from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "fonts"
CATALOGUES = ROOT / "resources" / "translations"
SOURCE_DIRS = (ROOT / "app", ROOT / "checks")
NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc"
NOTO_FAMILY = "Noto Sans CJK JP"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DEJAVU_COPYRIGHT = "/usr/share/doc/fonts-dejavu-core/copyright"
NOTO_COPYRIGHT = "/usr/share/doc/fonts-noto-cjk/copyright"

CJK_FAMILY = "Deskready Sans CJK"
EXTRA_FAMILY = "Deskready Sans Extra"
WEIGHTS = ("Regular", "Bold")

RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1
    (0x0100, 0x017F),  # Latin Extended-A
    (0x2000, 0x206F),  # General Punctuation
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
)
#: Kerning only: ``locl`` would pull in the Chinese and Korean glyph forms (twice the size),
#: ``vert``/``palt`` serve vertical and proportional CJK setting, which deskready never uses.
FEATURES = ["kern"]


def catalogue_characters() -> set[str]:
    """Every character of every msgid and msgstr of the bundled catalogues."""
    chars: set[str] = set()
    for po in sorted(CATALOGUES.glob("*/LC_MESSAGES/deskready.po")):
        with po.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            for part in (message.id, message.string):
                for text in part if isinstance(part, tuple | list) else (part,):
                    chars.update(text or "")
    return chars


def source_characters() -> set[str]:
    """Non-ASCII characters in the string literals of deskready's code (✔, “, ·, …).

    Docstrings (a string that is a statement of its own) are for programmers, never drawn.
    """
    chars: set[str] = set()
    statement_start = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
    skipped = (tokenize.NL, tokenize.COMMENT)
    for folder in SOURCE_DIRS:
        for path in sorted(folder.rglob("*.py")):
            previous = tokenize.NEWLINE
            tokens = tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline)
            for token in tokens:
                if token.type in skipped:
                    continue
                literal = token.type in (tokenize.STRING, getattr(tokenize, "FSTRING_START", -1))
                docstring = literal and previous in statement_start
                text = token.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1))
                if text and not docstring:
                    chars.update(c for c in token.string if ord(c) > 0x7F)
                previous = token.type
    return chars


def jis_level1_kanji() -> set[str]:
    """The 2,965 kanji of JIS X 0208 level 1 (rows 16-47), from Python's EUC-JP codec."""
    kanji: set[str] = set()
    for row in range(16, 48):
        for cell in range(1, 95):
            try:
                kanji.add(bytes((0xA0 + row, 0xA0 + cell)).decode("euc_jp"))
            except UnicodeDecodeError:
                continue
    return kanji


def wanted_characters() -> set[str]:
    chars = catalogue_characters() | source_characters() | jis_level1_kanji()
    for first, last in RANGES:
        chars.update(chr(code) for code in range(first, last + 1))
    return {c for c in chars if c.isprintable() or c == "\u3000"}


def open_noto(weight: str) -> TTFont:
    """Noto Sans CJK JP of ``weight`` from Debian's collection (found by family name)."""
    collection = TTCollection(NOTO.format(weight=weight), recalcTimestamp=False)
    for font in collection.fonts:
        if font["name"].getDebugName(1) == NOTO_FAMILY:
            return font
    raise SystemExit(f"{NOTO_FAMILY} is not in {NOTO.format(weight=weight)}")


def rename(font: TTFont, family: str, weight: str) -> None:
    """Give the subset its own names (family, full, PostScript), keep copyright and license."""
    ps_name = f"{family.replace(' ', '')}-{weight}"
    names = font["name"]
    version = names.getDebugName(5) or ""
    keep = {0, 5, 7, 8, 9, 10, 11, 12, 13, 14}
    names.names = [record for record in names.names if record.nameID in keep]
    for name_id, value in (
        (1, family),
        (2, weight),
        (3, f"{ps_name};deskready subset;{version}"),
        (4, f"{family} {weight}" if weight != "Regular" else family),
        (6, ps_name),
    ):
        names.setName(value, name_id, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        top = cff[cff.fontNames[0]]
        cff.fontNames = [ps_name]
        top.rawDict["FullName"] = top.FullName = f"{family} {weight}"
        top.rawDict["FamilyName"] = top.FamilyName = family
        if hasattr(top, "FDArray"):
            for fd in top.FDArray:
                if hasattr(fd, "FontName"):
                    fd.FontName = f"{ps_name}-{fd.FontName.rsplit('-', 1)[-1]}"


def unshared(font: TTFont, chars: set[str], used: set[str]) -> set[str]:
    """``chars`` less the code points that would hide a used one in the PDF's text layer.

    Qt maps each glyph back to the *lowest* code point the font maps to it, so where Noto
    draws ‒ (U+2012) and – (U+2013) with one glyph, a German "–" would extract as "‒".
    Such a lower code point that deskready never uses is left out of the subset (the other
    subset, from DejaVu, may supply it with a glyph of its own).
    """
    cmap = font.getBestCmap()
    by_glyph: dict[str, list[str]] = {}
    for char in sorted(chars):
        if ord(char) in cmap:
            by_glyph.setdefault(cmap[ord(char)], []).append(char)
    dropped: set[str] = set()
    for group in by_glyph.values():
        kept = [char for char in group if char in used]
        if kept:
            dropped |= {char for char in group if char < kept[0]}
    return chars - dropped


def cut(font: TTFont, chars: Iterable[str]) -> TTFont:
    options = subset.Options()
    options.layout_features = FEATURES
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["FFTM"]  # FontForge's timestamps
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)
    return font


def save(font: TTFont, path: Path) -> None:
    buffer = io.BytesIO()
    font.recalcTimestamp = False
    font.save(buffer)
    path.write_bytes(buffer.getvalue())
    print(f"{path.relative_to(ROOT)}: {len(buffer.getvalue()) / 1024:.0f} KiB")


def license_text(copyright_file: str, start: str, end: str, header: str) -> str:
    """The part of a Debian copyright file from ``start`` to ``end`` (the font's notice
    and license, not the packaging's), with a note on the subset on top."""
    text = Path(copyright_file).read_text("utf-8")
    body = text[text.index(start) : text.index(end)]
    lines = [line[1:] if line.startswith(" ") else line for line in body.splitlines()]
    lines = ["" if line == "." else line for line in lines]
    return header + "\n\n" + "\n".join(lines).strip() + "\n"


def covered(path: Path) -> set[str]:
    return {chr(code) for code in TTFont(path).getBestCmap()}


def check() -> int:
    """Exit status 1 if a catalogue or code character is in no committed font."""
    have: set[str] = set()
    for path in sorted(OUT.glob("*.[ot]tf")):
        have |= covered(path)
    need = catalogue_characters() | source_characters()
    missing = sorted(c for c in need - have if c.isprintable() and not c.isspace())
    for char in missing:
        print(f"missing: {char} U+{ord(char):04X}")
    return 1 if missing else 0


def build() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    wanted = wanted_characters()
    used = catalogue_characters() | source_characters()
    noto_cmap: set[str] = set()
    copyright_notice = ""
    for weight in WEIGHTS:
        font = open_noto(weight)
        copyright_notice = font["name"].getDebugName(0) or ""
        chars = unshared(font, wanted & {chr(code) for code in font.getBestCmap()}, used)
        noto_cmap = chars
        rename(cut(font, chars), CJK_FAMILY, weight)
        save(font, OUT / f"{CJK_FAMILY.replace(' ', '')}-{weight}.otf")
    extra_font = TTFont(DEJAVU, recalcTimestamp=False)
    extra = (wanted - noto_cmap) & {chr(code) for code in extra_font.getBestCmap()}
    rename(cut(extra_font, extra), EXTRA_FAMILY, "Regular")
    save(extra_font, OUT / f"{EXTRA_FAMILY.replace(' ', '')}-Regular.ttf")
    print("from DejaVu Sans: " + " ".join(sorted(extra)))
    unmet = sorted(c for c in wanted - noto_cmap - extra if not c.isspace())
    if unmet:
        print("in neither font: " + " ".join(f"U+{ord(c):04X}" for c in unmet))
    (OUT / "LICENSE-NotoSansCJK.txt").write_text(
        license_text(
            NOTO_COPYRIGHT,
            "License: SIL-1.1\n ",
            "License: GPL-3+\n ",
            f"{CJK_FAMILY} (DeskreadySansCJK-*.otf) is a subset of Noto Sans CJK JP,\n"
            f"made by scripts/build_font_subset.py and renamed as the license asks.\n"
            f"{copyright_notice.rstrip('.')}, with Reserved Font Name 'Source'.\n"
            "Noto is a trademark of Google Inc.",
        ),
        encoding="utf-8",
    )
    (OUT / "LICENSE-DejaVu.txt").write_text(
        license_text(
            DEJAVU_COPYRIGHT,
            "Files: *\n",
            "Files: debian/*",
            f"{EXTRA_FAMILY} (DeskreadySansExtra-Regular.ttf) is a subset of DejaVu Sans,\n"
            "made by scripts/build_font_subset.py and renamed as the license asks.",
        ),
        encoding="utf-8",
    )
    return check()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the committed fonts")
    args = parser.parse_args()
    return check() if args.check else build()


if __name__ == "__main__":
    sys.exit(main())
