"""Accuracy and speed of the network checks on links shaped in a network namespace.

    sudo .venv/bin/python bench/network_accuracy.py            # full matrix, ~6 minutes
    sudo .venv/bin/python bench/network_accuracy.py --quick    # 5 and 100 Mbit/s only

Prints one table: for each shaped rate (tc tbf, both directions) the download/upload read
by deskready's two backends (Speedtest Mini protocol, LibreSpeed protocol) and by the
``speedtest-cli`` command itself against the same Mini server, with the wall time of each;
then loss (nftables, random), delay and jitter (the UDP relay) as read by call_quality.

Nothing leaves this machine: servers run in the namespace; ``speedtest-cli`` fetches its
speedtest.net configuration through ``http_proxy`` pointing at the lab server, which answers
it (speedtest-cli 2.1.3 source, sivel/speedtest-cli ``speedtest.py``: ``build_opener`` installs
``ProxyHandler()``, and ``Speedtest.__init__`` always calls ``get_config()``). HTTP payload is
~95.6 % of the tbf rate (Ethernet/IP/TCP headers), so
that is the best any HTTP tool can read; errors below are against the *configured* rate.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskready.checks.api import CheckContext  # noqa: E402
from deskready.checks.network.bandwidth_check import BandwidthCheck  # noqa: E402
from deskready.checks.network.call_quality_check import CallQualityCheck  # noqa: E402
from tests.checks.network.conftest import spawn, start_coturn  # noqa: E402
from tests.checks.network.netlab import Lab, lab_available, stop  # noqa: E402

RATES = (1, 5, 20, 100, 300)
LOSSES = (0.0, 2.0, 5.0)
DELAYS = ((20.0, 2.0), (60.0, 10.0), (150.0, 30.0))


def deskready_rate(backend: str, server: str) -> tuple[float, float, float]:
    started = time.monotonic()
    ctx = CheckContext(settings={"backend": backend, "server": server}, time_budget_s=45)
    m = BandwidthCheck().run(ctx)
    return (
        float(m.values["network.download_mbps"] or 0),
        float(m.values["network.upload_mbps"] or 0),
        time.monotonic() - started,
    )


def speedtest_cli_rate(base: str) -> tuple[float, float, float]:
    env = dict(os.environ, http_proxy=base, HTTP_PROXY=base, https_proxy=base, no_proxy="")
    cli = str(Path(sys.executable).with_name("speedtest-cli"))
    started = time.monotonic()
    done = subprocess.run(
        [cli, "--mini", f"{base}/mini/", "--json", "--timeout", "10"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    if done.returncode:
        return float("nan"), float("nan"), elapsed
    data = json.loads(done.stdout)
    return data["download"] / 1e6, data["upload"] / 1e6, elapsed


def err(measured: float, configured: float) -> str:
    return f"{100 * (measured - configured) / configured:+5.1f}%"


def rate_rows(rates: tuple[int, ...], with_cli: bool) -> list[str]:
    rows = []
    for mbit in rates:
        with Lab() as lab:
            lab.shape(mbit, queue_ms=100)
            port = lab.http_server()
            base = f"http://{lab.ns_ip}:{port}"
            cells = [f"{mbit:>4} Mbit/s"]
            tools = [
                ("mini", lambda b=base: deskready_rate("speedtest", f"{b}/mini/")),
                ("libre", lambda b=base: deskready_rate("librespeed", f"{b}/backend/")),
            ]
            if with_cli:
                tools.append(("cli", lambda b=base: speedtest_cli_rate(b)))
            for _name, run in tools:
                down, up, wall = run()
                cells.append(
                    f"{down:7.2f} {err(down, mbit)} {up:7.2f} {err(up, mbit)} {wall:5.1f}s"
                )
                time.sleep(1.0)  # let the previous run's queues drain
            rows.append(" | ".join(cells))
            print(rows[-1], flush=True)
    return rows


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
    parser.add_argument("--quick", action="store_true", help="5 and 100 Mbit/s only")
    parser.add_argument("--no-cli", action="store_true", help="skip speedtest-cli")
    parser.add_argument("--rates", type=int, nargs="*", help="Mbit/s to test (default: all)")
    args = parser.parse_args()
    reason = lab_available()
    if reason:
        sys.exit(f"cannot run: {reason}")
    rates = tuple(args.rates) if args.rates else (5, 100) if args.quick else RATES
    print("rate (tbf)  | deskready Mini: down err up err wall | deskready LibreSpeed: same"
          + ("" if args.no_cli else " | speedtest-cli --mini: same"), flush=True)  # fmt: skip
    rate_rows(rates, not args.no_cli)
    print()
    quality_rows()


if __name__ == "__main__":
    main()
