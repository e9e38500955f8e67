"""PyInstaller hook: the data files of the ``resources`` package.

``resources.resource()`` uses ``importlib.resources``, which in a frozen app resolves to
``_internal/resources/`` on disk, so the files are copied there with their folders:
profiles/*.toml, os_support.toml, icons/*.svg and the compiled translation catalogues
(translations/<lang>/LC_MESSAGES/deskready.mo). Translation sources (.po, .pot) are only
for translators and stay out.
"""

from __future__ import annotations

from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("resources", excludes=["**/*.po", "**/*.pot", "**/__pycache__"])
