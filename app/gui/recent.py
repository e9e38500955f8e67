"""Recently opened spec files, remembered across sessions in QSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

KEY = "profiles/recent"
MAX_RECENT = 6


def recent_files(settings: QSettings) -> list[str]:
    """Remembered spec paths, newest first, those that still exist."""
    value = settings.value(KEY, [])
    if isinstance(value, str):  # QSettings returns a lone string for a one-item list
        value = [value]
    if not isinstance(value, list):
        return []
    return [str(v) for v in value if isinstance(v, str) and Path(v).is_file()][:MAX_RECENT]


def remember(settings: QSettings, path: str) -> list[str]:
    """Put ``path`` first in the list; return the new list."""
    path = str(Path(path).expanduser().resolve())
    items = [path] + [p for p in recent_files(settings) if p != path]
    items = items[:MAX_RECENT]
    settings.setValue(KEY, items)
    settings.sync()
    return items
