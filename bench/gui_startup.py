"""GUI start-up and memory: launch to first painted window, peak RSS after a full run.

Start-up is measured in fresh processes under Xvfb (a real X11 window; offscreen when
Xvfb is not installed): the bench notes ``time.time()`` in ``$DESKREADY_LAUNCHED_AT`` just
before it starts ``run_gui(["--quit-after-paint"])``, which prints the seconds from then to
the window's first paint event; median of several. Beside it, a bare ``python -c pass`` of
the same interpreter (launch to exit), and the ratio of the two: the machine's speed and
load cancel out of the ratio, so it compares across machines. (Earlier versions took the
process's creation time from psutil, which Linux derives from the boot time in whole
seconds: those figures were up to a second too high.)
Memory is the peak RSS of one process that opens the window and runs every fake check
from ``tests/gui/fakes.py`` to a finished report. Goals: <= 0.5 s, <= 200 MB.

    .venv/bin/python bench/gui_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_START_S = 0.5
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


def bare_python(python: str, env: dict[str, str]) -> float:
    """Seconds from launch to exit of ``python -c pass`` (the interpreter's own start)."""
    begun = time.perf_counter()
    subprocess.run([python, "-c", "pass"], env=env, cwd=ROOT, timeout=30, check=True)
    return time.perf_counter() - begun


@contextlib.contextmanager
def display(env: dict[str, str]) -> Iterator[str]:
    """Point ``env`` at a private Xvfb server ("xcb"), or offscreen without Xvfb."""
    if not shutil.which("Xvfb"):
        env["QT_QPA_PLATFORM"] = "offscreen"
        yield "offscreen"
        return
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    env.update(DISPLAY=f":{number}", QT_QPA_PLATFORM="xcb")
    try:
        yield f"xcb (Xvfb :{number})"
    finally:
        server.terminate()
        server.wait(10)


def start_once(python: str, env: dict[str, str]) -> tuple[float, float]:
    """(seconds from launch to first paint, wall seconds of the process)."""
    env = dict(env)
    begun = time.perf_counter()
    env["DESKREADY_LAUNCHED_AT"] = repr(time.time())
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
    env["XDG_CONFIG_HOME"] = str(ROOT / "build" / "bench-config")  # no recent files from a user
    env.pop("QT_SCALE_FACTOR", None)
    python = sys.executable
    with display(env) as platform:
        start_once(python, env)  # warm the OS file cache once; "cold" means a new process
        paints, walls = zip(*(start_once(python, env) for _ in range(args.runs)), strict=True)
    bare = statistics.median(bare_python(python, env) for _ in range(args.runs))
    env["QT_QPA_PLATFORM"] = "offscreen"  # the memory run needs no display
    rss, run_s = full_run(python, env)
    paint = statistics.median(paints)
    print(f"platform: {platform}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rows = [
        (
            f"first paint (median of {args.runs})",
            f"{statistics.median(paints):.3f} s",
            f"<= {GOAL_START_S} s",
            statistics.median(paints) <= GOAL_START_S,
        ),
        ("  min / max", f"{min(paints):.3f} / {max(paints):.3f} s", "", True),
        ("bare `python -c pass` (median)", f"{bare:.3f} s", "", True),
        ("first paint / bare python", f"{paint / bare:.1f} x", "", True),
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
