"""How long rendering a readiness PDF takes and how big the file is (issue 7: ≤ 1 s, ≤ 500 kB).

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/pdf_render.py [--runs N]

"Cold" is the first render in the process (Qt application, font database, font subsetting
caches); the median is over the following runs, which is what the GUI sees on every save
after the first. The CLI renders once per process, so its figure is cold + interpreter and
Qt import time.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deskready.report.integrity import seal  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "reports" / "sample_not_ready.json"
TIME_TARGET_S = 1.0
SIZE_TARGET_KB = 500.0


def variants() -> dict[str, dict[str, Any]]:
    """The sample, the sample in Japanese, and a large report (100 rules, long series)."""
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    japanese = copy.deepcopy(sample)
    japanese["agent"]["name"] = "田中 愛子"
    for rule in japanese["rules"]:
        if rule["advice"]:
            rule["advice"] = (
                "ルーターからパソコンにLANケーブルをつなぎ、Wi-Fiをオフにしてください。"
            )
    large = copy.deepcopy(sample)
    template = large["rules"][2]
    large["rules"] += [dict(template, label=f"Extra rule {n}") for n in range(92)]
    for result in large["results"]:
        if result["check"] == "call_quality":
            result["details"]["rtt_series"] = [[i * 0.02, 200 + (i * 37) % 25] for i in range(500)]
    return {
        "sample (2 pages)": seal(sample),
        "sample, Japanese": seal(japanese),
        "large (100 rules, 500-point chart)": seal(large),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed renders after the first")
    args = parser.parse_args()

    started = time.perf_counter()
    from deskready.pdf import render_pdf_bytes
    from deskready.pdf.qt import ensure_qt_app

    ensure_qt_app()
    print(f"import + Qt application: {time.perf_counter() - started:.3f} s\n")
    header = f"{'report':<36} {'cold s':>8} {'median s':>9} {'size kB':>8}  verdict"
    print(header)
    print("-" * len(header))
    for name, report in variants().items():
        start = time.perf_counter()
        data = render_pdf_bytes(report)
        cold = time.perf_counter() - start
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            data = render_pdf_bytes(report)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        size_kb = len(data) / 1024
        ok = cold <= TIME_TARGET_S and size_kb <= SIZE_TARGET_KB
        print(f"{name:<36} {cold:>8.3f} {median:>9.3f} {size_kb:>8.1f}  {'ok' if ok else 'OVER'}")
    print(f"\ntargets: ≤ {TIME_TARGET_S} s, ≤ {SIZE_TARGET_KB:.0f} kB")


if __name__ == "__main__":
    main()
