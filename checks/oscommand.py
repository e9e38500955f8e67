"""Runs a short OS command for an adapter: bounded, quiet, and never raising.

Every adapter that reads the OS through a command (``sw_vers``, ``pactl``, ``xrandr``,
``bluetoothctl``, ``Get-NetAdapter``…) goes through here, so they all get the same
guarantees: a timeout (no check hangs on a stuck tool), no stdin (nothing waits for
input), the C locale (output parsers see English, unlocalised text), and ``None`` instead
of an exception when the tool is missing, fails or times out — "unknown" is a normal
answer on real machines.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Sequence

log = logging.getLogger(__name__)


def run_command(args: Sequence[str], *, timeout: float) -> str | None:
    """stdout of ``args`` if it exits 0 within ``timeout`` seconds, else None."""
    env = dict(os.environ, LC_ALL="C", LANG="C")
    try:
        done = subprocess.run(
            list(args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("%s failed: %s", args[0] if args else "?", exc)
        return None
    if done.returncode != 0:
        log.info("%s exited %s: %s", " ".join(args), done.returncode, done.stderr.strip()[:200])
        return None
    return done.stdout
