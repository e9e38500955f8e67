"""The run history's costs beside a baseline measured in the same run (issue 17).

Usage: .venv/bin/python bench/history_store.py [runs]

Keeps ``runs`` (default 500, the store's cap) copies of the 7 kB sample report
(tests/data/reports/sample_not_ready.json, each re-stamped and sealed again), then lists and
diffs them. Baseline: writing each report as its own JSON file the way deskready saves a
report (``deskready.report.files.write_report_json``: temporary file, fsync, rename). Then
two processes each add ``runs // 2`` reports to one file at once. One table; the machine's
load is printed beside it (other work on the machine makes the figures noisy).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DESKREADY_HISTORY"] = "off"  # nothing of this run reaches the real history

from deskready.history.diff import diff_reports  # noqa: E402
from deskready.history.store import HistoryStore  # noqa: E402
from deskready.report.files import write_report_json  # noqa: E402
from deskready.report.integrity import seal  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "reports" / "sample_not_ready.json"
WRITER = """
import json, sys
from datetime import datetime, timedelta
from pathlib import Path
from deskready.history.store import HistoryStore
from deskready.report.integrity import seal
base = json.loads(Path(sys.argv[1]).read_text())
store = HistoryStore(Path(sys.argv[2]))
for i in range(int(sys.argv[4])):
    moment = datetime.fromisoformat(base["created_at"]) + timedelta(minutes=int(sys.argv[3]) + i)
    store.record(seal({**base, "created_at": moment.isoformat()}))
"""


def reports(count: int, offset: int = 0) -> list[dict]:
    base = json.loads(SAMPLE.read_text())
    start = datetime.fromisoformat(base["created_at"])
    return [
        seal({**base, "created_at": (start + timedelta(minutes=offset + i)).isoformat()})
        for i in range(count)
    ]


def timed(func) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        batch = reports(count)
        store = HistoryStore(folder / "history.sqlite3")
        base_s = timed(
            lambda: [write_report_json(folder / f"r{i}.json", r) for i, r in enumerate(batch)]
        )
        add_s = timed(lambda: [store.record(r) for r in batch])
        rows.append(
            (
                "keep one run",
                f"{add_s / count * 1000:.2f} ms",
                f"{base_s / count * 1000:.2f} ms (one JSON file, atomic)",
            )
        )
        rows.append(("list all runs", f"{timed(store.runs) * 1000:.1f} ms", f"{count} runs"))
        rows.append(
            ("list 50 (the CLI's default)", f"{timed(lambda: store.runs(50)) * 1000:.1f} ms", "")
        )
        latest = store.runs(2)
        rows.append(
            (
                "diff two runs",
                f"{timed(lambda: diff_reports(latest[1].report, latest[0].report)) * 1000:.2f} ms",
                "",
            )
        )
        size = (folder / "history.sqlite3").stat().st_size
        files = sum(p.stat().st_size for p in folder.glob("r*.json"))
        rows.append(("disk", f"{size / 1e6:.1f} MB", f"{files / 1e6:.1f} MB as JSON files"))

        source = folder / "sample.json"
        source.write_text(json.dumps(json.loads(SAMPLE.read_text())))
        shared = folder / "shared.sqlite3"
        half = count // 2
        started = time.perf_counter()
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(source), str(shared), str(o), str(half)]
            )
            for o in (0, 100_000)
        ]
        codes = [w.wait(timeout=600) for w in writers]
        both_s = time.perf_counter() - started
        kept = len(HistoryStore(shared).runs())
        rows.append(
            (
                "two processes at once",
                f"{both_s:.1f} s for {2 * half}",
                f"{kept} kept, exit codes {codes}",
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'history':>22}  baseline / note")
    for name, value, note in rows:
        print(f"{name:{width}}  {value:>22}  {note}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
