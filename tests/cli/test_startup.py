"""The headless path stays light (issue 16 item 7): a system check's peak memory, and no
check module that pulls numpy or PortAudio in at import.

Wall time is not asserted here (the machine is shared; ``bench/cli_startup.py`` measures
it beside ``python -c pass``); memory hardly depends on the load, so it is a guard.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Issue 16's goal for ``deskready check`` of the system checks; measured 48 MB
#: (docs/cli.md), 52 MB when no bytecode is cached.
MAX_RSS_MB = 60


def test_loading_every_check_imports_no_numpy_or_portaudio():
    code = (
        "import sys, json\n"
        "from deskready.registry import discover_checks\n"
        "registry = discover_checks()\n"
        "heavy = [m for m in ('numpy', 'sounddevice', '_sounddevice') if m in sys.modules]\n"
        "print(json.dumps([len(registry.checks), heavy]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    count, heavy = json.loads(done.stdout)
    assert count >= 15
    assert heavy == []


def test_a_headless_system_check_stays_under_60_mb(deskready_bin, env):
    command = [deskready_bin, "check", "--only", "os,cpu,memory,disk,power", "--no-input"]
    wrapper = (
        "import json, resource, subprocess, sys\n"
        f"done = subprocess.run({command!r}, capture_output=True, timeout=60)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps([done.returncode, peak]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, env=env, timeout=90,
        check=True,
    )  # fmt: skip
    code, peak_mb = json.loads(done.stdout)
    assert code in (0, 1, 3)
    assert peak_mb <= MAX_RSS_MB, f"{peak_mb:.1f} MB"
