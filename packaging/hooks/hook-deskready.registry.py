"""PyInstaller hook: keep plugin discovery working in the frozen app.

``deskready.registry`` finds every check, built-ins included, through the ``deskready.checks``
entry-point group (``importlib.metadata``). A frozen app has no site-packages, so this
hook bundles the metadata (``entry_points.txt`` and the rest) of every distribution in the
build venv that declares checks (deskready itself, and any plugin an employer installed
there to ship with it), and names each entry point's module as a hidden import:
PyInstaller cannot see imports that exist only as strings.

deskready's own entry points are compared with pyproject.toml, so a stale install
(pyproject edited, the build venv not reinstalled) stops the build instead of shipping a
bundle that lacks a check.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import distribution, distributions
from pathlib import Path

from PyInstaller.utils.hooks import copy_metadata

GROUP = "deskready.checks"
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

installed = {
    ep.name: ep.value for ep in distribution("deskready").entry_points if ep.group == GROUP
}
declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["entry-points"][GROUP]
if installed != declared:
    raise SystemExit(
        f"The installed deskready metadata does not match {PYPROJECT} for the {GROUP} entry "
        "points. Reinstall deskready into the build venv (packaging/build.sh does this)."
    )

datas: list[tuple[str, str]] = []
hiddenimports: set[str] = set()
providers: set[str] = set()
for dist in distributions():
    points = [ep for ep in dist.entry_points if ep.group == GROUP]
    name = dist.metadata["Name"]
    if not points or name in providers:  # a distribution seen twice on sys.path
        continue
    providers.add(name)
    datas += copy_metadata(name)
    hiddenimports.update(ep.value.split(":")[0] for ep in points)
