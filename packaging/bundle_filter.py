"""What the bundle leaves out, strips and must not lack: the rules deskready.spec applies.

Kept apart from the spec so each rule is written once, with its reason, and can be tested
and measured. Paths are bundle paths (relative to the ``_internal`` folder, forward
slashes); ``*`` also matches ``/``, so ``PySide6/*plugins/...`` fits both Qt layouts
(``PySide6/Qt/plugins`` on Linux and macOS, ``PySide6/plugins`` on Windows). Measured
effects are in docs/packaging.md.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

#: (bundle path, source path, PyInstaller type code), as in ``Analysis.binaries``.
Entry = tuple[str, str, str]

#: The languages deskready speaks (deskready.checks.i18n.LANGUAGES): Qt's and babel's data for
#: other languages stays out.
LANGUAGES = ("en", "ja", "de", "nl", "ms")

#: Python modules deskready never imports, which PyInstaller would otherwise follow.
EXCLUDED_MODULES: list[str] = [
    "tkinter",  # the standard library's other GUI toolkit
    "_tkinter",
    # The PySide6 package hook pulls these in; deskready uses only QtCore, QtGui, QtWidgets
    # (and QtSvg's library through the SVG plugins). QtNetwork brings OpenSSL-backed TLS
    # and network-information plugins with it. libQt6DBus itself stays: QtGui links it.
    "PySide6.QtNetwork",
    "PySide6.QtDBus",
    # Optional imports of libraries we use, never reached by deskready: rich's syntax
    # highlighting (pygments, 1.7 MB of lexers), numpy's Fortran wrapper generator, and
    # pydantic's 1.x compatibility layer.
    "pygments",
    "numpy.f2py",
    "pydantic.v1",
    # pydantic's mypy plugin, which runs inside mypy only; PyInstaller follows it into mypy
    # itself (4 MB of compiled modules) when the build venv is the test venv, which has mypy.
    "pydantic.mypy",
    "mypy",
    # The employer's hub is a server (the `hub` extra), never part of the agent's app;
    # `deskready hub` in the bundle says it needs the extra. PyInstaller would otherwise
    # follow the CLI's lazy imports into it and its server libraries (40 MB).
    "deskready.hub",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "psycopg",
    "psycopg_binary",
    "argon2",
    "jinja2",
    "yaml",
    # Test and build tools of the venv the bundle is built from, reached only by optional
    # imports: the font subsetter (scripts/build_font_subset.py) and the test libraries.
    "fontTools",
    "httpx",
    "schemathesis",
    "hypothesis",
    "pytest",
]

#: Bundle paths left out after analysis. Each group says why it is safe.
EXCLUDED_FILES: list[str] = [
    # Qt's own translations for languages deskready does not speak (KEPT_FILES keeps ours).
    "PySide6/*translations/*.qm",
    # Platform plugins for embedded devices and remote framebuffers; a desktop uses xcb or
    # wayland (Linux), windows, or cocoa, and the tests use offscreen.
    "PySide6/*plugins/platforms/*qlinuxfb*",
    "PySide6/*plugins/platforms/*qvnc*",
    "PySide6/*plugins/platforms/*qvkkhrdisplay*",
    "PySide6/*plugins/platforms/*qeglfs*",
    "PySide6/*plugins/platforms/*qminimal*",
    "PySide6/*plugins/platforms/*qdirect2d*",
    "PySide6/*plugins/egldeviceintegrations/*",
    "PySide6/*plugins/generic/*",  # evdev and TUIO touch input, only for eglfs/linuxfb
    # The GTK 3 theme plugin only loads where GTK 3 is installed, and then must use that
    # GTK's own glib, cairo and pango, not older copies from the bundle. File dialogs still
    # follow the desktop through the xdg-desktop-portal theme plugin, which is kept.
    "PySide6/*plugins/platformthemes/*qgtk3*",
    # Image formats deskready never reads or writes (its images are SVG; JPEG, GIF, ICO
    # and PNG, built in, stay for whatever an icon theme offers).
    "PySide6/*plugins/imageformats/*qwebp*",
    "PySide6/*plugins/imageformats/*qtiff*",
    "PySide6/*plugins/imageformats/*qtga*",
    "PySide6/*plugins/imageformats/*qwbmp*",
    "PySide6/*plugins/imageformats/*qicns*",
    "PySide6/*plugins/imageformats/*qpdf*",
    # Wayland: the compositor side, and shells other than xdg-shell (which every desktop
    # compositor speaks); ivi, fullscreen, wl-shell and qt-shell are for embedded systems.
    "PySide6/*plugins/wayland-graphics-integration-client/*-server*",
    "PySide6/*plugins/wayland-shell-integration/*ivi-shell*",
    "PySide6/*plugins/wayland-shell-integration/*fullscreen-shell*",
    "PySide6/*plugins/wayland-shell-integration/*wl-shell*",
    "PySide6/*plugins/wayland-shell-integration/*qt-shell*",
    # Linux: ALSA must be the system's own, because the plugins that route it to PulseAudio
    # or PipeWire are the system's and are built against the system's libasound. Every
    # Linux desktop has libasound2.
    "libasound.so*",
]

#: Exceptions to EXCLUDED_FILES.
KEPT_FILES: list[str] = [
    f"PySide6/*translations/{prefix}_{lang}.qm" for prefix in ("qt", "qtbase") for lang in LANGUAGES
]

#: Bundle paths that must be there, or the build stops: what each is for.
REQUIRED_FILES: dict[str, list[str]] = {
    "PortAudio (on Debian/Ubuntu: apt install libportaudio2)": ["*portaudio*"],
    "deskready's entry-point metadata (the checks)": ["deskready*info/entry_points.txt"],
    "the bundled profiles": ["deskready/resources/profiles/typical.toml"],
    "the app icon": ["deskready/resources/icons/deskready.svg"],
    "the compiled translation catalogues": ["deskready/resources/translations/*/LC_MESSAGES/*.mo"],
    "the bundled fonts (without them Japanese is boxes)": ["deskready/resources/fonts/*.otf"],
    "Qt's SVG icon engine": ["PySide6/*plugins/iconengines/*qsvgicon*"],
    "Qt's platform plugin for this OS": [
        "PySide6/*plugins/platforms/*qxcb*",
        "PySide6/*plugins/platforms/*qwindows*",
        "PySide6/*plugins/platforms/*qcocoa*",
    ],
}


def _norm(path: str) -> str:
    return path.replace("\\", "/")


def _matches(path: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(_norm(path), pattern) for pattern in patterns)


def keep(toc: Iterable[Entry]) -> list[Entry]:
    """The entries not excluded by EXCLUDED_FILES (or rescued by KEPT_FILES)."""
    return [
        entry
        for entry in toc
        if _matches(entry[0], KEPT_FILES) or not _matches(entry[0], EXCLUDED_FILES)
    ]


def check_required(*tocs: Iterable[Entry]) -> None:
    """Stop the build, naming what is missing, if a required file was not collected."""
    names = [_norm(entry[0]) for toc in tocs for entry in toc]
    missing = [
        what
        for what, patterns in REQUIRED_FILES.items()
        if not any(fnmatch.filter(names, pattern) for pattern in patterns)
    ]
    if missing:
        raise SystemExit("The bundle would lack " + "; ".join(missing) + ". Build stopped.")


def _elf_needed(path: str) -> set[str]:
    """The sonames an ELF file links against (``objdump -p``, which PyInstaller needs too)."""
    out = subprocess.run(
        ["objdump", "-p", path], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    return {line.split()[1] for line in out.splitlines() if line.strip().startswith("NEEDED")}


def _is_root(dest: str) -> bool:
    """Loaded by name at run time rather than as another library's dependency."""
    name = _norm(dest)
    base = name.rsplit("/", 1)[-1]
    return (
        ".cpython-" in base  # extension modules
        or base.endswith(".abi3.so")
        or "/plugins/" in name  # Qt plugins
        or base.startswith("libpython")  # the bootloader opens it
        or "portaudio" in base  # sounddevice opens it through ctypes
    )


def _base(path: str) -> str:
    return _norm(path).rsplit("/", 1)[-1]


def prune_unneeded(binaries: list[Entry], datas: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """Linux: drop shared libraries that nothing left in the bundle links against.

    PyInstaller collects the dependencies of every plugin it collects; once a plugin is
    excluded above, the libraries only it needed (for the GTK theme: cairo, pango, gio and
    more) would stay behind unused. Starting from what is loaded by name (extension
    modules, Qt plugins, libpython, PortAudio), this keeps exactly the libraries reachable
    through ELF ``NEEDED`` entries, and the symlinks PyInstaller made to them.
    """
    if not sys.platform.startswith("linux"):
        return binaries, datas
    real = [entry for entry in binaries if entry[2] != "SYMLINK"]
    links = [entry for entry in [*binaries, *datas] if entry[2] == "SYMLINK"]
    libs = {_base(dest): src for dest, src, _kind in real}
    alias = {_base(dest): _base(target) for dest, target, _kind in links}
    wanted: set[str] = set()
    queue = [src for dest, src, _kind in real if _is_root(dest)]
    done: set[str] = set()
    while queue:
        src = queue.pop()
        if src in done:
            continue
        done.add(src)
        for soname in _elf_needed(src):
            name = alias.get(soname, soname)
            if name in libs and name not in wanted:
                wanted.add(name)
                queue.append(libs[name])
    kept_names = {
        _norm(dest) for dest, _src, _kind in real if _is_root(dest) or _base(dest) in wanted
    }

    def kept(entry: Entry) -> bool:
        if entry[2] == "SYMLINK":
            return _norm(entry[1]) in kept_names
        return _norm(entry[0]) in kept_names

    return [e for e in binaries if kept(e)], [e for e in datas if e[2] != "SYMLINK" or kept(e)]


def wanted_babel_data(path: str) -> bool:
    """Babel's files outside ``locale-data/``, and the locales of LANGUAGES.

    A locale's regional variants (en_GB, de_AT, ...) stay, because the system locale may
    name one, and so does ``root``, which every locale inherits from.
    """
    file = Path(path)
    if file.parent.name != "locale-data" or file.suffix != ".dat":
        return True
    stem = file.stem
    return stem == "root" or any(stem == lang or stem.startswith(f"{lang}_") for lang in LANGUAGES)


def _strippable(dest: str, src: str) -> bool:
    """Linux: binaries safe to strip and worth it (measured in docs/packaging.md).

    The Python installation's own libpython and extension modules carry debug symbols
    (libpython: 22 MB, 5.5 MB stripped), and so do ICU's libraries in the Qt wheel. Wheels
    repaired by auditwheel (numpy's) are left alone: strip can corrupt patchelf-edited files.
    """
    base = _norm(dest).rsplit("/", 1)[-1]
    from_python = Path(src).resolve().is_relative_to(Path(sys.base_prefix).resolve())
    return from_python or (base.startswith("libicu") and "PySide6" in _norm(dest))


def strip_debug(binaries: list[Entry], workdir: str) -> list[Entry]:
    """Linux: the entries, with debug symbols stripped from copies of the strippable ones."""
    if not sys.platform.startswith("linux") or shutil.which("strip") is None:
        return binaries
    out_dir = Path(workdir) / "stripped"
    result: list[Entry] = []
    for dest, src, kind in binaries:
        if kind not in ("BINARY", "EXTENSION") or not _strippable(dest, src):
            result.append((dest, src, kind))
            continue
        target = out_dir / _norm(dest)
        source = Path(src)
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            subprocess.run(["strip", "--strip-unneeded", str(target)], timeout=120, check=True)
        result.append((dest, str(target), kind))
    return result


def env(name: str) -> str | None:
    """An environment variable, or None when unset or empty."""
    return os.environ.get(name) or None


def report(binaries: Iterable[Entry], datas: Iterable[Entry], path: Path) -> None:
    """Write what the bundle holds (path, type, source) for looking into its size."""
    lines = sorted(f"{_norm(dest)}\t{kind}\t{src}" for dest, src, kind in [*binaries, *datas])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
