"""Renders resources/icons/deskready.svg into the icon files Windows and macOS want.

Windows wants a multi-size ``.ico``; macOS wants an ``.iconset`` folder of PNGs that
``iconutil`` (part of macOS) turns into ``.icns``. Linux uses the SVG as it is. Qt renders
the SVG, so nothing beyond the build venv is needed. Run with the build venv's Python:

    python packaging/build_icons.py OUT_DIR     # writes deskready.ico and deskready.iconset/
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SVG = Path(__file__).resolve().parent.parent / "resources" / "icons" / "deskready.svg"
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
#: iconutil's file names: icon_<n>x<n>[@2x].png for n in 16, 32, 128, 256, 512.
ICONSET = {f"icon_{n}x{n}.png": n for n in (16, 32, 128, 256, 512)} | {
    f"icon_{n}x{n}@2x.png": 2 * n for n in (16, 32, 128, 256, 512)
}


def render_png(renderer: QSvgRenderer, size: int, path: Path) -> bytes:
    """Draw the SVG on a transparent ``size`` x ``size`` square, save it as PNG at ``path``."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(path)):
        raise SystemExit(f"could not write {path}")
    return path.read_bytes()


def pack_ico(images: dict[int, bytes]) -> bytes:
    """A Windows ``.ico`` holding PNG-compressed images (Windows Vista and later read them)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = [], []
    for size, png in sorted(images.items()):
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset))
        blobs.append(png)
        offset += len(png)
    return header + b"".join(entries) + b"".join(blobs)


def main(argv: list[str]) -> int:
    """Write ``deskready.ico`` and ``deskready.iconset/`` into the folder given."""
    if len(argv) != 1:
        print("usage: build_icons.py OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (kept alive)
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    iconset = out / "deskready.iconset"
    pngs = out / "png"
    iconset.mkdir(parents=True, exist_ok=True)
    pngs.mkdir(exist_ok=True)
    rendered = {
        size: render_png(renderer, size, pngs / f"{size}.png")
        for size in {*ICO_SIZES, *ICONSET.values()}
    }
    (out / "deskready.ico").write_bytes(pack_ico({size: rendered[size] for size in ICO_SIZES}))
    for name, size in ICONSET.items():
        (iconset / name).write_bytes(rendered[size])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
