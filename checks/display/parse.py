"""Pure parsers for what each OS says about its screens (tested with recorded output).

Each returns a list of (width, height) in physical pixels, one per active screen, or None
when the output cannot be read at all. An empty list means "read fine, no active screen".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

Size = tuple[int, int]

#: ``HDMI-1 connected primary 1920x1080+0+0 (normal …)``: an output that is on. An output
#: that is "connected" without a geometry is plugged in but switched off, so not counted.
_XRANDR_ACTIVE = re.compile(r"^\S+\s+connected\s+(?:primary\s+)?(\d+)x(\d+)\+-?\d+\+-?\d+")
_PIXELS = re.compile(r"(\d{3,5})\s*x\s*(\d{3,5})")


def parse_xrandr(text: str) -> list[Size] | None:
    """Active outputs from ``xrandr --query``; None if it is not xrandr output."""
    if "Screen " not in text and " connected" not in text:
        return None
    sizes: list[Size] = []
    for line in text.splitlines():
        match = _XRANDR_ACTIVE.match(line)
        if match:
            sizes.append((int(match.group(1)), int(match.group(2))))
    return sizes


def parse_system_profiler(text: str) -> list[Size] | None:
    """Displays from ``system_profiler SPDisplaysDataType -json``.

    ``_spdisplays_pixels`` is the panel's native pixel grid (2880 x 1800 on a Retina
    MacBook); older macOS versions only give ``spdisplays_resolution``, which is used then.
    """
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("SPDisplaysDataType"), list):
        return None
    sizes: list[Size] = []
    for gpu in data["SPDisplaysDataType"]:
        displays = gpu.get("spdisplays_ndrvs", []) if isinstance(gpu, dict) else []
        for display in displays if isinstance(displays, list) else []:
            size = _first_size(
                display,
                (
                    "_spdisplays_pixels",
                    "spdisplays_pixels",
                    "_spdisplays_resolution",
                    "spdisplays_resolution",
                ),
            )
            if size is not None:
                sizes.append(size)
    return sizes


def _first_size(display: Mapping[str, Any], keys: Iterable[str]) -> Size | None:
    for key in keys:
        value = display.get(key)
        if isinstance(value, str) and (match := _PIXELS.search(value)):
            return int(match.group(1)), int(match.group(2))
    return None


def sizes_from_rects(rects: Iterable[tuple[int, int, int, int]]) -> list[Size]:
    """Monitor rectangles (left, top, right, bottom) from Windows' GetMonitorInfo."""
    return [(right - left, bottom - top) for left, top, right, bottom in rects]
