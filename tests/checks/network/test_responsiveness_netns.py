"""Responsiveness against a known queue (root only): client ── router ── hub, three network
namespaces (queue_lab.py), the router's two egresses shaped by tc tbf.

The ground truth is the kernel's own count of what the two router queues held while the
check measured (tbf backlog, sampled every 50 ms, divided by the rate each queue really
drained at over the window: the delay a packet arriving then waits). A loss-based sender does not keep a tail-drop queue full: it backs off at every
drop and refills, so the queues hold on average about half of their configured depth
(``latency + burst / rate`` each); the configured depth is the upper bound, and the
sampled mean is what a probe meets. The check's added latency and RPM must be within
±15 % of that truth; the truth itself must show the queues were really used.

On this shared 2-core machine every probe also pays thread and softirq scheduling on
both ends (+5 to +15 ms under a load average of 6-8, which the queue counter cannot
see), so the accuracy case uses a queue of 100 ms a direction (~90 ms held), and a run
outside 15 % is run once more (as test_measure_netns.py does for a collapsed link): the
machine's load, not the method, is then the likelier cause, and a second miss fails. The
same holds for a run whose load never settled (the goodput of a starved 2-core machine
wobbles by more than the saturation test's 5 %): it is run again, up to the same count.
Shallow queues are judged by their grade (bench/responsiveness.py prints the range).

The hub's measurement server (``python -m deskready.hub.measure``) runs in the server
namespace; the real check runs in the client namespace in a child process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deskready.checks.network import responsiveness_math as rm
from tests.checks.network.netlab import lab_available
from tests.checks.network.queue_lab import QueueLab

pytest.importorskip("h11", reason="the hub extra is not installed")

from tests.hub.test_measure import make_db

pytestmark = pytest.mark.netns

RATE_MBIT = 20
TOLERANCE = 0.15
#: runs of a case until one saturated and is within the tolerance (the module docstring)
ATTEMPTS = 3
#: the interval of the check's final figure: MAD intervals of 0.5 s
WINDOW_S = rm.MAD * 0.5


@pytest.fixture
def qlab() -> Iterator[QueueLab]:
    reason = lab_available()
    if reason:
        pytest.skip(reason)
    with QueueLab() as made:
        yield made


def measure(
    qlab: QueueLab, tmp_path: Path, latency_ms: float
) -> tuple[dict[str, Any], dict[str, Any], float] | None:
    """Run the check across the shaped router; (values, details, queue truth in ms), or
    None when the load never saturated within the run (no interval had a figure)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    mdb = make_db(tmp_path)
    sid = mdb.new_session(f"rpm{latency_ms:g}")
    qlab.shape(RATE_MBIT, latency_ms)
    port = qlab.hub(mdb.url)
    sampler = qlab.sample_queues()
    try:
        result: Any = qlab.check(
            {"backend": "librespeed", "server": f"http://{qlab.server_ip}:{port}/m/{sid}/",
             "max_seconds": 10.0},
        )  # fmt: skip
    finally:
        sampler.stop()
    assert "error" not in result, result
    rated = result["rated"]
    if not rated:
        print(f"queue {latency_ms} ms: the load never saturated, {result['details']}")
        return None
    end = rated[-1][0]  # the final figure's window ends at the last rated interval
    down, up = sampler.mean_ms(end - WINDOW_S, end)
    print(f"queue {latency_ms} ms: truth {down:.1f} + {up:.1f} ms, check {result['details']}")
    return result["values"], result["details"], down + up


def test_added_latency_and_rpm_match_the_queue_the_router_held(
    qlab: QueueLab, tmp_path: Path
) -> None:
    measured: tuple[dict[str, Any], dict[str, Any], float] | None = None
    for attempt in range(ATTEMPTS):
        run = measure(qlab, tmp_path / str(attempt), latency_ms=100)
        if run is None:
            continue
        measured = run
        added = run[0]["network.loaded_latency_increase_ms"]
        if added == pytest.approx(run[2], rel=TOLERANCE):
            break
    assert measured, f"the load never saturated in {ATTEMPTS} runs: no interval had a figure"
    values, details, truth = measured
    added = values["network.loaded_latency_increase_ms"]
    full = 2 * qlab.queue_ms()  # both directions, each latency + burst / rate
    assert 0.3 * full <= truth <= full * 1.05, "the queues were not used as configured"
    assert added == pytest.approx(truth, rel=TOLERANCE)
    idle_ms = details["idle"]["ms"]
    assert values["network.rpm"] == pytest.approx(60000 / (idle_ms + truth), rel=TOLERANCE)
    grades = {rm.grade(truth * (1 - TOLERANCE)), rm.grade(truth * (1 + TOLERANCE))}
    assert values["network.bufferbloat_grade"] in grades
    assert details["saturated"] is True
    series = details["latency_increase_series"]  # the PDF's chart of the metric
    assert series
    assert all(point[1] >= 0 for point in series)


def test_a_short_queue_grades_well(qlab: QueueLab, tmp_path: Path) -> None:
    for attempt in range(ATTEMPTS):
        run = measure(qlab, tmp_path / str(attempt), latency_ms=5)
        if run is not None:
            break
    assert run, f"the load never saturated in {ATTEMPTS} runs: no interval had a figure"
    values, _details, truth = run
    assert truth < 2 * qlab.queue_ms()
    assert values["network.bufferbloat_grade"] in {"A+", "A"}
    assert values["network.loaded_latency_increase_ms"] < 30
    assert values["network.rpm"] > 2000
