"""What the bundles say about deskready, in one place: id, names, version, macOS keys.

The version is read from ``app/__init__.py`` (the one place it is written; pyproject.toml
takes it from there too). The spec, the build scripts and the tests get every derived
value (the Windows version resource, the Info.plist keys, the AppStream release) from here,
so no packaging file carries a version typed by hand.

Runs without deskready's dependencies, so the build scripts can call it with any Python::

    python packaging/appinfo.py version              # 0.1.0
    python packaging/appinfo.py version-numeric      # 0.1.0.0 (Windows wants four numbers)
    python packaging/appinfo.py windows-version OUT  # PyInstaller's version resource file
    python packaging/appinfo.py metainfo OUT         # AppStream metainfo with this release
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "packaging"

#: Reverse-DNS id: the .desktop file, the AppStream id, the icon name, the macOS bundle id.
APP_ID = "io.github.deskready.Deskready"
NAME = "deskready"
SUMMARY = "Checks a home office against the employer's spec for call-center agents"
PUBLISHER = "The deskready authors"
COPYRIGHT = "Copyright (c) The deskready authors. MIT licence."
#: The Inno Setup AppId: uuid5(NAMESPACE_DNS, APP_ID). It must never change, or Windows
#: treats a new version as a different program and installs it beside the old one.
WINDOWS_APP_GUID = "fb65db30-02c9-5853-a2ba-1ef45464bbd5"
#: The oldest macOS each Qt minor release supports (Qt's "Supported Configurations").
MACOS_MINIMUM_FOR_QT = {(6, 8): "12.0", (6, 9): "12.0", (6, 10): "13.0", (6, 11): "13.0"}
#: Without this Info.plist key macOS silently gives the app a silent microphone.
MICROPHONE_USAGE = (
    "deskready records a few seconds from your headset microphone and your room to check "
    "their levels. The sound is measured on this computer and never saved or sent."
)


def version() -> str:
    """``__version__`` from ``app/__init__.py``, read without importing the app."""
    tree = ast.parse((ROOT / "app" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise SystemExit("app/__init__.py has no __version__ = '...' line")


def version_tuple(text: str) -> tuple[int, int, int, int]:
    """The four numbers Windows wants (``1.2.3rc1`` -> ``(1, 2, 3, 0)``)."""
    match = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?", text)
    if not match:
        raise SystemExit(f"version {text!r} does not start with a number")
    numbers = [int(part) if part else 0 for part in match.groups()]
    return numbers[0], numbers[1], numbers[2], numbers[3]


def release_date() -> str:
    """The date of the last commit (so rebuilding the same commit gives the same file)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%cs"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    return out if re.fullmatch(r"\d{4}-\d{2}-\d{2}", out) else dt.date.today().isoformat()


def _fill(template: Path, values: dict[str, str]) -> str:
    """``template`` with every ``@NAME@`` replaced; an unknown placeholder is an error."""
    text = template.read_text(encoding="utf-8")
    left = set(re.findall(r"@([A-Z_]+)@", text)) - values.keys()
    if left:
        raise SystemExit(f"{template}: no value for {', '.join(sorted(left))}")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def windows_version_resource() -> str:
    """The text of PyInstaller's Windows version resource file (``EXE(version=...)``)."""
    ver = version()
    numbers = version_tuple(ver)
    strings = {
        "VERSION": ver,
        "VERSION_DOTTED": ".".join(map(str, numbers)),
        "PUBLISHER": PUBLISHER,
        "SUMMARY": SUMMARY,
        "COPYRIGHT": COPYRIGHT,
        "NAME": NAME,
        "EXE_NAME": f"{NAME}.exe",
    }
    # The file is a Python expression: every string goes in as a Python literal.
    values = {key: repr(value) for key, value in strings.items()}
    return _fill(
        HERE / "windows" / "version_info.txt.in", {**values, "VERSION_TUPLE": repr(numbers)}
    )


def metainfo() -> str:
    """The AppStream metainfo, with this version as the newest release."""
    return _fill(
        HERE / "linux" / "metainfo.xml.in",
        {"APP_ID": APP_ID, "VERSION": version(), "DATE": release_date()},
    )


def macos_minimum(qt_version: str) -> str:
    """``LSMinimumSystemVersion`` for the Qt the bundle carries (a newer Qt: the newest known)."""
    major_minor = tuple(int(part) for part in qt_version.split(".")[:2])
    known = sorted(MACOS_MINIMUM_FOR_QT)
    best = max((qt for qt in known if qt <= major_minor), default=known[0])
    return MACOS_MINIMUM_FOR_QT[best]


def info_plist(qt_version: str) -> dict[str, object]:
    """Info.plist keys for the macOS ``.app`` (PyInstaller's ``BUNDLE(info_plist=...)``)."""
    ver = version()
    return {
        "CFBundleName": NAME,
        "CFBundleDisplayName": NAME,
        "CFBundleIdentifier": APP_ID,
        "CFBundleShortVersionString": ".".join(map(str, version_tuple(ver)[:3])),
        "CFBundleVersion": ver,
        "NSHumanReadableCopyright": COPYRIGHT,
        "LSMinimumSystemVersion": macos_minimum(qt_version),
        "LSApplicationCategoryType": "public.app-category.utilities",
        "NSHighResolutionCapable": True,
        "NSMicrophoneUsageDescription": MICROPHONE_USAGE,
    }


def main(argv: list[str]) -> int:
    """Print or write one derived value; see the module docstring."""
    writers = {"windows-version": windows_version_resource, "metainfo": metainfo}
    if argv == ["version"]:
        print(version())
        return 0
    if argv == ["version-numeric"]:
        print(".".join(map(str, version_tuple(version()))))
        return 0
    if len(argv) == 2 and argv[0] in writers:
        Path(argv[1]).write_text(writers[argv[0]](), encoding="utf-8")
        return 0
    print(
        "usage: appinfo.py version | version-numeric | windows-version OUT | metainfo OUT",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
