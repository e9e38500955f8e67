"""The fonts deskready ships, for machines without a CJK face (docs/report.md, "Fonts").

``DeskreadySansCJK-*.otf`` is a subset of Noto Sans CJK JP, ``DeskreadySansExtra-Regular.ttf``
one of DejaVu Sans (licenses beside them); ``scripts/build_font_subset.py`` makes them from
the catalogues. A package of its own, without Qt at import and outside ``deskready.pdf``,
so the GUI registers the fonts at start-up without importing the PDF code.
"""

from __future__ import annotations

from pathlib import Path

from deskready.resources import resource

CJK_FAMILY = "Deskready Sans CJK"
EXTRA_FAMILY = "Deskready Sans Extra"
FILES = (
    "DeskreadySansCJK-Regular.otf",
    "DeskreadySansCJK-Bold.otf",
    "DeskreadySansExtra-Regular.ttf",
)

_registered: tuple[str, ...] | None = None


def font_files() -> list[Path]:
    """The bundled font files present (a source checkout, a wheel or the bundle)."""
    folder = resource("fonts")
    return [Path(str(folder / name)) for name in FILES if (folder / name).is_file()]


def register_bundled_fonts() -> tuple[str, ...]:
    """Add the bundled faces to Qt's font database, once per process; their families.

    Needs a running QGuiApplication. They rank after the system's faces: the report names
    them last in its chain (``deskready.pdf.fonts``), and fontconfig's fallback prefers a
    face that covers all of Japanese. When the system has no Japanese face at all, they
    also become substitutes of the platform's default font, which the GUI's widgets use:
    fontconfig's fallback (Linux) finds application fonts anyway, Qt's own fallback on
    Windows and macOS does not. (PySide6 does not wrap
    ``QFontDatabase.addApplicationFallbackFontFamily``, which takes a ``QChar.Script``.)
    """
    global _registered
    if _registered is not None:
        return _registered
    from PySide6.QtGui import QFont, QFontDatabase

    families: list[str] = []
    for path in font_files():
        font_id = QFontDatabase.addApplicationFont(str(path))
        for family in QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []:
            if family not in families:
                families.append(family)
    japanese = set(QFontDatabase.families(QFontDatabase.WritingSystem.Japanese))
    if families and not japanese - set(families):
        default = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont).family()
        QFont.insertSubstitutions(default, families)
    _registered = tuple(families)
    return _registered
