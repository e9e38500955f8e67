"""Fonts for the report: a Latin face first, then CJK faces, then a symbol face.

Agents are international, so any name, advice or translation may be Japanese, Chinese or
Korean. Qt's automatic fallback depends on the platform's font configuration and can land
on a face without the glyphs (tofu boxes in the PDF), so the report names its own fallback
chain from families known to exist on Windows, macOS and Debian (``fonts-noto-cjk``). The
CJK face matching the report's language goes first, because the same code point is drawn
differently in Japanese and Chinese typography.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont, QFontDatabase

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


def fallback_chain(language: str, available: set[str]) -> list[str]:
    """Installed families in the order Qt should try them for ``language``'s text."""
    lang = language.replace("-", "_").lower()
    first = "zh_tw" if lang in ("zh_tw", "zh_hk") else lang.split("_")[0]
    cjk_order = [first, *[key for key in CJK if key != first]]
    wanted = [*LATIN[:], *[f for key in cjk_order if key in CJK for f in CJK[key]], *SYMBOLS]
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
    available = set(QFontDatabase.families())
    chain = fallback_chain(language, available)
    mono = [family for family in MONO if family in available]
    return FontSet(tuple(chain), tuple(mono))
