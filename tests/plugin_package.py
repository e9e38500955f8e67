"""Build and install a real check-plugin package offline, the way a plugin author ships one.

The CLI, markup and registry tests each need a third-party plugin discovered through the
``deskready.checks`` entry-point group of a genuinely installed distribution, not a fake.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path


def install_plugin(
    root: Path,
    package: str,
    source: str,
    entry_points: Mapping[str, str],
    *,
    package_data: str = "",
    prepare: Callable[[Path], None] | None = None,
) -> str:
    """Write ``package`` (its ``__init__`` is ``source``) under ``root/src``, install it into
    ``root/site`` with pip (no network, no build isolation) and return that folder for
    ``PYTHONPATH``. ``prepare`` may add files to the package folder first (catalogues)."""
    folder = root / "src" / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
    if prepare is not None:
        prepare(folder)
    points = "".join(f'{name} = "{target}"\n' for name, target in entry_points.items())
    data = (
        f'[tool.setuptools.package-data]\n{package} = ["{package_data}"]\n' if package_data else ""
    )
    (root / "src" / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=69"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "{package.replace("_", "-")}"\nversion = "1.0"\n'
        f'[project.entry-points."deskready.checks"]\n{points}{data}',
        encoding="utf-8",
    )
    site = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(root / "src")],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(site)
