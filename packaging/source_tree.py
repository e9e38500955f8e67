"""The ``deskready`` import package laid out as it is installed, for PyInstaller to analyse.

The repository keeps ``app/``, ``checks/`` and ``resources/`` at its top level, and
pyproject.toml's ``[tool.setuptools] package-dir`` maps them into one package: ``app/`` is
``deskready``, ``checks/`` is ``deskready.checks``, ``resources/`` is
``deskready.resources``. A wheel applies that mapping; an editable install reaches it
through an import hook that PyInstaller's module finder (which scans folders on its path)
cannot follow. So the spec copies the mapped folders into ``<workpath>/src/deskready/...``
and analyses that copy: the bundle then holds ``deskready`` alone, as a wheel does, from
either kind of install. The mapping is read from pyproject.toml, never repeated here.

Runs inside PyInstaller's spec (standard library only)::

    python packaging/source_tree.py OUT_DIR    # lay it out by hand, to look at it
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Never copied: byte code (PyInstaller compiles its own).
IGNORED = ("__pycache__", "*.pyc")


def package_dirs(root: Path = ROOT) -> dict[str, Path]:
    """pyproject.toml's package-dir mapping: import name -> source folder."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = pyproject["tool"]["setuptools"]["package-dir"]
    return {name: root / folder for name, folder in mapping.items()}


def lay_out(dest: Path, root: Path = ROOT) -> Path:
    """Copy the mapped folders into ``dest`` as import packages; returns ``dest``.

    ``dest`` is emptied first, so a module deleted from the repository does not linger in
    the next bundle. Outer packages are copied before the ones mapped inside them.
    """
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name, source in sorted(package_dirs(root).items(), key=lambda item: item[0].count(".")):
        target = dest.joinpath(*name.split("."))
        if target.exists():
            raise SystemExit(f"{source} maps to {name}, which {target.parent} already holds")
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*IGNORED))
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: source_tree.py OUT_DIR")
    print(lay_out(Path(sys.argv[1])))
