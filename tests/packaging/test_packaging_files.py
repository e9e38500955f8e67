"""The packaging files that cannot be exercised by a Linux build: Windows and macOS
metadata derived from the one version, the icon files, and the bundle filter's rules."""

from __future__ import annotations

import os
import plistlib
import re
import subprocess
import sys
import types

import pytest

from deskready import __version__
from tests.packaging.conftest import PACKAGING, load

appinfo = load("appinfo")
bundle_filter = load("bundle_filter")


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
        ("resources/profiles/typical.toml", "x", "DATA"),
    ]
    kept = [entry[0] for entry in bundle_filter.keep(entries)]
    assert kept == [
        "PySide6/Qt/translations/qtbase_ja.qm",
        "PySide6/translations/qt_de.qm",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "resources/profiles/typical.toml",
    ]


def test_filter_stops_a_build_that_lacks_portaudio():
    entries = [
        ("deskready-0.1.0.dist-info/entry_points.txt", "x", "DATA"),
        ("resources/profiles/typical.toml", "x", "DATA"),
        ("resources/icons/deskready.svg", "x", "DATA"),
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
        ("resources/os_support.toml", "/s/os_support.toml", "DATA"),
    ]
    kept, kept_datas = bundle_filter.prune_unneeded(binaries, datas)
    assert [entry[0] for entry in kept] == [
        "ext.cpython-311-x86_64-linux-gnu.so",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libicuuc.so.73",
        "libportaudio.so.2",
        "libjack.so.0",
    ]
    assert [entry[0] for entry in kept_datas] == ["libQt6Core.so.6", "resources/os_support.toml"]


def test_babel_data_only_for_our_languages():
    wanted = bundle_filter.wanted_babel_data
    assert wanted("/x/babel/locale-data/root.dat")
    assert wanted("/x/babel/locale-data/ja.dat")
    assert wanted("/x/babel/locale-data/en_GB.dat")
    assert wanted("/x/babel/locale-data/de_AT.dat")
    assert wanted("/x/babel/global.dat")
    assert not wanted("/x/babel/locale-data/fr.dat")
    assert not wanted("/x/babel/locale-data/nds.dat")  # not Dutch, though it starts with n
