"""Size and start-up of the standalone Linux bundle (issue 8: <= 150 MB unpacked, <= 1.5 s
from launch to the first painted window).

Measures an already built bundle (``bash packaging/build.sh``), or builds one first with
``--build`` and reports the build time too. Each start is a new process in a clean
environment (no venv, PATH=/usr/bin:/bin, offscreen Qt), so the figures are what an agent's
desktop sees on a second launch; with ``--drop-caches`` (root only) the page cache is
emptied before every start, which is a true cold start from disk.

    .venv/bin/python bench/bundle_startup.py [--bundle dist/deskready] [--runs 7] [--build]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_MB = 150.0
GOAL_PAINT_S = 1.5


def files(bundle: Path) -> list[Path]:
    return [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]


def group(path: Path, bundle: Path) -> str:
    """A coarse label for what a file belongs to, to see where the megabytes are."""
    rel = path.relative_to(bundle).as_posix()
    name = path.name
    if name.startswith("libicu"):
        return "ICU (Qt's Unicode/locale data)"
    if "numpy.libs" in rel:
        return "OpenBLAS + gfortran (numpy.libs)"
    if rel.startswith("_internal/PySide6/Qt/lib/"):
        return "Qt libraries"
    if rel.startswith("_internal/PySide6/Qt/plugins/"):
        return "Qt plugins"
    if rel.startswith("_internal/PySide6/Qt/translations/"):
        return "Qt translations"
    if rel.startswith("_internal/PySide6/") or rel.startswith("_internal/shiboken6/"):
        return "PySide6 bindings"
    if rel.startswith("_internal/numpy/"):
        return "numpy"
    if name.startswith("libpython") or "/python3." in rel or name == "base_library.zip":
        return "Python runtime"
    if rel == "deskready":
        return "executable (bootloader + Python code)"
    if rel.count("/") == 1 and ".so" in name:
        return "system libraries (ssl, glib, X11, jack...)"
    return "other (pydantic, babel, resources...)"


def first_paint(
    bundle: Path, env: dict[str, str], cwd: str, drop_caches: bool
) -> tuple[float, float]:
    """(first paint as the app measured it, wall time of the whole process)."""
    if drop_caches:
        subprocess.run(["sync"], check=True, timeout=60)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    begun = time.perf_counter()
    done = subprocess.run(
        [str(bundle / "deskready"), "gui", "--quit-after-paint"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=True,
    )
    wall = time.perf_counter() - begun
    match = re.search(r"^first_paint_s=([\d.]+)$", done.stdout, re.M)
    if not match:
        raise SystemExit(f"no first_paint_s in the output: {done.stdout!r} {done.stderr!r}")
    return float(match.group(1)), wall


def wall(bundle: Path, env: dict[str, str], cwd: str, *args: str) -> float:
    begun = time.perf_counter()
    done = subprocess.run(
        [str(bundle / "deskready"), *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"deskready {' '.join(args)} failed: {done.stderr.decode()}")
    return time.perf_counter() - begun


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "deskready")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--build", action="store_true", help="run packaging/build.sh first")
    parser.add_argument("--drop-caches", action="store_true", help="true cold starts (root)")
    args = parser.parse_args()
    bundle: Path = args.bundle.resolve()

    build_s = None
    if args.build:
        begun = time.perf_counter()
        subprocess.run(
            ["bash", str(ROOT / "packaging" / "build.sh"), "--dist", str(bundle.parent)],
            check=True,
            timeout=1800,
        )
        build_s = time.perf_counter() - begun
    if not (bundle / "deskready").is_file():
        raise SystemExit(f"no bundle at {bundle}: run bash packaging/build.sh (or pass --build)")

    sizes = {p: p.stat().st_size for p in files(bundle)}
    unpacked_mb = sum(sizes.values()) / 1e6
    tarballs = sorted(bundle.parent.glob("deskready-*-linux-*.tar.gz"))
    if tarballs:
        packed_mb = tarballs[-1].stat().st_size / 1e6
    else:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "bundle.tar.gz"
            with tarfile.open(target, "w:gz") as tar:
                tar.add(bundle, arcname="deskready")
            packed_mb = target.stat().st_size / 1e6

    with tempfile.TemporaryDirectory() as home:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": home,
            "LANG": "C.UTF-8",
            "QT_QPA_PLATFORM": "offscreen",
        }
        first_paint(bundle, env, home, False)  # fill the page cache once unless asked not to
        runs = [first_paint(bundle, env, home, args.drop_caches) for _ in range(args.runs)]
        paints = [paint for paint, _ in runs]
        walls = [w for _, w in runs]
        version_s = statistics.median(wall(bundle, env, home, "--version") for _ in range(5))
        check_s = statistics.median(
            wall(bundle, env, home, "check", "--only", "os,cpu,memory,disk", "--json", "-")
            for _ in range(3)
        )

    cache = "page cache dropped before each start" if args.drop_caches else "page cache warm"
    rows = [
        ("unpacked size", f"{unpacked_mb:.0f} MB", f"<= {GOAL_MB:.0f} MB", unpacked_mb <= GOAL_MB),
        (".tar.gz size", f"{packed_mb:.0f} MB", "", True),
        (
            f"GUI first paint (median of {args.runs})",
            f"{statistics.median(paints):.2f} s",
            f"<= {GOAL_PAINT_S} s",
            statistics.median(paints) <= GOAL_PAINT_S,
        ),
        ("  min / max", f"{min(paints):.2f} / {max(paints):.2f} s", "", True),
        ("  GUI process wall time (median)", f"{statistics.median(walls):.2f} s", "", True),
        ("--version wall time (median)", f"{version_s:.2f} s", "", True),
        ("check os,cpu,memory,disk (median)", f"{check_s:.2f} s", "", True),
    ]
    if build_s is not None:
        rows.append(("build (packaging/build.sh)", f"{build_s:.0f} s", "", True))
    width = max(len(r[0]) for r in rows)
    print(f"bundle {bundle} ({cache}, {os.cpu_count()} cores)")
    print(f"{'measure':<{width}}  {'value':>14}  {'goal':>10}  ok")
    for name, value, goal, ok in rows:
        print(f"{name:<{width}}  {value:>14}  {goal:>10}  {'yes' if ok else 'NO'}")

    by_group: collections.Counter[str] = collections.Counter()
    for path, size in sizes.items():
        by_group[group(path, bundle)] += size
    print()
    print(f"{'where the megabytes are':<44}{'MB':>6}")
    for name, size in by_group.most_common():
        print(f"{name:<44}{size / 1e6:>6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
