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
import re
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
    # numpy's packages the audio checks never use (checks/audio/levels.py: array
    # arithmetic only) and numpy imports only on first use: random numbers and FFT (3.3 MB
    # with their compiled modules), masked arrays, polynomials, the test helpers (and
    # through them unittest's doctest and pdb).
    "numpy.random",
    "numpy.fft",
    "numpy.ma",
    "numpy.polynomial",
    "numpy.testing",
    "numpy._core._multiarray_tests",
    # setuptools, and what only it imports (PyInstaller's setuptools hook follows it from
    # the build venv): a build tool, never imported by the app.
    "setuptools",
    "_distutils_hack",
    "pkg_resources",
    "distutils",
    "packaging",
    # Interactive-interpreter helpers: line editing (readline, with libreadline and
    # libtinfo), the help() browser and its topics, rich's Markdown renderer (deskready
    # prints Text only), and decimal's pure-Python fallback (the C _decimal is bundled).
    "readline",
    "pydoc",
    "pydoc_data",
    "rich.markdown",
    "markdown_it",
    "mdurl",
    "_pydecimal",
    # Concurrency deskready does not use: its runner uses threads (concurrent.futures'
    # thread pool), never asyncio or processes; without multiprocessing PyInstaller also
    # leaves out its runtime hook, which imported it at every start.
    "asyncio",
    "multiprocessing",
    "concurrent.futures.process",
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
    # JPEG too: icon themes are PNG, SVG or XPM (freedesktop.org Icon Theme Specification,
    # "File Formats"), and deskready's own images are SVG.
    "PySide6/*plugins/imageformats/*qjpeg*",
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
    # Python's codecs for Chinese and Korean legacy encodings (GBK, Big5, EUC-KR...):
    # deskready reads and writes UTF-8; Japanese's (Shift_JIS, EUC-JP) stay. Without them
    # such an encoding name is "unknown encoding", as for any codec Python lacks.
    "*_codecs_cn.*",
    "*_codecs_hk.*",
    "*_codecs_kr.*",
    "*_codecs_tw.*",
    # Libraries assumed on every Linux desktop and better taken from it, each with its
    # reason in the AppImage project's exclude list (AppImageCommunity/pkg2appimage,
    # excludelist): X11 and xcb must match the system's X libraries ("undefined symbol:
    # xcb_wait_for_reply64" on Fedora); fontconfig and freetype must read the system's
    # font configuration (a bundled fontconfig stalls on a newer one); libstdc++, libgcc_s,
    # libgpg-error, libexpat, libuuid and zlib are part of the base system, and a bundled
    # libstdc++ older than the system's breaks the system's own plugins ("GLIBCXX_3.4.21
    # not found"). docs/packaging.md lists what the bundle needs from the system.
    "libX11.so*",
    "libX11-xcb.so*",
    "libxcb.so.1*",
    "libfontconfig.so*",
    "libfreetype.so*",
    "libstdc++.so*",
    "libgcc_s.so*",
    "libgpg-error.so*",
    "libexpat.so*",
    "libuuid.so*",
    "libz.so*",
    # D-Bus's client library: every desktop has it (the session bus's daemon, PulseAudio,
    # PipeWire, BlueZ and the accessibility bus link it), and the bundled copy drags in
    # libsystemd with its compression and crypto libraries (2.7 MB) that a system's own
    # libdbus, built for that system, may not even use.
    "libdbus-1.so*",
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
    return (
        from_python
        or (base.startswith("libicu") and "PySide6" in _norm(dest))
        or _norm(dest) in UNPATCHED_WHEEL_BINARIES
    )


#: Wheel binaries that keep their symbol table and were not edited by patchelf (no RPATH:
#: auditwheel had nothing to graft), so strip is safe: cryptography's Rust core carries a
#: 2.9 MB symbol table.
UNPATCHED_WHEEL_BINARIES = ("cryptography/hazmat/bindings/_rust.abi3.so",)


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


# -- ICU ------------------------------------------------------------------------------
#
# The Linux Qt wheel's libQt6Core links ICU, whose data library (libicudata, 32 MB) holds
# every ICU service for every locale. Qt calls only a few ICU functions (``nm -D
# --undefined-only`` on the Qt libraries and plugins lists them): case mapping
# (u_strToUpper/Lower), collation (ucol_*), time-zone names (ucal_getTimeZoneDisplayName,
# ucal_getCanonicalTimeZoneID) and converters by name (ucnv_*). So the bundle's
# libicudata is rebuilt with the data those need, for the languages deskready speaks.

#: ICU data trees Qt reads through the functions above: collation and time-zone names.
ICU_TREES_KEPT = ("coll", "zone")
#: Top-level data of ICU services Qt never calls: character names (u_charName), spoof
#: detection (uspoof), StringPrep profiles (usprep), IDNA (uidna; Qt has its own), and the
#: emoji and Indic layout properties (read by break iterators, which Qt does not use).
ICU_UNUSED_FILES = ("unames.icu", "confusables.cfu", "uts46.nrm", "ulayout.icu", "uemoji.icu")


def icu_item_wanted(name: str) -> bool:
    """Whether an item of ICU's data package (``icupkg -l`` names: ``de_AT.res``,
    ``coll/ja.res``, ``brkitr/cjdict.dict``, ``ibm-943_P15A-2003.cnv``) stays.

    Kept: the top level (locale data, likely subtags, time-zone rules, normalisation and
    property files) and :data:`ICU_TREES_KEPT`, each for the locales of LANGUAGES (with
    their regional variants) and root. Left out: other languages; the trees of services
    Qt never calls (break iterators and their dictionaries, transliteration, currency,
    language, region and unit names, spelled-out numbers); and the legacy-encoding
    converter tables (Qt 6 reads and writes UTF-8 and UTF-16 with its own code, and
    deskready asks Qt for no other encoding; the alias table stays, so a name still
    resolves and an unknown table fails as "unsupported encoding", not a crash).
    """
    parts = name.split("/")
    stem, _dot, ext = parts[-1].rpartition(".")
    if ext in ("cnv", "spp") or parts[-1] in ICU_UNUSED_FILES:
        return False
    if len(parts) > 1 and parts[0] not in ICU_TREES_KEPT:
        return False
    if ext == "res" and stem != "res_index" and re.fullmatch(r"[a-z]{2,3}(_\w*)?", stem):
        return stem.split("_", 1)[0] in LANGUAGES
    return True  # root, pool, res_index, supplemental data, .icu/.nrm/.spp files


def _icu_data_symbol(library: Path) -> tuple[str, int, int]:
    """(symbol, file offset, size) of the data blob libicudata exports (``icudtNN_dat``)."""
    out = subprocess.run(
        ["readelf", "-sW", "--dyn-syms", str(library)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    match = re.search(
        r":\s*([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+\S+\s+\d+\s+(icudt\d+_dat)", out
    )
    if match is None:
        raise SystemExit(f"{library} exports no icudt*_dat symbol; ICU's layout changed")
    address, size, symbol = int(match[1], 16), int(match[2], 0), match[3]
    sections = subprocess.run(
        ["readelf", "-SW", str(library)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    for line in sections.splitlines():  # file offset of the section holding the address
        fields = line.replace("[ ", "[").split()
        if len(fields) > 5 and fields[1].startswith("."):
            start, offset, length = int(fields[3], 16), int(fields[4], 16), int(fields[5], 16)
            if start <= address < start + length:
                return symbol, offset + address - start, size
    raise SystemExit(f"cannot find {symbol} in the sections of {library}")


def trim_icu_data(binaries: list[Entry], workdir: str) -> list[Entry]:
    """Linux: the entries, with the Qt wheel's libicudata replaced by one holding only the
    data :func:`icu_item_wanted` keeps (32 MB -> 3.6 MB, measured in docs/packaging.md).

    The blob is cut out of the library, filtered with ICU's own ``icupkg`` (package
    icu-devtools), and linked back under the same soname and symbol with binutils. Without
    icupkg the library is kept whole, with a warning (the bundle is larger, not broken).
    """
    if not sys.platform.startswith("linux"):
        return binaries
    index = next(
        (i for i, e in enumerate(binaries) if _base(e[0]).startswith("libicudata.so")), None
    )
    if index is None:
        return binaries
    if shutil.which("icupkg") is None:
        print("bundle_filter: icupkg not found (apt install icu-devtools); ICU data kept whole")
        return binaries
    dest, src, kind = binaries[index]
    out_dir = Path(workdir) / "icu"
    target = out_dir / _base(dest)
    source = Path(src)
    if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
        _rebuild_icu_data(source, out_dir, target)
    return [*binaries[:index], (dest, str(target), kind), *binaries[index + 1 :]]


def _rebuild_icu_data(source: Path, out_dir: Path, target: Path) -> None:
    def run(*args: str) -> str:
        return subprocess.run(
            list(args), capture_output=True, text=True, timeout=300, check=True, cwd=out_dir
        ).stdout

    symbol, offset, size = _icu_data_symbol(source)
    # icupkg takes the package name from the file name: icudt73l (l: little-endian).
    package = symbol.removesuffix("_dat") + ("l" if sys.byteorder == "little" else "b")
    (out_dir / "kept").mkdir(parents=True, exist_ok=True)
    with source.open("rb") as library:
        library.seek(offset)
        (out_dir / f"{package}.dat").write_bytes(library.read(size))
    items = run("icupkg", "-l", f"{package}.dat").split()
    dropped = [item for item in items if not icu_item_wanted(item)]
    (out_dir / "dropped.txt").write_text("\n".join(dropped) + "\n", encoding="utf-8")
    kept = f"kept/{package}.dat"
    (out_dir / kept).unlink(missing_ok=True)
    run("icupkg", "-r", "dropped.txt", f"{package}.dat", kept)
    # The blob as a read-only, 16-byte aligned object exporting the same symbol
    # (ICU's udata checks the alignment), then a shared library with the same soname.
    run("ld", "-r", "-b", "binary", "-o", "blob.o", kept)
    binary = "_binary_" + re.sub(r"[^A-Za-z0-9]", "_", kept)
    run(
        "objcopy",
        "--rename-section", ".data=.rodata,alloc,load,readonly,data,contents",
        "--set-section-alignment", ".rodata=16",
        "--redefine-sym", f"{binary}_start={symbol}",
        "--strip-symbol", f"{binary}_end",
        "--strip-symbol", f"{binary}_size",
        "blob.o",
    )  # fmt: skip
    soname = re.search(r"SONAME.*\[(.*)\]", run("readelf", "-d", str(source)))
    if soname is None:
        raise SystemExit(f"{source} has no SONAME")
    run("ld", "-shared", "-soname", soname[1], "-o", str(target), "blob.o")
