"""Repair the text layer Qt writes, so copied and extracted text equals the drawn text.

Qt builds each font's ToUnicode map by giving every glyph the *lowest* code point that
maps to it (``QFontSubset::getReverseMap``). Where a font shares one glyph between several
code points the text layer then lies: CJK fonts draw 田 (U+7530) and the Kangxi radical ⽥
(U+2F65) with the same glyph, so a Japanese name extracts as "⽥中"; DejaVu shares the space
glyph with TAB, so every space extracts as a tab. Search, copy-paste, screen readers and
``deskready report verify`` all read this layer, so each such mapping is rewritten to the
ordinary character (NFKC of the radical, a space for the tab). pypdf rewrites the file
(its incremental mode wrote a trailer ``qpdf --check`` warns about).
"""

from __future__ import annotations

import io
import re
import unicodedata

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, StreamObject

_TOKEN = re.compile(r"<([0-9A-Fa-f]{4})>")
_RANGE = re.compile(r"^(\s*<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*)(.*)$")
_CHAR = re.compile(r"^(\s*<[0-9A-Fa-f]+>\s*)(<[0-9A-Fa-f]+>\s*)$")


def fix_code_point(code: int) -> int:
    """The code point a reader should get for a glyph Qt mapped to ``code``."""
    if code == 0x0009:
        return 0x0020
    if 0x2E80 <= code <= 0x2FDF:  # CJK radicals: the unified ideograph is what was typed
        normal = unicodedata.normalize("NFKC", chr(code))
        if len(normal) == 1:
            return ord(normal)
    return code


def _fix_tokens(part: str) -> str:
    return _TOKEN.sub(lambda m: f"<{fix_code_point(int(m.group(1), 16)):04X}>", part)


def fix_cmap(cmap: str) -> str:
    """Rewrite the destination code points of a ToUnicode CMap (sources stay as they are)."""
    out: list[str] = []
    section = ""
    for line in cmap.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.endswith(("beginbfrange", "beginbfchar")):
            section = stripped.split()[-1]
        elif stripped in ("endbfrange", "endbfchar"):
            section = ""
        elif section == "beginbfrange" and (match := _RANGE.match(line)):
            line = match.group(1) + _fix_tokens(match.group(2))
            line += "\n" if not line.endswith("\n") else ""
        elif section == "beginbfchar" and (match := _CHAR.match(line)):
            line = match.group(1) + _fix_tokens(match.group(2))
        out.append(line)
    return "".join(out)


def fix_text_layer(pdf: bytes) -> bytes:
    """Return ``pdf`` with every font's ToUnicode map repaired (unchanged if none needs it)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    changed = False
    seen: set[int] = set()
    for page in writer.pages:
        fonts = page.get("/Resources", DictionaryObject()).get_object().get("/Font")
        if fonts is None:
            continue
        for ref in fonts.get_object().values():
            font = ref.get_object()
            target = font.get("/ToUnicode")
            if target is None or id(target.get_object()) in seen:
                continue
            stream = target.get_object()
            seen.add(id(stream))
            if not isinstance(stream, StreamObject):
                continue
            cmap = stream.get_data().decode("latin-1")
            fixed = fix_cmap(cmap)
            if fixed != cmap:
                stream.set_data(fixed.encode("latin-1"))
                changed = True
    if not changed:
        return pdf
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
