"""The runner: failures contained, budgets enforced, exclusive checks of one category never
overlap (the network and audio lanes run side by side)."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from deskready.checks.api import Category, Check, CheckContext, Measurements, Metric, MetricType
from deskready.outcomes import Status
from deskready.runner import CheckFinished, CheckProgress, CheckStarted, Runner, order_checks
from tests.core.fakes import (
    CrashCheck,
    FailingCheck,
    HangingCheck,
    LiarCheck,
    PoliteSlowCheck,
    RamCheck,
    SpeedCheck,
)


def test_results_come_back_in_the_given_order():
    results = Runner().run([SpeedCheck, RamCheck])
    assert [r.check.id for r in results] == ["speed", "ram"]
    assert results[0].measurements.values["net.down_mbps"] == 48.2
    assert all(r.runner_status is None and r.started_at for r in results)


def test_exception_becomes_a_human_error_and_the_rest_goes_on():
    crash, ram = Runner().run([CrashCheck, RamCheck])
    assert crash.runner_status is Status.ERROR
    assert "unexpected problem (ZeroDivisionError)" in crash.error
    assert ram.measurements.values["ram.gb"] == 8.0


def test_raise_errors_mode_reraises_for_tests():
    with pytest.raises(ZeroDivisionError):
        Runner(raise_errors=True).run([CrashCheck])


def test_check_failed_message_is_shown_verbatim():
    (result,) = Runner().run([FailingCheck])
    assert result.error == "No microphone was found."


def test_hanging_check_is_abandoned_after_its_budget():
    started = time.monotonic()
    (result,) = Runner().run([HangingCheck])
    elapsed = time.monotonic() - started
    HangingCheck.release.set()
    assert result.runner_status is Status.ERROR
    assert "did not finish within" in result.error
    assert elapsed < 3.0  # budget 0.3 s + grace 1.5 s


def test_spec_time_budget_overrides_the_checks():
    (result,) = Runner(time_budgets={"slow": 0.2}).run([PoliteSlowCheck])
    assert "did not finish within" in result.error
    assert result.duration_s < 1.5


def test_invalid_measurements_are_an_error_not_a_crash():
    (result,) = Runner().run([LiarCheck])
    assert result.runner_status is Status.ERROR
    with pytest.raises(TypeError, match=r"undeclared metric 'liar\.other'"):
        Runner(raise_errors=True).run([LiarCheck])


def test_settings_defaults_are_overlaid_by_the_spec():
    seen = {}

    class Probe(Check):
        id = "probe"
        title = "Probe"
        category = Category.SYSTEM
        metrics = (Metric("probe.x", MetricType.NUMBER, "x"),)
        settings = SpeedCheck.settings

        def run(self, ctx: CheckContext) -> Measurements:
            seen.update(ctx.settings)
            return Measurements({"probe.x": 1.0})

    Runner(settings={"probe": {"server": "https://mini.example"}}).run([Probe])
    assert seen == {"server": "https://mini.example", "max_seconds": 30.0, "servers": []}


def _overlap_probe(
    check_id: str, category: Category, exclusive: bool, log: list, lock: threading.Lock
):
    class Probe(Check):
        id = check_id
        title = check_id
        metrics = (Metric(f"{check_id}.x", MetricType.NUMBER, "x"),)

        def run(self, ctx: CheckContext) -> Measurements:
            with lock:
                log.append(("start", check_id, time.monotonic()))
            time.sleep(0.15)
            with lock:
                log.append(("end", check_id, time.monotonic()))
            return Measurements({f"{check_id}.x": 1.0})

    Probe.category = category
    Probe.exclusive = exclusive
    return Probe


def test_exclusive_checks_of_one_category_never_overlap_but_lanes_and_light_ones_do():
    log: list = []
    lock = threading.Lock()
    checks = [
        _overlap_probe("net_a", Category.NETWORK, True, log, lock),
        _overlap_probe("net_b", Category.NETWORK, True, log, lock),
        _overlap_probe("mic", Category.AUDIO, True, log, lock),
        _overlap_probe("speaker", Category.AUDIO, True, log, lock),
        _overlap_probe("sys_a", Category.SYSTEM, False, log, lock),
        _overlap_probe("sys_b", Category.SYSTEM, False, log, lock),
    ]
    Runner().run(checks)
    spans = {}
    for kind, cid, t in log:
        spans.setdefault(cid, {})[kind] = t
    for lane in (("net_a", "net_b"), ("mic", "speaker")):
        ordered = sorted((spans[c]["start"], spans[c]["end"]) for c in lane)
        for (_s1, e1), (s2, _e2) in itertools.pairwise(ordered):
            assert s2 >= e1, f"two exclusive checks of one lane ran at once: {lane}"
    net, mic = spans["net_a"], spans["mic"]
    assert net["start"] < mic["end"], "the network and audio lanes should run side by side"
    assert mic["start"] < net["end"], "the network and audio lanes should run side by side"
    a, b = spans["sys_a"], spans["sys_b"]
    assert a["start"] < b["end"], "light checks should run concurrently"
    assert b["start"] < a["end"], "light checks should run concurrently"


def test_events_in_order_with_live_values():
    events = []
    Runner(on_event=events.append).run([PoliteSlowCheck])
    assert isinstance(events[0], CheckStarted)
    assert isinstance(events[-1], CheckFinished)
    progress = [e for e in events if isinstance(e, CheckProgress)]
    assert len(progress) == 100
    assert progress[-1].live == {"level": 99.0}
    assert 0 <= progress[-1].fraction <= 1


class QueuedSlowCheck(PoliteSlowCheck):
    """A second check on the audio lane: it waits for the first one."""

    id = "slow_queued"
    metrics = (Metric("slow_queued.value", MetricType.NUMBER, "Value"),)


def test_cancel_skips_what_has_not_finished():
    runner = Runner()
    timer = threading.Timer(0.2, runner.cancel)
    timer.start()
    started = time.monotonic()
    results = runner.run([PoliteSlowCheck, QueuedSlowCheck])
    assert time.monotonic() - started < 2.5
    assert results[0].runner_status is Status.SKIPPED
    assert results[1].runner_status is Status.SKIPPED


def test_a_failing_event_handler_does_not_stop_the_run():
    def handler(event):
        raise RuntimeError("front-end bug")

    (result,) = Runner(on_event=handler).run([RamCheck])
    assert result.measurements.values["ram.gb"] == 8.0


def test_order_checks_by_category_then_order_then_id():
    assert [c.id for c in order_checks([SpeedCheck, PoliteSlowCheck, RamCheck])] == [
        "ram",
        "speed",
        "slow",
    ]
