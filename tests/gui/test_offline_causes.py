"""An offline run: the real speed test cannot reach its server; each view says so once."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTreeWidgetItemIterator, QWidget

from deskready.registry import discover_checks
from tests.gui.conftest import screenshot, wait_report

# Port 9 (discard) on loopback: nothing listens, so the connection is refused at once, as
# on a computer whose network is down or blocks the server.
OFFLINE_SPEC = """
[employer]
name = "Offline test"

[checks.bandwidth]
backend = "librespeed"
server = "http://127.0.0.1:9/"

[rules."network.download_mbps"]
min = 10

[rules."network.upload_mbps"]
min = 3

[rules."network.loaded_rtt_ms"]
max = 100
"""

CAUSE = "refused the connection"


def label_texts(widget: QWidget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget)]


def test_an_offline_run_says_each_cause_once_per_view(qtbot, make_window):
    window = make_window(registry=discover_checks(), spec=OFFLINE_SPEC)
    assert list(window.rows) == ["bandwidth"]
    window.run_all()
    report = wait_report(qtbot, window, timeout_ms=30000)
    (result,) = report["results"]
    assert CAUSE in result["error"]
    assert {r["outcome"] for r in report["rules"]} == {"unknown"}

    # Results first: one item for the check, carrying the cause once.
    page = window.results_page
    assert len(page.items) == 1
    assert page.items[0].fix.metrics == (
        "network.download_mbps",
        "network.upload_mbps",
        "network.loaded_rtt_ms",
    )
    assert " ".join(label_texts(page)).count(CAUSE) == 1
    screenshot(window, "gui-offline-results")

    # The detailed row: the cause once in its status line, no "What to do" per rule.
    window.tabs.setCurrentIndex(1)
    row_texts = label_texts(window.rows["bandwidth"])
    assert " ".join(row_texts).count(CAUSE) == 1
    assert not [t for t in row_texts if t.startswith("What to do")]
    assert row_texts.count("not measured") == 3
    screenshot(window, "gui-offline-checks")

    # The details tree: one "Problem" line.
    window.tabs.setCurrentIndex(2)
    cells = []
    it = QTreeWidgetItemIterator(window.details)
    while it.value() is not None:
        item = it.value()
        cells += [item.text(column) for column in range(item.columnCount())]
        it += 1
    assert " ".join(cells).count(CAUSE) == 1
