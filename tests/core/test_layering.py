"""checks/ stays free of Qt and of the application; the CLI never pays for Qt."""

from __future__ import annotations

import subprocess
import sys

from deskready.registry import discover_checks


def test_importing_every_check_loads_no_qt_and_no_app():
    modules = sorted({c.__module__ for c in discover_checks()})
    code = (
        "import sys\n"
        f"for m in {modules!r}: __import__(m)\n"
        "lower = ('deskready.checks', 'deskready.resources')\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))\n"
        "       or (m.startswith('deskready.') and not m.startswith(lower))]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"checks/ pulled in: {out.stdout.strip()}"


def test_headless_check_run_does_not_import_qt():
    code = (
        "import sys\n"
        "from deskready.cli.main import cli\n"
        "from deskready.session import Session\n"
        "print(any(m.startswith('PySide6') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
