"""Fonts for the report: a Latin face first, then CJK faces, then a symbol face.

Agents are international, so any name, advice or translation may be Japanese, Chinese or
Korean. Qt's automatic fallback depends on the platform's font configuration and can land
on a face without the glyphs (tofu boxes in the PDF), so the report names its own fallback
chain from families known to exist on Windows, macOS and Debian (``fonts-noto-cjk``). The
CJK face matching the report's language goes first, because the same code point is drawn
differently in Japanese and Chinese typography.

A fresh Debian, or a minimal machine running the bundle, may have no CJK face at all.
deskready therefore ships two subsets in ``resources/fonts`` (made by
``scripts/build_font_subset.py``): Deskready Sans CJK (Noto Sans CJK JP: every character
of the bundled catalogues, Latin, kana, CJK punctuation and the everyday kanji) and
Deskready Sans Extra (DejaVu Sans: ✔ ✘ and the Latin letters the first lacks). They come
after the system's faces in the chain, so a full system CJK font, which has every kanji a
name may use, wins whenever one is installed.
:func:`deskready.resources.fonts.register_bundled_fonts` adds them to Qt (the GUI calls it
too).

Nothing is ever drawn as a box: :func:`require_drawable` finds a character no face at hand
has and raises :class:`MissingGlyphError`, so the PDF is not written (docs/report.md, "Fonts").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QFontDatabase, QImage, QPaintDevice, QTextLayout

from deskready.checks.i18n import _
from deskready.report.files import ReportFileError
from deskready.resources import fonts as bundled
from deskready.resources.fonts import register_bundled_fonts

LATIN = ("Segoe UI", "Helvetica Neue", "Arial", "Noto Sans", "DejaVu Sans", "Liberation Sans")
CJK = {
    "ja": ("Noto Sans CJK JP", "Source Han Sans JP", "Yu Gothic", "Meiryo", "Hiragino Sans"),
    "zh": ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC"),
    "zh_tw": ("Noto Sans CJK TC", "Source Han Sans TC", "Microsoft JhengHei", "PingFang TC"),
    "ko": ("Noto Sans CJK KR", "Source Han Sans KR", "Malgun Gothic", "Apple SD Gothic Neo"),
}
#: Faces with ✔ ✘ ⚠ when the Latin face lacks them (Segoe UI and Arial do).
SYMBOLS = ("DejaVu Sans", "Segoe UI Symbol", "Apple Symbols", "Noto Sans Symbols2")
MONO = ("Consolas", "Menlo", "DejaVu Sans Mono", "Liberation Mono", "Courier New")
#: The faces deskready ships, tried after the system's (see the module docstring).
BUNDLED_CJK = bundled.CJK_FAMILY
BUNDLED_EXTRA = bundled.EXTRA_FAMILY


def fallback_chain(language: str, available: set[str]) -> list[str]:
    """Installed families in the order Qt should try them for ``language``'s text."""
    lang = language.replace("-", "_").lower()
    first = "zh_tw" if lang in ("zh_tw", "zh_hk") else lang.split("_")[0]
    cjk_order = [first, *[key for key in CJK if key != first]]
    cjk = [family for key in cjk_order if key in CJK for family in CJK[key]]
    wanted = [*LATIN, *cjk, BUNDLED_CJK, *SYMBOLS, BUNDLED_EXTRA]
    chain: list[str] = []
    for family in wanted:
        if family in available and family not in chain:
            chain.append(family)
    return chain


@dataclass(frozen=True)
class FontSet:
    """The three faces the report uses, built once per rendering."""

    families: tuple[str, ...]
    mono_families: tuple[str, ...]

    def font(self, size_pt: float, *, bold: bool = False, mono: bool = False) -> QFont:
        """A font of ``size_pt`` points with the whole fallback chain attached."""
        font = QFont()
        families = [*self.mono_families, *self.families] if mono else list(self.families)
        if families:
            font.setFamilies(families)
        font.setPointSizeF(size_pt)
        font.setBold(bold)
        # Kerning only; hinting is meaningless in a vector PDF and shifts glyph advances.
        font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        # No ligatures: an "fi" glyph extracts as U+FB01, so "office" would not be found by
        # search, copy-paste or the verifier.
        font.setFeature(QFont.Tag("liga"), 0)
        return font


def font_set(language: str) -> FontSet:
    """Pick the report's fonts for ``language`` from what this system has installed.

    Needs a running QGuiApplication (see :func:`deskready.pdf.qt.ensure_qt_app`).
    """
    register_bundled_fonts()
    available = set(QFontDatabase.families())
    chain = fallback_chain(language, available)
    mono = [family for family in MONO if family in available]
    return FontSet(tuple(chain), tuple(mono))


class MissingGlyphError(ReportFileError):
    """A character of the report is in none of the fonts at hand: the PDF would show a box."""

    def __init__(self, char: str, text: str) -> None:
        self.char = char
        self.text = text
        shown = text if len(text) <= 60 else text[:57] + "…"
        super().__init__(
            _(
                "The PDF cannot show “{char}” (U+{code}) in “{text}”: no font on this "
                "computer has that character. Install a font that has it (on Debian or "
                "Ubuntu: sudo apt install fonts-noto) or change the text that contains it."
            ).format(char=char, code=f"{ord(char):04X}", text=shown)
        )


#: Characters drawn as nothing, whatever the font: spaces, controls, format characters
#: (soft hyphen, zero-width space, joiners) and variation selectors.
_INVISIBLE = ("Cc", "Cf", "Zs", "Zl", "Zp")

_verdicts: dict[tuple[str, ...], bool] = {}
_probe_device: QImage | None = None


def _laid_out(text: str, font: QFont, device: QPaintDevice) -> QTextLayout:
    layout = QTextLayout(text, font, device)
    layout.beginLayout()
    line = layout.createLine()
    if line.isValid():
        line.setLineWidth(1e9)
        line.setPosition(QPointF(0.0, 0.0))
    layout.endLayout()
    return layout


def _has_box(layout: QTextLayout) -> bool:
    """True if Qt drew a glyph 0 (.notdef, the empty box) anywhere in ``layout``."""
    return any(0 in run.glyphIndexes() for run in layout.glyphRuns())


def _invisible(char: str) -> bool:
    code = ord(char)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return True
    return unicodedata.category(char) in _INVISIBLE


def drawable(char: str, font: QFont, device: QPaintDevice | None = None) -> bool:
    """Whether Qt draws ``char`` in ``font`` (its family list and Qt's own fallback, the
    chain the painter uses) with a real glyph rather than the .notdef box."""
    if _invisible(char):
        return True
    key = (*(font.families() or [font.family()]), str(font.bold()), str(font.italic()), char)
    verdict = _verdicts.get(key)
    if verdict is None:
        global _probe_device
        if device is None:
            if _probe_device is None:
                _probe_device = QImage(8, 8, QImage.Format.Format_ARGB32)
            device = _probe_device
        verdict = _verdicts[key] = not _has_box(_laid_out(char, font, device))
    return verdict


def require_drawable(
    text: str,
    font: QFont,
    device: QPaintDevice | None = None,
    layout: QTextLayout | None = None,
) -> None:
    """Raise :class:`MissingGlyphError` if some character of ``text`` would be a box.

    ``layout``, when given, is ``text`` already laid out in ``font``: only if Qt put a
    .notdef glyph in it are the characters checked one by one, to name the culprit.

    Raises:
        MissingGlyphError: naming the first character no font at hand has.
    """
    if layout is not None and not _has_box(layout):
        return
    for char in dict.fromkeys(text):
        if not drawable(char, font, device):
            raise MissingGlyphError(char, text)


def require_all_drawable(
    texts: Iterable[tuple[str, QFont]], device: QPaintDevice | None = None
) -> None:
    """:func:`require_drawable` for each (text, font) pair."""
    for text, font in texts:
        require_drawable(text, font, device)
