"""PyInstaller hook: the data files of the ``deskready.resources`` package.

``deskready.resources.resource()`` uses ``importlib.resources``, which in a frozen app
resolves to ``_internal/deskready/resources/`` on disk, so the files are copied there with
their folders: profiles/*.toml, os_support.toml, icons/*.svg, the compiled translation
catalogues (translations/<lang>/LC_MESSAGES/deskready.mo) and the bundled fonts with their
licenses (fonts/*.otf, *.ttf, LICENSE-*.txt: 1.7 MB, see docs/packaging.md). Translation
sources (.po, .pot) are only for translators and stay out.

The package's folder is the one PyInstaller analysed (the spec's laid-out copy, see
source_tree.py), as the hook API reports it; importing the package instead could answer
with an editable install's ``resources/`` in the repository, which is not laid out as
``deskready/resources``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Only for translators, or code (collected as modules, not as data).
EXCLUDED_SUFFIXES = (".po", ".pot", ".py", ".pyc")


def datas_below(folder: Path, depth: int = 2) -> list[tuple[str, str]]:
    """(source file, bundle folder) for every data file below ``folder``, a package
    ``depth`` names deep (``deskready.resources``: 2)."""
    base = folder.parents[depth - 1]
    return [
        (str(path), str(path.parent.relative_to(base)))
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.suffix not in EXCLUDED_SUFFIXES
        and "__pycache__" not in path.parts
    ]


def hook(hook_api: Any) -> None:
    """Add the package's data files, from where PyInstaller found the package."""
    hook_api.add_datas(datas_below(Path(hook_api.__path__[0])))
