"""The display check's window onto the screens: an adapter the GUI replaces with Qt's view.

The default implementation asks the OS without Qt (``checks/`` never imports Qt), so the
check also works from the command line: ``xrandr`` on Linux when an X display is set,
``system_profiler`` on macOS and the Win32 monitor API on Windows. It returns None when
the screens cannot be seen (a headless Linux session): "unknown" is a normal answer.
"""

from __future__ import annotations

import os

from deskready.checks.display.parse import (
    Size,
    parse_system_profiler,
    parse_xrandr,
    sizes_from_rects,
)
from deskready.checks.oscommand import run_command
from deskready.checks.platform import OS, current_os

COMMAND_TIMEOUT_S = 5.0


class ScreenInfo:
    """Real OS access; subclass and inject to supply screens another way (Qt, tests)."""

    def screens(self) -> list[Size] | None:
        """(width, height) in physical pixels of each active screen, or None if unknown."""
        system = self.current_os()
        if system is OS.WINDOWS:
            return _windows_screens()
        if system is OS.MACOS:
            text = self.run(["system_profiler", "SPDisplaysDataType", "-json"])
            return None if text is None else parse_system_profiler(text)
        if not os.environ.get("DISPLAY"):
            return None  # no X server to ask (Wayland-only or headless)
        text = self.run(["xrandr", "--query"])
        return None if text is None else parse_xrandr(text)

    def current_os(self) -> OS:
        """Which OS this is (a test returns another to replay its recorded output)."""
        return current_os()

    def run(self, args: list[str]) -> str | None:
        """Output of a short OS command, or None if it is missing, fails or hangs."""
        return run_command(args, timeout=COMMAND_TIMEOUT_S)


def _windows_screens() -> list[Size] | None:  # pragma: no cover - needs Windows
    """EnumDisplayMonitors + GetMonitorInfoW, in physical pixels.

    Rectangles are only physical when the thread is DPI aware, so this thread (not the
    whole process) is made per-monitor aware for the call and restored afterwards.
    """
    import ctypes
    from ctypes import wintypes

    user32 = ctypes.windll.user32  # type: ignore[attr-defined,unused-ignore]

    class MonitorInfo(ctypes.Structure):
        _fields_ = (
            ("cbSize", wintypes.DWORD),
            ("rcMonitor", wintypes.RECT),
            ("rcWork", wintypes.RECT),
            ("dwFlags", wintypes.DWORD),
        )

    rects: list[tuple[int, int, int, int]] = []
    callback_type = ctypes.WINFUNCTYPE(  # type: ignore[attr-defined,unused-ignore]
        ctypes.c_int,
        wintypes.HMONITOR,
        wintypes.HDC,
        ctypes.POINTER(wintypes.RECT),
        wintypes.LPARAM,
    )

    def collect(monitor: int, _dc: int, _rect: object, _data: int) -> int:
        info = MonitorInfo()
        info.cbSize = ctypes.sizeof(MonitorInfo)
        if user32.GetMonitorInfoW(monitor, ctypes.byref(info)):
            r = info.rcMonitor
            rects.append((r.left, r.top, r.right, r.bottom))
        return 1

    previous = None
    set_context = getattr(user32, "SetThreadDpiAwarenessContext", None)
    if set_context is not None:
        set_context.restype = ctypes.c_void_p
        previous = set_context(ctypes.c_void_p(-4))  # PER_MONITOR_AWARE_V2
    try:
        if not user32.EnumDisplayMonitors(None, None, callback_type(collect), 0):
            return None
    finally:
        if set_context is not None and previous:
            set_context(ctypes.c_void_p(previous))
    return sizes_from_rects(rects)
