"""Runtime hook: sounddevice loads the PortAudio carried in the bundle, not the system's.

sounddevice looks PortAudio up with ``ctypes.util.find_library("portaudio")``. On Linux
that consults the system's linker cache, so without this hook a machine without
libportaudio2 gets "PortAudio library not found" although the bundle carries the library
(PyInstaller patches ``find_library`` on Windows only; on Windows and macOS sounddevice
falls back to the ``_sounddevice_data`` copy anyway). Runs before any app code.
"""

import ctypes.util
import glob
import os
import sys


def _install() -> None:
    if not sys.platform.startswith("linux"):
        return
    bundled = sorted(glob.glob(os.path.join(sys._MEIPASS, "libportaudio.so*")))  # type: ignore[attr-defined]
    if not bundled:
        return
    system_find_library = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        if name == "portaudio":
            return bundled[0]
        return system_find_library(name)

    ctypes.util.find_library = find_library


_install()
