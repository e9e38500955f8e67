"""PyInstaller hook: babel with only the locale data deskready can use.

PyInstaller's own babel hook bundles every CLDR locale (about 800 files, 30 MB). deskready
speaks five languages, so ``bundle_filter.wanted_babel_data`` keeps those locales, their
regional variants and ``root``. Hooks in ``packaging/hooks`` take precedence over
PyInstaller's own hook for the same module.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bundle_filter import wanted_babel_data

datas = [(src, dest) for src, dest in collect_data_files("babel") if wanted_babel_data(src)]
hiddenimports = ["babel.dates", "babel.localedata", "babel.numbers", "babel.plural"]
