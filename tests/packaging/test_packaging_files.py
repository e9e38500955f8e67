"""The packaging files that cannot be exercised by a Linux build: Windows and macOS
metadata derived from the one version, the icon files, and the bundle filter's rules; the
one installed namespace (pyproject's package list, a wheel built from the repository, the
bundle's source layout); and the lock files against pyproject's ranges."""

from __future__ import annotations

import configparser
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tomllib
import types
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from deskready import __version__
from deskready.checks.i18n import LANGUAGES, SOURCE_LANGUAGE
from tests.conftest import ROOT
from tests.packaging.conftest import PACKAGING, load

appinfo = load("appinfo")
bundle_filter = load("bundle_filter")
source_tree = load("source_tree")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_DIR: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]


def test_version_comes_from_the_app():
    assert appinfo.version() == __version__
    assert appinfo.version_tuple("1.2.3rc1") == (1, 2, 3, 0)
    assert appinfo.version_tuple("2") == (2, 0, 0, 0)


def test_windows_version_resource_parses_and_carries_the_version(tmp_path, monkeypatch):
    compat = pytest.importorskip("PyInstaller.compat", reason="PyInstaller not installed")
    # The parser is pure Python; only reading a resource back from an .exe needs pefile and
    # win32api, which exist on Windows alone.
    monkeypatch.setitem(sys.modules, "pefile", types.ModuleType("pefile"))
    monkeypatch.setattr(compat, "win32api", types.ModuleType("win32api"), raising=False)
    monkeypatch.delitem(sys.modules, "PyInstaller.utils.win32.versioninfo", raising=False)
    from PyInstaller.utils.win32 import versioninfo

    path = tmp_path / "version_info.txt"
    path.write_text(appinfo.windows_version_resource(), encoding="utf-8")
    info = versioninfo.load_version_info_from_text_file(str(path))
    text = str(info)
    assert f"StringStruct('ProductVersion', '{__version__}')" in text
    major, minor, patch, build = appinfo.version_tuple(__version__)
    assert info.ffi.fileVersionMS == (major << 16) | minor
    assert info.ffi.fileVersionLS == (patch << 16) | build


def test_info_plist_has_the_keys_macos_needs():
    keys = appinfo.info_plist("6.11.3")
    plistlib.dumps(keys)  # every value is a plist type
    assert keys["NSMicrophoneUsageDescription"].strip()
    assert keys["CFBundleIdentifier"] == appinfo.APP_ID
    assert keys["CFBundleVersion"] == __version__
    assert keys["NSHighResolutionCapable"] is True
    assert keys["LSMinimumSystemVersion"] == "13.0"
    assert appinfo.macos_minimum("6.8.1") == "12.0"
    assert appinfo.macos_minimum("6.20.0") == "13.0"  # newer than we know: the newest known


def test_inno_setup_script_takes_the_version_and_keeps_its_app_id():
    iss = (PACKAGING / "windows" / "deskready.iss").read_text(encoding="utf-8")
    assert re.search(r"^#ifndef AppVersion\n\s*#error", iss, re.M)  # given by build.ps1
    assert re.search(r"^AppVersion=\{#AppVersion\}$", iss, re.M)
    assert re.search(r"^AppId=\{\{" + appinfo.WINDOWS_APP_GUID.upper() + "}$", iss, re.M)
    ps1 = (PACKAGING / "build.ps1").read_text(encoding="utf-8")
    assert "/DAppVersion=$version" in ps1
    assert "packaging\\appinfo.py version" in ps1


def test_no_packaging_file_types_a_version():
    """The version is written in app/__init__.py only."""
    for path in PACKAGING.rglob("*"):
        if path.is_file() and path.suffix not in (".py", ".pyc"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert __version__ not in text, f"{path} repeats the version {__version__}"


def test_metainfo_and_desktop_file_agree_on_the_app_id():
    assert (PACKAGING / "linux" / f"{appinfo.APP_ID}.desktop").is_file()
    xml = appinfo.metainfo()
    assert f"<id>{appinfo.APP_ID}</id>" in xml
    assert f'<release version="{__version__}" date="' in xml
    assert "@" not in xml


def test_icons_render_for_windows_and_macos(tmp_path):
    # A child process, as in the spec: the icons need a Qt application of their own.
    subprocess.run(
        [sys.executable, str(PACKAGING / "build_icons.py"), str(tmp_path)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        timeout=120,
        check=True,
    )
    build_icons = load("build_icons")
    ico = (tmp_path / "deskready.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00"
    assert int.from_bytes(ico[4:6], "little") == len(build_icons.ICO_SIZES)
    pngs = sorted(p.name for p in (tmp_path / "deskready.iconset").iterdir())
    assert pngs == sorted(build_icons.ICONSET)
    for name in pngs:
        assert (tmp_path / "deskready.iconset" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_filter_keeps_our_qt_translations_and_drops_the_rest():
    entries = [
        ("PySide6/Qt/translations/qtbase_ja.qm", "x", "DATA"),
        ("PySide6/Qt/translations/qtbase_fr.qm", "x", "DATA"),
        ("PySide6/translations/qt_de.qm", "x", "DATA"),  # the Windows layout
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "x", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", "x", "BINARY"),
        ("PySide6/plugins/imageformats/qwebp.dll", "x", "BINARY"),
        ("deskready/resources/profiles/typical.toml", "x", "DATA"),
    ]
    kept = [entry[0] for entry in bundle_filter.keep(entries)]
    assert kept == [
        "PySide6/Qt/translations/qtbase_ja.qm",
        "PySide6/translations/qt_de.qm",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "deskready/resources/profiles/typical.toml",
    ]


def test_filter_stops_a_build_that_lacks_portaudio():
    entries = [
        ("deskready-0.1.0.dist-info/entry_points.txt", "x", "DATA"),
        ("deskready/resources/profiles/typical.toml", "x", "DATA"),
        ("deskready/resources/icons/deskready.svg", "x", "DATA"),
        ("deskready/resources/translations/de/LC_MESSAGES/deskready.mo", "x", "DATA"),
        ("deskready/resources/fonts/DeskreadySansCJK-Regular.otf", "x", "DATA"),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", "x", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "x", "BINARY"),
    ]
    with pytest.raises(SystemExit, match="PortAudio"):
        bundle_filter.check_required(entries)
    bundle_filter.check_required([*entries, ("libportaudio.so.2", "x", "BINARY")])


def test_prune_keeps_what_is_linked_and_drops_orphans(monkeypatch):
    links = {
        "/s/ext.cpython-311-x86_64-linux-gnu.so": {"libQt6Core.so.6"},
        "/s/libQt6Core.so.6": {"libicuuc.so.73", "libc.so.6"},
        "/s/libicuuc.so.73": set(),
        "/s/libcairo.so.2": {"libpixman-1.so.0"},  # needed only by an excluded plugin
        "/s/libpixman-1.so.0": set(),
        "/s/libportaudio.so.2": {"libjack.so.0"},
        "/s/libjack.so.0": set(),
    }
    monkeypatch.setattr(bundle_filter, "_elf_needed", lambda src: links[src])
    monkeypatch.setattr(bundle_filter.sys, "platform", "linux")
    binaries = [
        (
            "ext.cpython-311-x86_64-linux-gnu.so",
            "/s/ext.cpython-311-x86_64-linux-gnu.so",
            "EXTENSION",
        ),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/s/libQt6Core.so.6", "BINARY"),
        ("PySide6/Qt/lib/libicuuc.so.73", "/s/libicuuc.so.73", "BINARY"),
        ("libcairo.so.2", "/s/libcairo.so.2", "BINARY"),
        ("libpixman-1.so.0", "/s/libpixman-1.so.0", "BINARY"),
        ("libportaudio.so.2", "/s/libportaudio.so.2", "BINARY"),
        ("libjack.so.0", "/s/libjack.so.0", "BINARY"),
    ]
    datas = [
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libcairo-link.so", "libcairo.so.2", "SYMLINK"),
        ("deskready/resources/os_support.toml", "/s/os_support.toml", "DATA"),
    ]
    kept, kept_datas = bundle_filter.prune_unneeded(binaries, datas)
    assert [entry[0] for entry in kept] == [
        "ext.cpython-311-x86_64-linux-gnu.so",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libicuuc.so.73",
        "libportaudio.so.2",
        "libjack.so.0",
    ]
    assert [entry[0] for entry in kept_datas] == [
        "libQt6Core.so.6",
        "deskready/resources/os_support.toml",
    ]


def test_icu_data_keeps_what_qt_calls_for_our_languages():
    wanted = bundle_filter.icu_item_wanted
    for kept in (
        "root.res", "pool.res", "res_index.res", "ja.res", "de_AT.res", "en_US_POSIX.res",
        "ms_Arab.res", "nl_BE.res", "coll/ja.res", "coll/root.res", "coll/ucadata.icu",
        "zone/de.res", "zone/pool.res", "likelySubtags.res", "supplementalData.res",
        "zoneinfo64.res", "metaZones.res", "cnvalias.icu", "nfkc.nrm",
    ):  # fmt: skip
        assert wanted(kept), kept
    for dropped in (
        "fr.res", "zh_Hant.res", "coll/zh.res", "zone/ko.res", "brkitr/cjdict.dict",
        "brkitr/ja.res", "translit/root.res", "curr/ja.res", "unit/de.res", "lang/en.res",
        "region/nl.res", "rbnf/ms.res", "ibm-943_P15A-2003.cnv", "unames.icu",
        "rfc3491.spp", "uts46.nrm",
    ):  # fmt: skip
        assert not wanted(dropped), dropped


def test_qt_calls_only_the_icu_services_the_trimmed_data_keeps():
    """The ICU data the bundle keeps is chosen by the ICU functions the Qt libraries and
    plugins import: a newer Qt that calls another ICU service (number formatting, break
    iterators...) must be looked at before it ships with data cut away."""
    import PySide6

    if shutil.which("nm") is None:
        pytest.skip("nm (binutils) is not installed; scripts/test.sh installs it")
    qt = Path(PySide6.__file__).parent / "Qt"
    libraries = [*(qt / "lib").glob("libQt6*.so.6"), *(qt / "plugins").glob("*/*.so")]
    called: set[str] = set()
    for library in libraries:
        out = subprocess.run(
            ["nm", "-D", "--undefined-only", str(library)],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout  # fmt: skip
        called |= {m[1] for m in re.finditer(r"\b(u[a-z]*_[A-Za-z]+)_\d+\b", out)}
    services = {name.split("_", 1)[0] for name in called} - {"UCNV"}
    assert services <= {"u", "ucal", "ucnv", "ucol"}, sorted(called)


def test_babel_data_only_for_our_languages():
    wanted = bundle_filter.wanted_babel_data
    assert wanted("/x/babel/locale-data/root.dat")
    assert wanted("/x/babel/locale-data/ja.dat")
    assert wanted("/x/babel/locale-data/en_GB.dat")
    assert wanted("/x/babel/locale-data/de_AT.dat")
    assert wanted("/x/babel/global.dat")
    assert not wanted("/x/babel/locale-data/fr.dat")
    assert not wanted("/x/babel/locale-data/nds.dat")  # not Dutch, though it starts with n


# -- one installed namespace -------------------------------------------------------------


def _package_dirs() -> dict[str, Path]:
    """Every folder with an ``__init__.py`` in the mapped source folders, by import name."""
    found = {}
    for name, folder in PACKAGE_DIR.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            rel = init.parent.relative_to(base).parts
            found[".".join((name, *rel))] = init.parent
    return found


def test_every_package_folder_is_listed_under_its_installed_name():
    """A package folder missing from pyproject's list would be left out of the wheel."""
    assert set(PACKAGE_DIR) == {"deskready", "deskready.checks", "deskready.resources"}
    assert PACKAGE_DIR == {
        "deskready": "app",
        "deskready.checks": "checks",
        "deskready.resources": "resources",
    }
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = _package_dirs()
    assert {
        "deskready.cli",
        "deskready.checks.audio",
        "deskready.resources.profiles",
    } <= found.keys()
    unlisted = sorted(
        f"{name} ({path.relative_to(ROOT)})" for name, path in found.items() if name not in listed
    )
    assert not unlisted, "add to [tool.setuptools] packages: " + ", ".join(unlisted)
    assert not sorted(listed - found.keys()), "listed, but no such package folder"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """A wheel built from a copy of the repository's sources (so that setuptools' build/
    and egg-info folders land in the copy, not in the shared work tree)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in PACKAGE_DIR.values():
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    out = work / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (built,) = out.glob("deskready-*.whl")
    return zipfile.ZipFile(built)


def _dist_info(wheel: zipfile.ZipFile, name: str) -> str | None:
    matches = [
        n for n in wheel.namelist() if re.fullmatch(r"deskready-[^/]+\.dist-info/" + name, n)
    ]
    return wheel.read(matches[0]).decode() if matches else None


def test_the_wheel_installs_one_import_package_deskready(wheel):
    names = wheel.namelist()
    top = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert top == {"deskready"}
    top_level = _dist_info(wheel, "top_level.txt")
    if top_level is not None:
        assert top_level.split() == ["deskready"]
    for module in (
        "deskready/__init__.py",
        "deskready/cli/main.py",
        "deskready/checks/api.py",
        "deskready/resources/__init__.py",
        "deskready/py.typed",
    ):
        assert module in names


def test_the_wheel_carries_the_catalogues_and_profiles(wheel):
    names = set(wheel.namelist())
    for language in LANGUAGES:
        if language != SOURCE_LANGUAGE:
            assert f"deskready/resources/translations/{language}/LC_MESSAGES/deskready.mo" in names
    profiles = sorted((ROOT / "resources" / "profiles").glob("*.toml"))
    assert profiles
    for profile in profiles:
        assert f"deskready/resources/profiles/{profile.name}" in names
    assert "deskready/resources/os_support.toml" in names


def test_the_wheel_entry_points_name_deskready_modules(wheel):
    text = _dist_info(wheel, "entry_points.txt")
    assert text is not None
    parser = configparser.ConfigParser(delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    checks = dict(parser["deskready.checks"])
    assert checks == PYPROJECT["project"]["entry-points"]["deskready.checks"]
    names = set(wheel.namelist())
    for name, target in checks.items():
        module = target.split(":")[0]
        assert module.startswith("deskready.checks."), (name, target)
        assert module.replace(".", "/") + ".py" in names, (name, target)
    assert dict(parser["console_scripts"]) == {"deskready": "deskready.cli.main:main"}


def test_the_bundle_analyses_deskready_laid_out_like_the_wheel(tmp_path):
    tree = source_tree.lay_out(tmp_path / "src")
    assert sorted(path.name for path in tree.iterdir()) == ["deskready"]
    for path in ("__init__.py", "cli/main.py", "checks/api.py", "resources/profiles/typical.toml"):
        assert (tree / "deskready" / path).is_file(), path
    assert not list(tree.rglob("__pycache__"))
    (tree / "deskready" / "stale_module.py").write_text("", encoding="utf-8")
    source_tree.lay_out(tree)  # a second build starts from an empty folder
    assert not (tree / "deskready" / "stale_module.py").exists()


# -- the lock files ---------------------------------------------------------------------

#: lock file -> the extras it holds (as scripts/lock.sh lists them), and who installs it
LOCKS = {
    "requirements-test.txt": ("test", "bundle", "hub"),
    "requirements-run.txt": (),
    "requirements-bundle.txt": ("bundle",),
}
INSTALLERS = {
    "requirements-test.txt": ROOT / "scripts" / "test.sh",
    "requirements-run.txt": ROOT / "scripts" / "run.sh",
    "requirements-bundle.txt": PACKAGING / "build.sh",
}


def _pins(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of a ``uv pip compile --generate-hashes`` file."""
    pins: dict[str, tuple[str, list[str]]] = {}
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^([A-Za-z0-9._-]+)==([^ \\]+)", line):
            current = canonicalize_name(match[1])
            pins[current] = (match[2], [])
        elif match := re.match(r"^\s+--hash=sha256:([0-9a-f]{64})", line):
            pins[current][1].append(match[1])
    return pins


def _requirements(extras: tuple[str, ...]) -> list[Requirement]:
    project = PYPROJECT["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize(("lock", "extras"), LOCKS.items())
def test_the_lock_pins_every_requirement_inside_its_range(lock, extras):
    """The lock is not stale: every dependency pyproject asks for is pinned, inside the
    range pyproject allows, with hashes (pip's --require-hashes needs them all)."""
    pins = _pins(PACKAGING / lock)
    assert pins
    for requirement in _requirements(extras):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} lacks {requirement}: run bash scripts/lock.sh"
        version, _hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside {requirement}: run bash scripts/lock.sh"
        )
    assert all(hashes for _version, hashes in pins.values())
    assert {"pip", "setuptools", "wheel"} <= pins.keys()  # the editable install's build


@pytest.mark.parametrize("lock", ["requirements-run.txt", "requirements-bundle.txt"])
def test_every_lock_agrees_with_the_test_lock(lock):
    """What the suite tests is what run.sh and build.sh install: the same versions."""
    pins = _pins(PACKAGING / lock)
    test = _pins(PACKAGING / "requirements-test.txt")
    assert pins.keys() <= test.keys()
    assert {name: pins[name][0] for name in pins} == {name: test[name][0] for name in pins}
    assert "pytest" not in pins
    assert "mypy" not in pins


def test_the_install_scripts_use_the_locks():
    lock_sh = (ROOT / "scripts" / "lock.sh").read_text(encoding="utf-8")
    for lock, extras in LOCKS.items():
        assert f'"packaging/{lock}{"".join(" " + e for e in extras)}"' in lock_sh
        text = INSTALLERS[lock].read_text(encoding="utf-8")
        assert f"LOCK=packaging/{lock}" in text
        assert '--require-hashes -r "$LOCK"' in text
        assert "--no-deps --no-build-isolation -e ." in text
