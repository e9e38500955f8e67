"""Wall time and peak RSS of a headless system check (issue 2's targets: <= 1.0 s, <= 80 MB).

Runs ``deskready check --only os,cpu,memory,disk,power --json -`` several times in fresh
processes and prints the median and worst case as a table. Run: ``python bench/cli_startup.py``.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 9
SPEC = """[employer]
name = "Bench"
[rules]
"os.supported" = { equals = true }
"cpu.physical_cores" = { min = 1 }
"memory.total_gb" = { min = 1 }
"disk.free_gb" = { min = 1 }
"power.on_ac" = { equals = true }
"""


def deskready() -> str:
    local = Path(sys.executable).with_name("deskready")
    return str(local) if local.exists() else (shutil.which("deskready") or "deskready")


def one_run(command: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"deskready failed ({done.returncode}): {done.stderr}")
    # ru_maxrss of children is the max over all waited-for children so far: measure each
    # run in its own wrapper process to get per-run peaks.
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(before, after) / 1024


def measure(command: list[str]) -> tuple[list[float], list[float]]:
    times, peaks = [], []
    for _ in range(RUNS):
        # A wrapper python per run so RUSAGE_CHILDREN starts from zero every time.
        code = (
            "import resource,subprocess,sys,time;t=time.perf_counter();"
            f"r=subprocess.run({command!r},capture_output=True);"
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024, r.returncode)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        seconds, peak, rc = out.stdout.split()
        if int(rc) not in (0, 1, 3):
            raise SystemExit(f"deskready exited {rc}")
        times.append(float(seconds))
        peaks.append(float(peak))
    return times, peaks


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "bench.toml")
        Path(spec).write_text(SPEC)
        command = [
            deskready(),
            "check",
            "--profile",
            spec,
            "--only",
            "os,cpu,memory,disk,power",
            "--json",
            "-",
            "--no-input",
        ]
        one_run(command)  # warm the OS file cache, as a second launch would be
        times, peaks = measure(command)
    print(
        f"deskready check --only os,cpu,memory,disk,power --json -   ({RUNS} runs, {os.cpu_count()} cores)"
    )
    print(f"{'metric':<22}{'median':>10}{'worst':>10}{'target':>10}{'ok':>6}")
    rows = [
        ("wall time (s)", statistics.median(times), max(times), 1.0),
        ("peak RSS (MB)", statistics.median(peaks), max(peaks), 80.0),
    ]
    for name, median, worst, target in rows:
        print(
            f"{name:<22}{median:>10.3f}{worst:>10.3f}{target:>10.1f}{'yes' if median <= target else 'NO':>6}"
        )


if __name__ == "__main__":
    main()
