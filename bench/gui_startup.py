"""GUI start-up and memory: cold start to first painted window, peak RSS after a full run.

Start-up is measured in fresh processes (``deskready gui --quit-after-paint`` prints the
seconds from process creation to the window's first paint event), median of several.
Memory is the peak RSS of one process that opens the window and runs every fake check
from ``tests/gui/fakes.py`` to a finished report. Goals: <= 0.8 s, <= 200 MB.

    .venv/bin/python bench/gui_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_START_S = 0.8
GOAL_RSS_MB = 200.0

FULL_RUN = r"""
import os, resource, sys, tempfile, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, sys.argv[1])
from PySide6.QtCore import QSettings, QTimer
from deskready.gui.main import create_app
from deskready.gui.theme import apply_theme
from deskready.gui.window import MainWindow
from tests.gui.fakes import SPEC, fake_registry
from tests.gui.helpers import auto_answer, preanswer

app = create_app([])
apply_theme(app, "light")
tmp = tempfile.mkdtemp()
spec = os.path.join(tmp, "spec.toml")
open(spec, "w").write(SPEC)
window = MainWindow(registry=fake_registry(), settings=QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat))
window.resize(1280, 800)
window.show()
assert window.open_spec_file(spec)
preanswer(window)
auto_answer(window, {"fake.beeps": "3"})
window.controller.report_ready.connect(lambda _r: QTimer.singleShot(100, app.quit))
started = time.monotonic()
QTimer.singleShot(50, window.run_all)
app.exec()
assert window.report is not None
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"peak_rss_mb={peak_kb / 1024:.1f} run_s={time.monotonic() - started:.2f}")
"""


def start_once(python: str, env: dict[str, str]) -> tuple[float, float]:
    """(seconds to first paint as the app measured it, wall seconds of the process)."""
    begun = time.perf_counter()
    out = subprocess.run(
        [
            python,
            "-c",
            "import sys; from deskready.gui.main import run_gui; sys.exit(run_gui(sys.argv[1:]))",
            "--quit-after-paint",
            "--profile",
            "typical",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    wall = time.perf_counter() - begun
    line = next(x for x in out.stdout.splitlines() if x.startswith("first_paint_s="))
    return float(line.split("=", 1)[1]), wall


def full_run(python: str, env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run(
        [python, "-c", FULL_RUN, str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    fields = dict(part.split("=") for part in out.stdout.split() if "=" in part)
    return float(fields["peak_rss_mb"]), float(fields["run_s"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["XDG_CONFIG_HOME"] = str(ROOT / "build" / "bench-config")  # no recent files from a user
    python = sys.executable
    start_once(python, env)  # warm the OS file cache once; "cold" means a new process
    paints, walls = zip(*(start_once(python, env) for _ in range(args.runs)), strict=True)
    rss, run_s = full_run(python, env)
    rows = [
        (
            f"first paint (median of {args.runs})",
            f"{statistics.median(paints):.3f} s",
            f"<= {GOAL_START_S} s",
            statistics.median(paints) <= GOAL_START_S,
        ),
        ("  min / max", f"{min(paints):.3f} / {max(paints):.3f} s", "", True),
        ("process wall time (median)", f"{statistics.median(walls):.3f} s", "", True),
        (
            "peak RSS after a full fake run",
            f"{rss:.0f} MB",
            f"<= {GOAL_RSS_MB:.0f} MB",
            rss <= GOAL_RSS_MB,
        ),
        ("  full fake run took", f"{run_s:.2f} s", "", True),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>16}  {'goal':>10}  ok")
    for name, value, goal, ok in rows:
        print(f"{name:<{width}}  {value:>16}  {goal:>10}  {'yes' if ok else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
