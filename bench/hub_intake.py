"""Signed report submissions per second on one hub, with 32 concurrent clients (issue 15:
≥ 300 reports/s and p99 ≤ 250 ms on PostgreSQL, this 2-core machine).

Usage: .venv/bin/python bench/hub_intake.py [--clients 32] [--reports 1500] [--workers 2]
       [--db sqlite|postgresql|both] [--agents 500] [--wrk-seconds S] [--profile DIR]

For each database: a fresh hub (``deskready.hub.admin.init_hub``; PostgreSQL on a
throwaway cluster started here with ``initdb``/``pg_ctl`` on 127.0.0.1, ``fsync`` on, as
the ``postgres`` user when run as root), served by uvicorn on 127.0.0.1 with ``--workers``
processes. Sessions are opened first, and one real sealed report (built by
:class:`deskready.session.Session`) is rebound to each session and resealed, so the timed
part is only ``POST /api/v1/sessions/<id>/report``: parse, digest, the protocol's checks,
the hub's observations, re-judging, the insert and the Ed25519 signature. The baseline is
the same clients against ``GET /api/v1/info`` in the same run. The reports are sent twice
over, half by httpx (asyncio, Python) and half by wrk (C, Debian's ``wrk``, when installed),
so the table shows how much of the figure is the load generator's: both run on the same two
cores as the hub.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from deskready.hub import admin  # noqa: E402
from deskready.hub.config import load_config, save_config  # noqa: E402
from deskready.report.integrity import seal  # noqa: E402
from tests.hub.api_helpers import SPEC, make_report, uvicorn_hub  # noqa: E402

GOAL_RPS = 300.0
GOAL_P99_MS = 250.0
START_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 30
BASELINE_REQUESTS = 3000
ADMIN = "bench@hub.example"
PASSWORD = "bench password 1234"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_bin() -> Path:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "pg_ctl").exists():
            return folder
    raise SystemExit("PostgreSQL server binaries (initdb, pg_ctl) are missing")


#: the data folder of the running throwaway cluster (its postmaster.pid names the server)
POSTGRES_DATA: list[Path] = []


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1; yields a database URL."""
    bin_dir = _pg_bin()
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="deskready-bench-pg-"))
    if as_root:
        import pwd

        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)

    def run(*args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if as_root else list(args)
        subprocess.run(command, check=True, capture_output=True, timeout=START_TIMEOUT_S + 10)

    port = _free_port()
    data = base / "data"
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -k {base} -c max_connections=200"
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(base / "log"),
        "-w",
        "-o",
        options,
        "start",
    )
    try:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True, connect_timeout=10
        ) as conn:
            conn.execute('CREATE DATABASE "hub"')
        POSTGRES_DATA.append(data)
        yield f"postgresql://postgres@127.0.0.1:{port}/hub"
    finally:
        with contextlib.suppress(Exception):
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(base, ignore_errors=True)


def make_hub(
    folder: Path, database_url: str | None, port: int, sessions: int, agents: int = 1
) -> list[tuple[str, str]]:
    """A hub in ``folder`` with no rate limits to speak of; (agent id, invite code) of each
    of ``agents`` agents, every invite good for ``sessions`` sessions."""
    admin.init_hub(
        folder,
        admin_email=ADMIN,
        admin_password=PASSWORD,
        database_url=database_url,
        public_url=f"http://127.0.0.1:{port}",
    )
    config = load_config(folder)
    save_config(
        replace(
            config,
            limits=replace(
                config.limits,
                rate_per_address_per_minute=1_000_000,
                rate_per_invite_per_minute=1_000_000,
            ),
        )
    )
    from deskready.hub.db import make_engine, session_factory

    engine = make_engine(config.database_url)
    with session_factory(engine)() as db:
        admin.upload_spec(db, "acme", SPEC, actor=ADMIN)
        codes = []
        for number in range(agents):
            agent = "AG-7" if agents == 1 else f"AG-{number:05d}"
            made = admin.create_invite(
                db,
                agent_id=agent,
                spec_name="acme",
                expires=timedelta(days=1),
                uses=sessions,
                actor=ADMIN,
            )
            codes.append((agent, made.code))
        db.commit()
    engine.dispose()
    return codes


async def _drive(
    url: str, clients: int, requests: list[tuple[str, str, bytes | None]], expect: set[int]
) -> tuple[float, list[float], int]:
    """Send ``requests`` from ``clients`` concurrent clients; wall time, latencies, errors."""
    queue: asyncio.Queue[tuple[str, str, bytes | None]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            method, path, body = queue.get_nowait()
            started = time.perf_counter()
            answer = await client.request(
                method, path, content=body, headers={"content-type": "application/json"}
            )
            latencies.append(time.perf_counter() - started)
            if answer.status_code not in expect:
                errors += 1

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=REQUEST_TIMEOUT_S) as c:
        started = time.perf_counter()
        await asyncio.gather(*(worker(c) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, errors


WRK_SCRIPT = r"""
-- Each wrk thread sends its own share of the prepared (path, body) pairs, once each:
-- a report is bound to its session's nonce, so sending one twice would only measure the
-- hub's cheaper idempotent answer. A thread that runs out asks for nothing new (counted).
-- wrk runs for its whole -d whatever its threads do, so its own duration is not the time the
-- reports took: each thread reads a monotonic clock (LuaJIT's ffi, clock_gettime) when it
-- sends its first report and when its last one is answered, and done() takes the span.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } deskready_timespec;
int clock_gettime(int clock_id, deskready_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local function now_us()
  local t = ffi.new("deskready_timespec")
  ffi.C.clock_gettime(CLOCK_MONOTONIC, t)
  return tonumber(t.tv_sec) * 1000000 + tonumber(t.tv_nsec) / 1000
end
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  items, n, out_of_items, statuses, first_us, last_us = {}, 0, 0, {}, 0, 0
  local count = tonumber(args[2])
  local i = 0
  for line in io.lines(args[1]) do
    if i % count == id then
      local path, body = line:match("^(%S+)\t(.*)$")
      table.insert(items, wrk.format("POST", path, {["Content-Type"] = "application/json"}, body))
    end
    i = i + 1
  end
end
function request()
  -- wrk 4.1 calls request() once on its first thread before the run, only to count the
  -- requests in what it returns (script_verify_request): that call must not use a report
  if id == 0 and not verified then
    verified = true
    return wrk.format("GET", "/api/v1/info")
  end
  n = n + 1
  if n == 1 then first_us = now_us() end
  if n > #items then
    out_of_items = out_of_items + 1
    return wrk.format("GET", "/api/v1/info")
  end
  return items[n]
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  -- a report is answered 201 (or refused, 4xx); 200 is the GET /info of a connection whose
  -- thread ran out, which must not end the thread while its last reports are in flight
  if status ~= 200 then
    answered = (answered or 0) + 1
    last_us = now_us()  -- the span ends at the last report answered, wherever -d ends
  end
  -- and the thread stops once its reports are all answered (should one never be, the
  -- thread runs on to -d and the report is not counted as created)
  if (answered or 0) >= #items then wrk.thread:stop() end
end
function done(summary, latency, requests)
  -- failed: any answer but 201 (a report) and 200 (the GET /info sent once a thread ran out)
  local created, exhausted, failed, first, last = 0, 0, 0, nil, 0
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    local began, ended = thread:get("first_us"), thread:get("last_us")
    if began > 0 and (first == nil or began < first) then first = began end
    if ended > last then last = ended end
    created = created + (s[201] or 0)
    exhausted = exhausted + thread:get("out_of_items")
    for status, count in pairs(s) do
      if status ~= 200 and status ~= 201 then
        failed = failed + count
        io.write(string.format("WRK-STATUS %d %d\n", status, count))
      end
    end
  end
  local e = summary.errors
  io.write(string.format("WRK-SOCKET connect %d read %d write %d timeout %d\n", e.connect,
    e.read, e.write, e.timeout))
  local span = first and (last - first) or summary.duration
  io.write(string.format("WRK %d %d %d %.1f %.1f %d %d\n", summary.requests, created,
    span, latency:percentile(50) / 1000, latency:percentile(99) / 1000, exhausted,
    failed + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


def _drive_wrk(
    url: str, clients: int, requests: list[tuple[str, str, bytes | None]], seconds: float
) -> dict[str, float] | None:
    """The same reports sent by wrk (a C load generator, Debian's ``wrk``), so the clients
    take little of the two cores the hub runs on; None when wrk is not installed."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, script = Path(tmp) / "requests.tsv", Path(tmp) / "post.lua"
        data.write_text(
            "".join(f"{path}\t{(body or b'').decode()}\n" for _m, path, body in requests),
            encoding="utf-8",
        )
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        threads = 2
        done = subprocess.run(
            [wrk, "-t", str(threads), "-c", str(clients), "-d", f"{seconds:.0f}s",
             "--latency", "-s", str(script), url, "--", str(data), str(threads)],
            capture_output=True, text=True, timeout=seconds + 60, check=False,
        )  # fmt: skip
    line = next((row for row in done.stdout.splitlines() if row.startswith("WRK ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {done.stdout}{done.stderr}")
    for row in done.stdout.splitlines():
        if row.startswith("WRK-STATUS "):  # answers other than 200/201, by status
            _w, status, count = row.split()
            print(f"wrk: {count} answers with status {status}", file=sys.stderr)
        if row.startswith("WRK-SOCKET ") and row.split()[2::2] != ["0"] * 4:
            print(f"wrk socket errors: {row[len('WRK-SOCKET ') :]}", file=sys.stderr)
    _w, total, created, micros, p50, p99, exhausted, failed = line.split()
    elapsed = int(micros) / 1e6
    return {
        "requests": int(total),
        "created": int(created),
        "per_s": int(created) / elapsed,
        "seconds": elapsed,
        "p50_ms": float(p50),
        "p99_ms": float(p99),
        "exhausted": int(exhausted),
        "failed": int(failed),
    }


#: (database, reports created, CPU seconds per part) of each wrk phase
CPU_ROWS: list[tuple[str, int, dict[str, float]]] = []


def _cpu_seconds(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


def _postgres_pids() -> list[int]:
    """The throwaway cluster's server and its backends (not any other PostgreSQL here)."""
    import psutil

    if not POSTGRES_DATA:
        return []
    try:
        postmaster = int((POSTGRES_DATA[-1] / "postmaster.pid").read_text().split()[0])
        server = psutil.Process(postmaster)
        return [postmaster, *(child.pid for child in server.children(recursive=True))]
    except (OSError, ValueError, psutil.Error):
        return []


@contextlib.contextmanager
def cpu_split() -> Iterator[dict[str, float]]:
    """CPU seconds the hub's workers, PostgreSQL and the load generator (wrk, a child of
    this process) used while the block ran: where the two cores went."""
    import resource

    split: dict[str, float] = {}
    workers = _uvicorn_workers()
    before_pg = {pid: _cpu_seconds([pid]) for pid in _postgres_pids()}
    before_hub = _cpu_seconds(workers)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine = _machine_cpu()
    processes = _all_processes()
    started = time.perf_counter()
    yield split
    split["wall"] = time.perf_counter() - started
    after_machine = _machine_cpu()
    by_name: dict[str, float] = {}
    for pid, (name, seconds) in _all_processes().items():
        by_name[name] = by_name.get(name, 0.0) + seconds - processes.get(pid, (name, 0.0))[1]
    split["by name"] = by_name  # type: ignore[assignment]
    for part in ("busy", "softirq", "steal", "forks"):
        split[f"machine {part}"] = after_machine[part] - machine[part]
    split["hub"] = _cpu_seconds(workers) - before_hub
    # backends that started during the block count whole; those that ended are lost (the
    # pool keeps its connections, so there are none in a steady run)
    split["postgresql"] = sum(
        _cpu_seconds([pid]) - before_pg.get(pid, 0.0) for pid in _postgres_pids()
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    split["load generator"] = (after.ru_utime + after.ru_stime) - (
        children.ru_utime + children.ru_stime
    )


def _all_processes() -> dict[int, tuple[str, float]]:
    """(name, CPU seconds) of every process on the machine, by pid."""
    import psutil

    found = {}
    for process in psutil.process_iter(["name", "cpu_times"]):
        times = process.info.get("cpu_times")
        if times is not None:
            found[process.pid] = (str(process.info.get("name")), times.user + times.system)
    return found


#: (database, CPU seconds by process name) of each wrk phase, the hub's own parts included
BY_NAME: list[tuple[str, dict[str, float]]] = []


def _machine_cpu() -> dict[str, float]:
    """CPU seconds the whole machine spent busy (everything but idle and I/O wait) and, of
    those, in soft interrupts (loopback TCP is mostly softirq, charged to no process)."""
    import psutil

    times = psutil.cpu_times()
    parts = times._asdict()
    # guest time is counted in user already; steal is the hypervisor's, not this machine's
    not_busy = ("idle", "iowait", "steal", "guest", "guest_nice")
    return {
        "busy": sum(v for k, v in parts.items() if k not in not_busy),
        "softirq": parts.get("softirq", 0.0),
        "steal": parts.get("steal", 0.0),
        "forks": float(_forks()),
    }


def _forks() -> int:
    """Processes created since boot (/proc/stat): a process that starts and ends inside
    the phase is in no snapshot, so its CPU shows only as 'other'."""
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("processes "):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _uvicorn_workers() -> list[int]:
    """The pids of the uvicorn worker processes this bench started (spawned children)."""
    import psutil

    found = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            line = " ".join(child.cmdline())
            if "multiprocessing.spawn" in line and "resource_tracker" not in line:
                found.append(child.pid)
    return found


@contextlib.contextmanager
def profiled(out: Path | None, kind: str) -> Iterator[None]:
    """py-spy on every uvicorn worker while the block runs (the submit phase only: a
    profile over the whole run is dominated by the joins), then the hottest frames."""
    if out is None:
        yield
        return
    spy = shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    out.mkdir(parents=True, exist_ok=True)
    spies = []
    for pid in _uvicorn_workers():
        target = out / f"{kind.lower()}-worker-{pid}.txt"
        spies.append(
            (
                target,
                subprocess.Popen(
                    [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "250",
                     "--nonblocking", "-o", str(target)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                ),
            )
        )  # fmt: skip
    time.sleep(1.0)  # py-spy attaches
    try:
        yield
    finally:
        for _target, process in spies:
            process.send_signal(2)  # SIGINT: py-spy writes its file and exits
        for _target, process in spies:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        _print_profile([target for target, _p in spies])


#: frames worth naming in the profile summary (the rest is folded into its caller)
PROFILE_TOP = 30


def _print_profile(files: list[Path]) -> None:
    """Inclusive share of samples per function, over every worker's collapsed stacks."""
    inclusive: dict[str, int] = {}
    total = 0
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _sep, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            samples = int(count)
            total += samples
            for frame in set(stack.split(";")):
                name = frame.split(" (")[0]
                where = frame.split("/")[-1].rstrip(")") if "(" in frame else ""
                key = f"{name} ({where.split(':')[0]})"
                inclusive[key] = inclusive.get(key, 0) + samples
    print(f"profile: {total} samples over {len(files)} workers (inclusive %)")
    for key, samples in sorted(inclusive.items(), key=lambda kv: -kv[1])[:PROFILE_TOP]:
        print(f"  {100 * samples / max(1, total):5.1f} %  {key}")


def _row(name: str, elapsed: float, latencies: list[float], errors: int) -> dict[str, Any]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "what": name,
        "requests": len(latencies),
        "per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": p99 * 1000,
        "errors": errors,
    }


def bench(
    kind: str, database_url: str | None, args: argparse.Namespace, pool: str = "kept"
) -> list[dict[str, Any]]:
    """One database's rows; ``pool="sqlalchemy-default"`` serves the hub as it was before
    it kept its connection pool (the baseline of ``--baseline-pool``)."""
    if pool != "kept":
        os.environ["DESKREADY_BENCH_POOL"] = pool
        try:
            return bench(f"{kind}, default pool", database_url, args)
        finally:
            del os.environ["DESKREADY_BENCH_POOL"]
    folder = Path(tempfile.mkdtemp(prefix="deskready-bench-hub-")) / "hub"
    port = _free_port()
    codes = make_hub(folder, database_url, port, args.reports + 10, args.agents)
    rows = []
    try:
        with (
            uvicorn_hub(folder, port, workers=args.workers) as url,
            httpx.Client(base_url=url) as client,
        ):
            joined = [
                (
                    codes[number % len(codes)][0],
                    client.post(
                        "/api/v1/sessions", json={"invite": codes[number % len(codes)][1]}
                    ).json(),
                )
                for number in range(args.reports)
            ]
            templates = {
                agent: make_report(session, agent_id=agent)
                for agent, session in joined[: len(codes)]
            }
            bodies = []
            for agent, session in joined:
                report = json.loads(json.dumps(templates[agent]))
                report["hub"].update(session=session["session"], nonce=session["nonce"])
                bodies.append(
                    (
                        "POST",
                        f"/api/v1/sessions/{session['session']}/report",
                        json.dumps(seal(report)).encode(),
                    )
                )
            info = [("GET", "/api/v1/info", None)] * BASELINE_REQUESTS
            rows.append(
                _row(
                    f"{kind}: GET /api/v1/info (baseline)",
                    *asyncio.run(_drive(url, args.clients, info, {200})),
                )
            )
            half = len(bodies) // 2
            by_httpx = _row(
                f"{kind}: POST …/report (signed, httpx)",
                *asyncio.run(_drive(url, args.clients, bodies[:half], {201})),
            )
            rows.append(by_httpx)
            # wrk runs for all of -d: three times what httpx took for as many, at least 5 s
            seconds = args.wrk_seconds or max(5.0, 3 * half / max(1.0, by_httpx["per_s"]))
            with profiled(args.profile, kind), cpu_split() as split:
                by_wrk = _drive_wrk(url, args.clients, bodies[half:], seconds)
            if by_wrk is not None and by_wrk["created"]:
                # the reports' span: once its reports are answered a wrk thread stops, so
                # the machine is idle for the rest of wrk's -d
                split["span"] = by_wrk["seconds"]
                CPU_ROWS.append((kind, by_wrk["created"], split))
            if by_wrk is not None:
                rows.append(
                    {
                        "what": f"{kind}: POST …/report (signed, wrk)",
                        "requests": by_wrk["created"],
                        "per_s": by_wrk["per_s"],
                        "p50_ms": by_wrk["p50_ms"],
                        "p99_ms": by_wrk["p99_ms"],
                        # answers other than 201, and socket errors and timeouts (the GET
                        # /info a connection sends once its thread ran out is not one)
                        "errors": by_wrk["failed"],
                    }
                )
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--reports", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--wrk-seconds",
        type=float,
        default=None,
        help="wrk's -d (default: three times what the httpx half took, at least 5 s); the "
        "rate is over the span from the first report sent to the last one answered",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write py-spy profiles of the uvicorn workers during the wrk submit phase here",
    )
    parser.add_argument(
        "--agents",
        type=int,
        default=500,
        help="spread the reports over this many agents, one invite each (default 500: 32 "
        "concurrent clients are 32 agents; --agents 1 sends every report as AG-7's, the "
        "worst case, where every submission waits for the one before on its fleet row)",
    )
    parser.add_argument(
        "--baseline-pool",
        action="store_true",
        help="first run the PostgreSQL hub with SQLAlchemy's default pool and AnyIO's 40 "
        "request threads (how the hub ran before it kept 16 connections), as a baseline",
    )
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    if args.db in ("sqlite", "both"):
        rows += bench("SQLite", None, args)
    if args.db in ("postgresql", "both"):
        if args.baseline_pool:  # each run on a cluster of its own, both empty at start
            with postgres() as url:
                rows += bench("PostgreSQL", url, args, pool="sqlalchemy-default")
        with postgres() as url:
            rows += bench("PostgreSQL", url, args)
    print(f"{args.clients} clients, {args.workers} uvicorn workers, {os.cpu_count()} CPUs")
    print(f"| {'what':<38} | requests | per s | p50 ms | p99 ms | errors |")
    print(f"|{'-' * 40}|---------:|------:|-------:|-------:|-------:|")
    for row in rows:
        print(
            f"| {row['what']:<38} | {row['requests']:>8} | {row['per_s']:>5.0f} "
            f"| {row['p50_ms']:>6.1f} | {row['p99_ms']:>6.1f} | {row['errors']:>6} |"
        )
    print(f"goal on PostgreSQL: ≥ {GOAL_RPS:.0f} reports/s, p99 ≤ {GOAL_P99_MS:.0f} ms")
    if CPU_ROWS:
        print(
            "CPU ms per report during the wrk phase (the machine's cores give cores × the "
            "reports' span; 'other' = machine busy less the three processes, softirq (the "
            "loopback's packets) included; a process that started and ended in the phase "
            "counts only there):"
        )
        print("| database | reports | hub workers | PostgreSQL | wrk | other (softirq) | idle |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for kind, created, split in CPU_ROWS:
            used = {part: 1000 * split.get(part, 0.0) / created for part in
                    ("hub", "postgresql", "load generator", "machine busy",
                     "machine softirq")}  # fmt: skip
            budget = 1000 * split["span"] * (os.cpu_count() or 1) / created
            own = used["hub"] + used["postgresql"] + used["load generator"]
            print(
                f"| {kind} | {created} | {used['hub']:.2f} | {used['postgresql']:.2f} "
                f"| {used['load generator']:.2f} | {used['machine busy'] - own:.2f} "
                f"({used['machine softirq']:.2f}) | {budget - used['machine busy']:.2f} |"
            )
        for kind, created, split in CPU_ROWS:
            by_name: dict[str, float] = split["by name"]  # type: ignore[assignment]
            top = sorted(by_name.items(), key=lambda kv: -kv[1])[:6]
            shown = ", ".join(f"{name} {1000 * sec / created:.2f}" for name, sec in top)
            print(f"{kind}, by process name (ms per report): {shown}")
            print(f"{kind}: {split['machine forks']:.0f} processes started during the phase")


if __name__ == "__main__":
    main()
