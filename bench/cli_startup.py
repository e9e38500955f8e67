"""Wall time and peak RSS of a headless system check (issue 16 item 7: <= 0.5 s, <= 60 MB).

Runs what README's first command runs, on the bundled default profile (``typical``) but
with the system checks only: ``deskready check --only os,cpu,memory,disk,power --no-input``,
and the same with ``--json -``, several times each in fresh processes, beside a bare
``python -c pass`` of the same venv measured in the same run (the ratio shows deskready's
own cost however loaded the machine is), and prints the median and worst case as a table
with the load average before and after. Each run's peak RSS comes from RUSAGE_CHILDREN of
a wrapper process of its own. Bytecode is cached (PYTHONDONTWRITEBYTECODE is cleared for
the children and a first run writes it), as after an install: pip compiles at install
time; ``--no-bytecode`` measures the other case.

Run: ``python bench/cli_startup.py [--runs N] [--no-bytecode]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

SYSTEM = "os,cpu,memory,disk,power"
GOAL_S, GOAL_MB = 0.5, 60.0


def deskready() -> str:
    return str(Path(sys.executable).with_name("deskready"))


def one(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MB) of one run of ``command``, in a wrapper
    process of its own. CPU time (user + system) depends far less on how loaded the machine
    is than wall time does."""
    code = (
        "import json,resource,subprocess,time;t=time.perf_counter();"
        f"r=subprocess.run({command!r},capture_output=True,timeout=120);"
        "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps([time.perf_counter()-t,u.ru_utime+u.ru_stime,"
        "u.ru_maxrss/1024,r.returncode]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
        timeout=150,
    )  # fmt: skip
    seconds, cpu, peak, rc = json.loads(out.stdout)
    if rc not in (0, 1, 3):  # ready, not ready, incomplete
        raise SystemExit(f"{' '.join(command)} exited {rc}")
    return float(seconds), float(cpu), float(peak)


def measure(
    command: list[str], env: dict[str, str], runs: int
) -> tuple[list[float], list[float], list[float]]:
    samples = [one(command, env) for _ in range(runs)]
    return [s[0] for s in samples], [s[1] for s in samples], [s[2] for s in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-bytecode", action="store_true", help="compile every import")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"LANG": "C.UTF-8", "DESKREADY_HISTORY": "off"}
    if args.no_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = os.path.join(os.environ.get("TMPDIR", "/tmp"), "no-pyc")
    commands = {
        "check (table)": [deskready(), "check", "--only", SYSTEM, "--no-input"],
        "check --json -": [deskready(), "check", "--only", SYSTEM, "--no-input", "--json", "-"],
        "--version": [deskready(), "--version"],
    }
    for command in commands.values():
        one(command, env)  # writes the bytecode, warms the OS file cache
    load_before = os.getloadavg()
    base_times, base_cpu, base_peaks = measure([sys.executable, "-c", "pass"], env, args.runs)
    results = {name: measure(command, env, args.runs) for name, command in commands.items()}
    load_after = os.getloadavg()
    base_t, base_mb = statistics.median(base_times), statistics.median(base_peaks)
    print(
        f"deskready check --only {SYSTEM} (profile typical), {args.runs} runs each, "
        f"{os.cpu_count()} cores, load average {load_before[0]:.1f} before / "
        f"{load_after[0]:.1f} after, bytecode {'not ' if args.no_bytecode else ''}cached"
    )
    print(
        f"{'command':<18}{'wall s':>8}{'worst':>7}{'× pass':>7}{'CPU s':>7}{'× pass':>7}"
        f"{'goal':>6}{'RSS MB':>8}{'worst':>7}{'× pass':>7}{'goal':>6}{'ok':>5}"
    )
    base_c = statistics.median(base_cpu)
    print(
        f"{'python -c pass':<18}{base_t:>8.3f}{max(base_times):>7.3f}{1:>7.1f}{base_c:>7.3f}"
        f"{1:>7.1f}{'':>6}{base_mb:>8.1f}{max(base_peaks):>7.1f}{1:>7.1f}"
    )
    for name, (times, cpu, peaks) in results.items():
        t, c, mb = statistics.median(times), statistics.median(cpu), statistics.median(peaks)
        ok = t <= GOAL_S and max(peaks) <= GOAL_MB
        goal = name.startswith("check")
        print(
            f"{name:<18}{t:>8.3f}{max(times):>7.3f}{t / base_t:>7.1f}{c:>7.3f}{c / base_c:>7.1f}"
            f"{GOAL_S if goal else '':>6}{mb:>8.1f}{max(peaks):>7.1f}{mb / base_mb:>7.1f}"
            f"{GOAL_MB if goal else '':>6}{('yes' if ok else 'NO') if goal else '':>5}"
        )


if __name__ == "__main__":
    main()
