"""Which operating system this is: the one place a check asks.

Checks branch on the OS in many places (which command lists the sound devices, where the
OS version lives). They all ask :func:`current_os`, or better an adapter method that
returns it, so a test replays Windows or macOS output on Linux by injecting an adapter
whose method returns :attr:`OS.WINDOWS` — the real ``sys.platform`` is never patched.
"""

from __future__ import annotations

import sys
from enum import StrEnum


class OS(StrEnum):
    """The operating systems deskready tells apart; everything else is ``OTHER``."""

    LINUX = "linux"
    WINDOWS = "windows"
    MACOS = "macos"
    OTHER = "other"


#: ``sys.platform`` and ``platform.system()`` spellings of each OS (lower case).
_NAMES = {
    "linux": OS.LINUX,
    "win32": OS.WINDOWS,
    "windows": OS.WINDOWS,
    "cygwin": OS.WINDOWS,
    "darwin": OS.MACOS,
    "macos": OS.MACOS,
}


def os_from(name: str) -> OS:
    """The OS a ``sys.platform`` or ``platform.system()`` value names (``OTHER`` if none).

    Accepts ``"linux"``, ``"win32"``, ``"darwin"`` as well as ``"Linux"``, ``"Windows"``,
    ``"Darwin"``, so recorded fixtures can keep the spelling their OS printed.
    """
    key = name.strip().lower()
    if key.startswith("linux"):  # Python < 3.3 wrote "linux2"
        return OS.LINUX
    return _NAMES.get(key, OS.OTHER)


def current_os(platform_name: str | None = None) -> OS:
    """The OS this process runs on (or the one ``platform_name`` names, for tests)."""
    return os_from(sys.platform if platform_name is None else platform_name)
