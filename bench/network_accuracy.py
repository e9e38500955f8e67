"""Accuracy and speed of the network checks on links shaped in a network namespace.

    sudo .venv/bin/python bench/network_accuracy.py            # full matrix (~35 minutes)
    sudo .venv/bin/python bench/network_accuracy.py --quick    # 16 cells (~10 minutes)
    sudo .venv/bin/python bench/network_accuracy.py --rates 5 --rtts 50 --losses 0 2

One table, one row per link: rate (tc tbf, both directions) × round-trip time (added by
tests/checks/network/nfdelay.py: this kernel has no netem) × random TCP loss (nftables).
For each link:

* **ceiling** — the HTTP payload the link can carry: 1448 / 1514 of the tbf rate
  (Ethernet + IPv4 + TCP-with-timestamps headers), the best any HTTP tool can read;
* **deskready** (the real ``bandwidth`` check, LibreSpeed protocol, default settings):
  download and upload, each against what the link *carried* over the reading's own window
  (tc's byte counters, ``netlab.LinkMeter``; the reading must never be above it) and
  against the ceiling; and the check's wall time;
* **speedtest-cli --mini** against the same lab server, the baseline measured in the same
  run (its constructor fetches its speedtest.net configuration through ``http_proxy``
  pointing at the lab server, which answers it: sivel/speedtest-cli ``speedtest.py``,
  ``build_opener`` installs ``ProxyHandler()`` and ``Speedtest.__init__`` calls
  ``get_config()``); against the ceiling, since its windows are its own;
* **librespeed-cli** (Go) when it is on PATH: it is in neither Debian 12 nor PyPI, so the
  column says "not installed" otherwise;
* one column per entry of :data:`EXTRA_PROBES` (a hook for further per-link probes).

Then responsiveness (RPM, added latency, grade) beside the queue delay built into a router
namespace (bench/responsiveness.py: the queue must sit on a router, not the sender's own
interface, so those rows have a lab of their own).

Then loss (nftables, random), delay and jitter (the UDP relay) as read by call_quality.
Nothing leaves this machine: every server runs in the namespace. The machine is shared
and loaded while this runs: timing figures are noisy; the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.responsiveness import responsiveness_rows  # noqa: E402
from deskready.checks.api import CheckContext  # noqa: E402
from deskready.checks.network.bandwidth_check import BandwidthCheck  # noqa: E402
from deskready.checks.network.call_quality_check import CallQualityCheck  # noqa: E402
from deskready.checks.network.http_transport import Phase  # noqa: E402
from tests.checks.network.conftest import spawn, start_coturn  # noqa: E402
from tests.checks.network.netlab import Lab, LinkMeter, lab_available, stop  # noqa: E402

RATES = (1, 5, 20, 100, 300, 1000)
RTTS = (5.0, 50.0, 300.0)
TCP_LOSSES = (0.0, 1.0, 5.0)
QUICK = ((1, 5, 100, 1000), (5.0, 300.0), (0.0, 5.0))
PAYLOAD_SHARE = 1448 / 1514
LOSSES = (0.0, 2.0, 5.0)
DELAYS = ((20.0, 2.0), (60.0, 10.0), (150.0, 30.0))

#: Extra probes run on each link after the bandwidth tools: ``(column title, probe)``;
#: ``probe(lab, base_url)`` returns the cell's text (``base_url`` is the lab HTTP server,
#: which serves the Mini and LibreSpeed protocols). The responsiveness (RPM) check
#: appends itself here; the bench does not depend on it.
EXTRA_PROBES: list[tuple[str, Callable[[Lab, str], str]]] = []


class _Recording(BandwidthCheck):
    """The real check, keeping each phase (with its window) for the comparison."""

    phases: dict[str, Phase]

    def _run_phase(self, ctx: CheckContext, target: Any, net: Any, direction: str,
                   seconds: float, deadline: Any, rtt_ms: float) -> Phase:  # fmt: skip
        phase = super()._run_phase(ctx, target, net, direction, seconds, deadline, rtt_ms)
        self.phases[direction] = phase
        return phase


def deskready(lab: Lab, base: str) -> tuple[dict[str, Phase], float, float]:
    """Run the check; its phases, its wall time, and the idle RTT it measured."""
    check = _Recording()
    check.phases = {}
    ctx = CheckContext(
        settings={"backend": "librespeed", "server": f"{base}/backend/"}, time_budget_s=45
    )
    started = time.monotonic()
    m = check.run(ctx)
    return check.phases, time.monotonic() - started, float(m.details["idle_rtt_ms"])  # type: ignore[arg-type]


def speedtest_cli_rate(base: str) -> tuple[float, float, float]:
    env = dict(os.environ, http_proxy=base, HTTP_PROXY=base, https_proxy=base, no_proxy="")
    cli = str(Path(sys.executable).with_name("speedtest-cli"))
    started = time.monotonic()
    try:
        done = subprocess.run(
            [cli, "--mini", f"{base}/mini/", "--json", "--timeout", "10"],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return math.nan, math.nan, time.monotonic() - started
    elapsed = time.monotonic() - started
    if done.returncode:
        return math.nan, math.nan, elapsed
    data = json.loads(done.stdout)
    return data["download"] / 1e6, data["upload"] / 1e6, elapsed


def librespeed_cli_rate(base: str) -> str:
    """librespeed-cli against the lab's LibreSpeed backend, or why not."""
    cli = shutil.which("librespeed-cli")
    if cli is None:
        return "not installed"
    server = json.dumps([{"id": 1, "name": "lab", "server": f"{base}/", "dlURL": "backend/garbage.php",
                          "ulURL": "backend/empty.php", "pingURL": "backend/empty.php",
                          "getIpURL": "backend/getIP.php"}])  # fmt: skip
    listing = Path("/tmp/deskready-bench-servers.json")
    listing.write_text(server, encoding="utf-8")
    try:
        done = subprocess.run(
            [cli, "--local-json", str(listing), "--server", "1", "--json"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        data = json.loads(done.stdout)[0]
    except (subprocess.TimeoutExpired, ValueError, IndexError, KeyError):
        return "failed"
    return f"{float(data['download']):7.2f} {float(data['upload']):7.2f}"


def pct(measured: float, reference: float) -> str:
    if not reference or math.isnan(measured):
        return "   n/a"
    return f"{100 * (measured - reference) / reference:+5.1f}%"


def link_rows(rates: tuple[int, ...], rtts: tuple[float, ...], losses: tuple[float, ...],
              with_cli: bool) -> None:  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared with other work)")
    titles = "".join(f" | {name}" for name, _probe in EXTRA_PROBES)
    print(
        "rate Mbit/s  rtt ms  loss % | ceiling | deskready down  vs link  vs ceil | up  vs link"
        "  vs ceil | wall s | speedtest-cli down  vs ceil | up  vs ceil | wall s | "
        "librespeed-cli down up" + titles, flush=True,
    )  # fmt: skip
    for mbit in rates:
        for rtt in rtts:
            for loss in losses:
                print(link_row(mbit, rtt, loss, with_cli), flush=True)


def link_row(mbit: int, rtt: float, loss: float, with_cli: bool) -> str:
    ceiling = mbit * PAYLOAD_SHARE
    with Lab() as lab:
        lab.shape(mbit, queue_ms=100)
        if loss:
            lab.tcp_loss_random(loss)
        lab.delay(rtt)
        base = f"http://{lab.ns_ip}:{lab.http_server()}"
        cells = [f"{mbit:>11} {rtt:>7.0f} {loss:>7.1f}", f"{ceiling:7.2f}"]
        try:
            with LinkMeter(lab) as meter:
                phases, wall, _idle = deskready(lab, base)
            for direction, download in (("download", True), ("upload", False)):
                p = phases[direction]
                carried = meter.mbps(download, p.opened, p.closed)
                cells.append(f"{p.mbps:8.2f} {pct(p.mbps, carried)} {pct(p.mbps, ceiling)}")
            cells.append(f"{wall:6.1f}")
        except Exception as exc:  # a cell that failed says so; the table goes on
            cells += [f"failed: {exc}"[:60], "", ""]
        if with_cli:
            time.sleep(1.0)  # let the previous run's queues drain
            down, up, cli_wall = speedtest_cli_rate(base)
            cells += [f"{down:8.2f} {pct(down, ceiling)}", f"{up:8.2f} {pct(up, ceiling)}",
                      f"{cli_wall:6.1f}"]  # fmt: skip
        else:
            cells += ["skipped", "", ""]
        cells.append(librespeed_cli_rate(base))
        for _name, probe in EXTRA_PROBES:
            try:
                cells.append(probe(lab, base))
            except Exception as exc:
                cells.append(f"failed: {exc}"[:40])
    return " | ".join(cells)


def quality_rows() -> list[str]:
    rows = []
    for loss in LOSSES:
        with Lab() as lab:
            proc, port = start_coturn(["ip", "netns", "exec", lab.ns], [lab.ns_ip])
            lab.procs.append(proc)  # type: ignore[arg-type]
            if loss:
                lab.udp_loss_random(loss)
            rows.append(quality(f"loss {loss:.0f} %", f"{lab.ns_ip}:{port}", loss, 0.0, 0.0))
    with Lab() as lab:
        proc, port = start_coturn(["ip", "netns", "exec", lab.ns], [lab.ns_ip])
        lab.procs.append(proc)  # type: ignore[arg-type]
        for delay, jitter in DELAYS:
            relay, rport = spawn("relay", "--upstream", f"{lab.ns_ip}:{port}",
                                 "--delay-ms", str(delay), "--jitter-ms", str(jitter))  # fmt: skip
            try:
                label = f"delay {delay:.0f} ms, jitter {jitter:.0f} ms"
                rows.append(quality(label, f"127.0.0.1:{rport}", 0.0, delay, jitter))
            finally:
                stop(relay)
    return rows


def quality(label: str, server: str, loss: float, delay: float, jitter: float) -> str:
    started = time.monotonic()
    ctx = CheckContext(settings={"stun_servers": [server], "duration_s": 10}, time_budget_s=30)
    v = CallQualityCheck().run(ctx).values
    wall = time.monotonic() - started
    row = (
        f"{label:<28} | loss {v['network.loss_pct']:5.2f} % (set {loss:.0f}) | "
        f"rtt {v['network.rtt_ms']:7.2f} ms (set {delay:.0f}) | "
        f"jitter {v['network.jitter_ms']:6.2f} ms (set {jitter:.0f}) | "
        f"MOS {v['network.mos']} {v['network.mos_grade']} | {wall:4.1f}s"
    )
    print(row, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="16 cells: 1-1000 Mbit/s, 5/300 ms, 0/5 %%"
    )
    parser.add_argument("--no-cli", action="store_true", help="skip speedtest-cli")
    parser.add_argument("--no-quality", action="store_true", help="skip the call-quality rows")
    parser.add_argument(
        "--no-responsiveness", action="store_true", help="skip the responsiveness rows"
    )
    parser.add_argument("--rates", type=int, nargs="*", help="Mbit/s (default: all)")
    parser.add_argument("--rtts", type=float, nargs="*", help="added RTT, ms (default: all)")
    parser.add_argument("--losses", type=float, nargs="*", help="TCP loss, %% (default: all)")
    args = parser.parse_args()
    reason = lab_available()
    if reason:
        sys.exit(f"cannot run: {reason}")
    rates, rtts, losses = QUICK if args.quick else (RATES, RTTS, TCP_LOSSES)
    link_rows(tuple(args.rates or rates), tuple(args.rtts or rtts), tuple(args.losses or losses),
              not args.no_cli)  # fmt: skip
    if not args.no_quality:
        print()
        quality_rows()
    if not args.no_responsiveness:
        print()
        print("responsiveness vs the delay built into the link (a router queue, reno senders)")
        for line in responsiveness_rows():  # each row in a three-namespace lab of its own
            print(line, flush=True)


if __name__ == "__main__":
    main()
