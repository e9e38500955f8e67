"""The dashboard at fleet size: 100 000 agents × 12 reports in PostgreSQL (issue 17 §4).

Usage: .venv/bin/python bench/hub_fleet.py [--agents 100000] [--reports 12] [--rounds 30]

Goals (one uvicorn process, one PostgreSQL, this 2-core machine): overview ≤ 300 ms, the
agents list and a filtered list ≤ 200 ms p95, an agent's page ≤ 150 ms p95, the CSV export
of every agent ≤ 10 s. The baseline, measured in the same run against the same process, is
``GET /api/v1/info`` (no database) and ``GET /login`` (a template, no database).

How the data is made (the bulk loader): a handful of real reports is built once by the
agent's own code (:func:`tests.hub.api_helpers.make_report`: a real ``Session`` run with
fixed figures) and each is put through intake's own validation, ``check_shape`` (schema,
digest) and ``rejudge`` (the rules are the spec's, the verdict follows from them), which
gives its verdict. Every stored report is one of those templates with this agent's id,
resealed (``seal``), and an attestation signed with the hub's key over a statement like
intake's. The fleet rows come from the same helpers intake calls (``failed_rules``,
``overdue_at``, ``every_days_of``). Rows go in with PostgreSQL's ``COPY`` (psycopg 3):
invites (one per agent), sessions and reports (one per report), and the fleet tables.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from hub_intake import _free_port, postgres  # noqa: E402

from deskready.hub import admin  # noqa: E402
from deskready.hub.config import load_config  # noqa: E402
from deskready.hub.db import make_engine, session_factory  # noqa: E402
from deskready.hub.fleet import snapshot  # noqa: E402
from deskready.hub.fleet.record import every_days_of, failed_rules, overdue_at  # noqa: E402
from deskready.hub.intake import check_shape, rejudge, report_digest  # noqa: E402
from deskready.hub.security import LOGIN_CSRF_COOKIE  # noqa: E402
from deskready.report.integrity import seal  # noqa: E402
from deskready.spec.loader import load_spec_bytes  # noqa: E402
from deskready.trust.envelope import STATEMENT_TYPE, sign  # noqa: E402
from tests.hub.api_helpers import REGISTRY, SPEC, make_report, uvicorn_hub  # noqa: E402

SPEC_FLEET = SPEC + b"\n[reverify]\nevery_days = 30\n"
ADMIN = "bench@hub.example"
PASSWORD = "bench password 1234"
TEAMS = [f"team-{i:02d}" for i in range(40)]
#: (download, upload, loss) of each template report
FIGURES = [
    (48.0, 9.7, 0.0),
    (95.0, 20.0, 0.1),
    (35.0, 6.5, 0.4),
    (60.0, 12.0, 0.2),
    (48.0, 2.0, 0.0),  # upload too low: not ready
    (8.0, 9.7, 0.0),  # download too low: not ready
    (40.0, 8.0, 3.0),  # loss too high: not ready
    (25.0, 5.5, 0.9),
]
GOALS_MS = {"overview": 300.0, "agents": 200.0, "filtered": 200.0, "agent": 150.0}
GOAL_CSV_S = 10.0


def templates(hub_url: str) -> list[tuple[dict[str, Any], str]]:
    """Real reports and the verdict intake's own checks give each."""
    spec = load_spec_bytes(SPEC_FLEET, REGISTRY, file_name="fleet")
    found = []
    for down, up, loss in FIGURES:
        joined = {"session": "0" * 32, "nonce": "0" * 64, "agent_id": "AG-0"}
        report = make_report(joined, down=down, up=up, loss=loss, spec=SPEC_FLEET)
        report = seal({**report, "hub": {**report["hub"], "url": hub_url}})
        check_shape(report)
        found.append((report, rejudge(report, spec, REGISTRY, {})))
    return found


class Loader:
    """COPY rows into the hub's tables; one transaction per table batch."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))

    @contextlib.contextmanager
    def copy(self, table: str, columns: tuple[str, ...]) -> Iterator[Any]:
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
            yield copy
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def load(
    database_url: str, key: Any, hub_url: str, agents: int, reports: int, spec_id: int
) -> dict[str, float]:
    """Fill the database; seconds per phase."""
    rng = random.Random(17)
    made = templates(hub_url)
    every = every_days_of(SPEC_FLEET)
    spec_sha = hashlib.sha256(SPEC_FLEET).hexdigest()
    now = datetime.now(UTC)
    loader = Loader(database_url)
    times: dict[str, float] = {}
    latest: dict[str, tuple[str, str, datetime, bool, dict[str, Any], int]] = {}
    days: dict[tuple[Any, str], int] = {}
    started = time.perf_counter()
    with loader.copy(
        "invites",
        ("id", "code_hash", "agent_id", "team", "spec_id", "expires_at", "uses_left", "revoked", "created_at"),
    ) as copy:  # fmt: skip
        for i in range(agents):
            copy.write_row(
                (
                    1000 + i, secrets.token_hex(32), f"AG-{i:06d}", TEAMS[i % len(TEAMS)],
                    spec_id, now + timedelta(days=14), 0, False, now - timedelta(days=400),
                )
            )  # fmt: skip
    times["invites"] = time.perf_counter() - started
    started = time.perf_counter()
    session_cols = ("id", "invite_id", "nonce", "created_at", "expires_at", "used_by_digest", "source", "bytes_moved")  # fmt: skip
    report_cols = ("id", "session_id", "agent_id", "spec_id", "verdict", "disputed", "received_at", "digest", "body", "observed", "attestation")  # fmt: skip
    source = json.dumps({"family": "ipv4", "prefix": "192.0.2.0/24"})
    batch = 20_000
    for first in range(0, agents, batch):
        rows_s: list[tuple[Any, ...]] = []
        rows_r: list[tuple[Any, ...]] = []
        for i in range(first, min(first + batch, agents)):
            agent = f"AG-{i:06d}"
            offset = rng.uniform(0, 40)  # the latest report is 0 to 40 days old
            for k in range(reports):
                template, verdict = made[(i * 3 + k * (1 + i % 3)) % len(made)]
                received = now - timedelta(
                    days=offset + (reports - 1 - k) * 30, seconds=rng.randint(0, 3600)
                )
                body = seal({**template, "agent": {**template["agent"], "id": agent}})
                session = secrets.token_hex(16)
                report_id = secrets.token_hex(16)
                digest = report_digest(body)
                observed = {"source": {"family": "ipv4", "prefix": "192.0.2.0/24"}}
                statement = {
                    "type": STATEMENT_TYPE, "hub": hub_url, "report_id": report_id,
                    "report_digest": digest, "session": session, "nonce": "0" * 64,
                    "agent_id": agent, "spec": {"name": "fleet", "sha256": spec_sha},
                    "received_at": received.isoformat(timespec="seconds"), "observed": observed,
                    "disputed": [], "verdict": verdict,
                }  # fmt: skip
                envelope = sign(statement, key)
                rows_s.append((session, 1000 + i, secrets.token_hex(32), received - timedelta(minutes=2),
                               received + timedelta(hours=1), digest, source, 0))  # fmt: skip
                rows_r.append((report_id, session, agent, spec_id, verdict, False, received, digest,
                               json.dumps(body), json.dumps(observed), json.dumps(envelope)))  # fmt: skip
                day = (received.date(), verdict)
                days[day] = days.get(day, 0) + 1
                if k == reports - 1:
                    latest[agent] = (report_id, verdict, received, False, body, reports)
        with loader.copy("sessions", session_cols) as copy:
            for row in rows_s:
                copy.write_row(row)
        with loader.copy("reports", report_cols) as copy:
            for row in rows_r:
                copy.write_row(row)
        print(f"  {min(first + batch, agents)} agents loaded", file=sys.stderr, flush=True)
    times["sessions + reports"] = time.perf_counter() - started
    started = time.perf_counter()
    fleet_cols = ("agent_id", "team", "spec_name", "report_id", "verdict", "disputed", "received_at", "overdue_at", "reports")  # fmt: skip
    with loader.copy("fleet_agents", fleet_cols) as copy:
        for i, (agent, (report_id, verdict, received, disputed, _b, count)) in enumerate(
            latest.items()
        ):
            copy.write_row((agent, TEAMS[i % len(TEAMS)], "fleet", report_id, verdict, disputed,
                            received, overdue_at(received, every), count))  # fmt: skip
    with loader.copy("fleet_failures", ("agent_id", "metric", "label")) as copy:
        for agent, (*_rest, body, _count) in latest.items():
            for metric, label in failed_rules(body):
                copy.write_row((agent, metric, label))
    with loader.copy("fleet_days", ("day", "verdict", "reports")) as copy:
        for (day, verdict), count in days.items():
            copy.write_row((day, verdict, count))
    # a month of the background task's daily counts, so the overview draws a full chart
    # (the counts of every past day are today's: what a snapshot holds does not change
    # what reading it costs)
    standing: dict[str, int] = {}
    for _report_id, verdict, *_rest in latest.values():
        standing[verdict] = standing.get(verdict, 0) + 1
    snapshot_cols = ("day", "ready", "not_ready", "incomplete", "overdue", "taken_at")
    with loader.copy("fleet_snapshots", snapshot_cols) as copy:
        for back in range(29, 0, -1):
            taken = now - timedelta(days=back)
            copy.write_row((taken.date(), standing.get("ready", 0), standing.get("not_ready", 0),
                            standing.get("incomplete", 0), 0, taken))  # fmt: skip
    with loader.conn.cursor() as cursor:
        cursor.execute("ANALYZE")
    loader.conn.commit()
    loader.close()
    times["fleet tables + ANALYZE"] = time.perf_counter() - started
    return times


def _timed(client: httpx.Client, path: str, rounds: int) -> list[float]:
    found = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = client.get(path)
        found.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return found


def _snapshots(database_url: str, rounds: int) -> list[float]:
    """What the hub's background task spends on the day's fleet count, each sweep."""
    engine = make_engine(database_url)
    found = []
    try:
        with session_factory(engine)() as db:
            for _ in range(rounds):
                started = time.perf_counter()
                snapshot.take(db, datetime.now(UTC))
                found.append((time.perf_counter() - started) * 1000)
    finally:
        engine.dispose()
    return found


def _row(name: str, ms: list[float], goal: float | None) -> str:
    ordered = sorted(ms)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    verdict = "" if goal is None else ("ok" if p95 <= goal else "OVER")
    goal_text = "" if goal is None else f"{goal:.0f}"
    return (
        f"{name:<34} {len(ms):>5} {statistics.median(ms):>9.1f} {p95:>9.1f} "
        f"{max(ms):>9.1f} {goal_text:>8} {verdict:>5}"
    )


class _Lines(list[str]):
    """The table's lines, each also printed as it is measured (a late failure loses none)."""

    def append(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)
        super().append(line)


def measure(url: str, database_url: str, agents: int, rounds: int) -> list[str]:
    rng = random.Random(3)
    lines = _Lines()
    lines += [
        f"{'request':<34} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} {'goal':>8} {'':>5}"
    ]
    with httpx.Client(base_url=url, timeout=120) as client:
        form = client.get("/login")
        signed = client.post(
            "/login",
            data={"email": ADMIN, "password": PASSWORD, "csrf_token": form.cookies[LOGIN_CSRF_COOKIE]},
        )  # fmt: skip
        assert signed.status_code == 303, signed.text
        for path in ("/api/v1/info", "/admin/overview", "/admin/agents"):  # warm up
            client.get(path)
        lines.append(
            _row("baseline GET /api/v1/info", _timed(client, "/api/v1/info", rounds), None)
        )
        lines.append(_row("baseline GET /login (template)", _timed(client, "/login", rounds), None))
        lines.append(
            _row("overview", _timed(client, "/admin/overview", rounds), GOALS_MS["overview"])
        )
        lines.append(
            _row("agents, first page", _timed(client, "/admin/agents", rounds), GOALS_MS["agents"])
        )
        filtered = "/admin/agents?verdict=not_ready&team=team-07&sort=latest"
        lines.append(
            _row(
                "agents, not ready in one team",
                _timed(client, filtered, rounds),
                GOALS_MS["filtered"],
            )
        )
        lines.append(
            _row(
                "agents, overdue",
                _timed(client, "/admin/agents?overdue=1", rounds),
                GOALS_MS["filtered"],
            )
        )
        deep: list[float] = []
        path = "/admin/agents?sort=latest"
        for _ in range(rounds):  # follow "Next page": keyset pages cost what page 1 costs
            started = time.perf_counter()
            page = client.get(path)
            deep.append((time.perf_counter() - started) * 1000)
            nxt = page.text.split('rel="next"', 1)[0].rsplit('href="', 1)[-1].split('"', 1)[0]
            path = nxt.replace("&amp;", "&") if nxt.startswith("/admin/agents") else path
        lines.append(_row("agents, next page ×N (keyset)", deep, GOALS_MS["agents"]))
        lines.append(_row("invites (newest 500)", _timed(client, "/admin/invites", rounds), None))
        lines.append(_row("audit log (newest 200)", _timed(client, "/admin/audit", rounds), None))
        picks = [f"/admin/agent?id=AG-{rng.randrange(agents):06d}" for _ in range(rounds)]
        agent_ms = []
        for pick in picks:
            agent_ms += _timed(client, pick, 1)
        lines.append(_row("agent page (random agents)", agent_ms, GOALS_MS["agent"]))
        lines.append(
            _row("fleet snapshot (background task)", _snapshots(database_url, rounds), None)
        )
        started = time.perf_counter()
        rows = 0
        with client.stream("GET", "/admin/agents.csv") as answer:
            for chunk in answer.iter_bytes():
                rows += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        ok = "ok" if seconds <= GOAL_CSV_S else "OVER"
        lines.append(
            f"{'CSV export, every agent':<34} {rows - 1:>5} rows in {seconds:.2f} s "
            f"(goal {GOAL_CSV_S:.0f} s) {ok}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if not 1 <= args.agents <= 1_000_000 or not 1 <= args.reports <= 100:
        raise SystemExit("--agents 1..1000000, --reports 1..100")
    import tempfile

    with postgres() as database_url, tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "hub"
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        admin.init_hub(folder, admin_email=ADMIN, admin_password=PASSWORD,
                       database_url=database_url, public_url=url, name="Fleet bench")  # fmt: skip
        config_path = folder / "config.toml"
        text = config_path.read_text("utf-8")
        import re

        text = re.sub(r"(rate_\w+_per_minute) = \d+", r"\1 = 1000000", text)
        config_path.write_text(text, encoding="utf-8")
        config = load_config(folder)
        engine = make_engine(config.database_url)
        with session_factory(engine)() as db:
            row, _new = admin.upload_spec(db, "fleet", SPEC_FLEET, actor=ADMIN)
            db.commit()
            spec_id = row.id
        engine.dispose()
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key = load_pem_private_key(config.key_path.read_bytes(), password=None)
        started = time.perf_counter()
        phases = load(database_url, key, url, args.agents, args.reports, spec_id)
        total = time.perf_counter() - started
        with uvicorn_hub(folder, port) as served:
            lines = measure(served, database_url, args.agents, args.rounds)
    print(
        f"\nhub fleet: {args.agents} agents × {args.reports} reports = "
        f"{args.agents * args.reports} reports in PostgreSQL; one uvicorn process"
    )
    print(
        "load: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items())
        + f" (total {total:.0f} s)"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
