"""Lays out the `deskready` import package as mypy must see it, in build/typecheck/.

The installed package maps app/ to `deskready`, checks/ to `deskready.checks` and
resources/ to `deskready.resources` (pyproject.toml, [tool.setuptools] package-dir). An
editable install reaches that mapping through an import hook, which mypy cannot follow, so
this script builds the same tree out of symlinks (directories link whole, so new modules
appear without running it again). pyproject.toml points mypy's `mypy_path` here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "build" / "typecheck" / "deskready"
MAPPED = {"checks": ROOT / "checks", "resources": ROOT / "resources"}


def main() -> None:
    if TREE.exists() or TREE.is_symlink():
        shutil.rmtree(TREE)
    TREE.mkdir(parents=True)
    for entry in sorted((ROOT / "app").iterdir()):
        if entry.name != "__pycache__":
            (TREE / entry.name).symlink_to(entry)
    for name, target in MAPPED.items():
        (TREE / name).symlink_to(target)


if __name__ == "__main__":
    main()
