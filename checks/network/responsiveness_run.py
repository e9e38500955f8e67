"""The responsiveness test's algorithm: idle probes, then load that grows until goodput
stops rising, probes throughout, and a result once responsiveness settles or time is up.

draft-ietf-ippm-responsiveness-08 §5.4 *Final Algorithm*, with these differences (each
one said again in docs/checks-network.md):

* **Interval 0.5 s** instead of the draft's ID = 1 s, so that goodput saturation (at
  least 2·MAD − 1 = 7 intervals) and responsiveness stability (MAD more) fit in the
  12-second default instead of 10–20 s. MAD = 4, TMP = 95 %, SDT = 5 % as in the draft.
* **Upload and download at once** (the draft's "concurrent" mode, what Apple's
  networkQuality does by default): one score, as a home's calls meet both directions.
* **At most 8 connections per direction** (16 together: the draft's MNP), one added per
  direction per interval until that direction's goodput is stable; none added after,
  except in place of one that starved (at most 16 opened per direction).
* **HTTP/1.1**, so self probes are sent between load requests (see
  :mod:`responsiveness_load`); the upload goodput counts bytes written to the sockets,
  which is enough to see it stop rising (rates are the bandwidth check's job).
* **At most 20 probe pairs a second** (the draft allows MPS = 100), and never more than
  PTC = 5 % of the goodput, at least one pair a second.
* The responsiveness of an interval uses the probes that completed in the last MAD
  intervals, counted only once both directions are saturated.
* Stopping at the time cap without stability reports the last figure with the draft's
  confidence ("low" before MAD intervals of saturated load, else "medium").
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from deskready.checks.network import responsiveness_math as rm
from deskready.checks.network.adapters import NetAdapter
from deskready.checks.network.responsiveness_load import Load
from deskready.checks.network.responsiveness_probes import (
    Endpoint,
    ForeignSample,
    ProbeConnection,
    foreign_probe,
    idle_self_probes,
)
from deskready.checks.network.transfer_errors import (
    REQUEST_ERRORS,
    RequestTimeout,
    TransferError,
    describe,
    stalled,
)

INTERVAL_S = 0.5
MAX_CONNECTIONS = 8  # per direction
MAX_PROBES_PER_S = 20.0
FOREIGN_IN_FLIGHT = 4
#: a probe slower than this counts as failed (a queue of seconds is already an F)
PROBE_TIMEOUT_S = 6.0
#: a direction that moves no byte for this long has stalled: the server or path is broken
STALL_S = 4.0
IDLE_PROBES = 8


@dataclass(frozen=True)
class Idle:
    """The probes on an idle link: their means, the RPM and the latency it stands for."""

    means: rm.ProbeMeans
    rpm: float
    ms: float


@dataclass
class Loaded:
    """What the loaded part of the test found."""

    rpm: float
    means: rm.ProbeMeans
    confidence: str
    saturated: bool
    settled: bool
    seconds: float
    connections: dict[str, int]  # opened per direction
    starved: dict[str, int]  # connections that ended by a timeout, per direction
    goodput_mbps: dict[str, float]
    foreign_probes: int
    self_probes: int
    foreign_failed: int
    series: list[list[float]] = field(default_factory=list)  # [[t_s, working ms], …]


def _means(
    foreign: list[ForeignSample],
    selfs: list[float],
    average: Callable[[list[float]], float | None] = rm.trimmed_mean,
) -> rm.ProbeMeans:
    tls = [s.tls_ms for s in foreign if s.tls_ms is not None]
    return rm.ProbeMeans(
        tcp_f=average([s.tcp_ms for s in foreign]),
        tls_f=average(tls) if tls else None,
        http_f=average([s.http_ms for s in foreign]),
        http_l=average(selfs),
    )


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def measure_idle(endpoint: Endpoint, net: NetAdapter, timeout: float, until: float) -> Idle:
    """Probes before any load: the baseline the added latency is measured from.

    Each probe ends within ``timeout`` seconds, and all of them by ``until`` (monotonic).
    Raises whatever a request raises (the caller turns it into a sentence): a server that
    cannot be reached fails here, before any load is sent.
    """

    def bound() -> float:
        left = until - time.monotonic()
        if left <= 0:
            raise RequestTimeout(timeout)
        return min(timeout, left)

    foreign = [foreign_probe(endpoint, net, bound()) for _ in range(IDLE_PROBES)]
    selfs = idle_self_probes(endpoint, net, IDLE_PROBES, bound())
    # The draft defines no idle figure. Eight samples of each kind are too few for a
    # trimmed mean (95 % of 8 keeps all 8: one scheduling hiccup would move the baseline
    # the added latency is taken from), so the idle baseline takes their medians.
    means = _means(foreign, selfs, _median)
    rpm = rm.responsiveness(means)
    assert rpm is not None  # every probe completed
    return Idle(means, rpm, 60000.0 / rpm)


class _Foreign:
    """Foreign probes launched in their own threads, at most a few at a time."""

    def __init__(self, endpoint: Endpoint, net: NetAdapter) -> None:
        self.endpoint = endpoint
        self.net = net
        self.samples: list[ForeignSample] = []
        self.failures: list[BaseException] = []
        self.launched = 0
        self._slots = threading.Semaphore(FOREIGN_IN_FLIGHT)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._live: dict[int, ProbeConnection] = {}
        self._stopping = threading.Event()

    def launch(self, timeout: float) -> None:
        if not self._slots.acquire(blocking=False):
            return  # the ones in flight are slow: the queue is long; do not pile up

        def probe() -> None:
            def track(conn: ProbeConnection | None) -> None:
                with self._lock:
                    if conn is None:
                        self._live.pop(threading.get_ident(), None)
                    else:
                        self._live[threading.get_ident()] = conn

            try:
                sample = foreign_probe(self.endpoint, self.net, timeout, track)
                with self._lock:
                    self.samples.append(sample)
            except REQUEST_ERRORS as exc:
                if not self._stopping.is_set():  # aborted by stop(): not the network's fault
                    with self._lock:
                        self.failures.append(exc)
            finally:
                self._slots.release()

        thread = threading.Thread(target=probe, name="deskready-rpm-probe", daemon=True)
        self.launched += 1
        self._threads.append(thread)
        thread.start()

    def stop(self, seconds: float) -> None:
        """Abort the probes still in flight and wait (bounded) for their threads."""
        self._stopping.set()
        with self._lock:
            live = list(self._live.values())
        for conn in live:
            conn.abort()
        deadline = time.monotonic() + seconds
        for thread in self._threads:
            thread.join(max(0.01, deadline - time.monotonic()))

    def window(self, start: float, end: float) -> list[ForeignSample]:
        with self._lock:
            return [s for s in self.samples if start <= s.done < end]


def measure_loaded(
    endpoint: Endpoint,
    net: NetAdapter,
    seconds: float,
    check_cancelled: Callable[[], None],
    on_interval: Callable[[float, float | None], None],
) -> Loaded:
    """Load both directions for at most ``seconds`` and measure responsiveness meanwhile.

    ``check_cancelled`` raises to stop the test (the check's cancellation);
    ``on_interval(fraction, rpm)`` is called after every interval.

    Raises:
        TransferError: a load connection failed, a direction stalled, or most foreign
            probes failed; with a sentence naming the server.
    """
    load = Load(endpoint, net, read_timeout=STALL_S)
    foreign = _Foreign(endpoint, net)
    directions = (load.down, load.up)
    started = time.monotonic()
    end = started + seconds
    boundaries = [started]
    moved: dict[str, list[float]] = {d.name: [] for d in directions}  # bit/s per interval
    last_total = {d.name: 0 for d in directions}
    saturated = {d.name: False for d in directions}
    held = {d.name: 0 for d in directions}  # connections running when it saturated
    rpms: list[float] = []
    series: list[list[float]] = []
    settled = False
    rng = random.Random()
    next_probe = started
    recent_bps = 0.0

    def window_means(upto: float) -> rm.ProbeMeans:
        start = boundaries[max(0, len(boundaries) - 1 - rm.MAD)]
        return _means(foreign.window(start, upto), load.self_window(start, upto))

    try:
        for direction in directions:
            load.add(direction)
        while True:
            now = time.monotonic()
            if now >= end:
                break
            check_cancelled()
            if load.errors:
                raise TransferError(describe(load.errors[0][1], endpoint.name))
            for direction in directions:
                # one starved connection is TCP backing off on an overfull queue; a second
                # means the server serves each connection a little and then nothing
                if now - direction.last_moved > STALL_S or load.starved[direction.name] > 1:
                    raise TransferError(
                        stalled(endpoint.name, STALL_S, upload=direction is load.up)
                    )
            if now >= next_probe:
                rate = rm.probe_rate(recent_bps, MAX_PROBES_PER_S)
                next_probe = now + 1.0 / rate
                foreign.launch(min(PROBE_TIMEOUT_S, max(0.5, end - now + 1.0)))
                load.want_self_probe(rng)
            if now >= boundaries[-1] + INTERVAL_S:
                # goodput as a rate: a loop that woke late made a longer interval, which
                # must not read as more goodput (SDT is 5 %)
                length = now - boundaries[-1]
                boundaries.append(now)
                recent_bps = 0.0
                for direction in directions:
                    total = direction.moved()
                    bps = (total - last_total[direction.name]) * 8 / length
                    moved[direction.name].append(bps)
                    recent_bps += bps
                    last_total[direction.name] = total
                    room = load.opened[direction.name] < 2 * MAX_CONNECTIONS  # starved ones
                    if saturated[direction.name]:
                        # no connection is added after saturation, but a starved one is
                        # replaced: the path stays under the load that saturated it
                        if room and load.connections(direction) < held[direction.name]:
                            load.add(direction)
                        continue
                    if rm.stable(rm.moving_averages(moved[direction.name])):
                        saturated[direction.name] = True
                        held[direction.name] = load.connections(direction)
                    elif (
                        bps > 0  # more connections cannot help a direction that moves nothing
                        and load.connections(direction) < MAX_CONNECTIONS
                        and room
                    ):
                        load.add(direction)
                rpm_now: float | None = None
                if all(saturated.values()):
                    rpm_now = rm.responsiveness(window_means(now))
                    if rpm_now is not None:
                        rpms.append(rpm_now)
                        series.append([round(now - started, 2), round(60000.0 / rpm_now, 2)])
                        if rm.stable(rpms):
                            settled = True
                on_interval((now - started) / seconds, rpm_now)
                if settled:
                    break
            pause = min(next_probe, boundaries[-1] + INTERVAL_S, end) - time.monotonic()
            time.sleep(min(0.05, max(0.002, pause)))
    finally:
        ended = time.monotonic()
        load.stop(0.5)
        foreign.stop(0.5)
    means = window_means(boundaries[-1] if settled else ended + 1.0)
    rpm = rm.responsiveness(means)
    failed = len(foreign.failures)
    if rpm is None or failed > max(2, len(foreign.samples)):
        problem = foreign.failures[0] if foreign.failures else TimeoutError("no probe completed")
        raise TransferError(describe(problem, endpoint.name))
    recent = {  # the mean rate of the last MAD intervals, Mbit/s
        name: sum(values[-rm.MAD :]) / len(values[-rm.MAD :]) / 1e6 if values else 0.0
        for name, values in moved.items()
    }
    return Loaded(
        rpm=rpm,
        means=means,
        confidence=rm.confidence(len(rpms), settled) if all(saturated.values()) else "low",
        saturated=all(saturated.values()),
        settled=settled,
        seconds=ended - started,
        connections=dict(load.opened),
        starved=dict(load.starved),
        goodput_mbps={k: round(v, 2) for k, v in recent.items()},
        foreign_probes=len(foreign.samples),
        self_probes=len(load.self_samples),
        foreign_failed=failed,
        series=series,
    )
