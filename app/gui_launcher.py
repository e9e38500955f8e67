"""Starts the desktop app, importing Qt only when it is really needed.

Kept apart from the CLI so that ``deskready check`` never pays for importing Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from deskready.checks.i18n import _


def launch_gui(argv: Sequence[str]) -> int:
    """Run the GUI event loop; return its exit code (2 if the GUI cannot start)."""
    try:
        from deskready.gui.main import run_gui  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        print(_("The desktop app cannot start: {reason}").format(reason=exc), file=sys.stderr)
        print(_("Use 'deskready check' to run the checks in the terminal."), file=sys.stderr)
        return 2
    return int(run_gui(list(argv)))
