"""The agent's own record of finished runs: one SQLite file in the platform's data folder.

``<user data dir>/deskready/history.sqlite3`` holds, per run, the sealed report exactly as
it was saved (its JSON, at most :data:`MAX_REPORT_BYTES`) plus columns copied out of it for
listing and searching: when, which spec (source and sha256), which employer, the verdict
and whether the run covered the whole spec. The one value that is not in the report is the
spec's ``[reverify] every_days`` at the time, so ``deskready history due`` can say when a
new check is due without the spec at hand. No audio, no host or user name: nothing the
report does not carry. At most :data:`MAX_RUNS` runs are kept; the oldest go first.

Why plain ``sqlite3`` and a ``user_version`` pragma, not SQLAlchemy and Alembic as in the
hub: this is one table in one user's file, written by one program; the upgrade steps are a
few lines in :data:`_UPGRADES`, and SQLAlchemy would add megabytes to the agent's bundle
for nothing (the bundle keeps the hub's server stack out on purpose, docs/packaging.md).

Concurrency: two runs may finish at once (the CLI from a scheduled timer while the GUI is
open). The file is in WAL mode, every connection waits up to :data:`BUSY_TIMEOUT_S` for a
lock, and writes take the write lock up front (``BEGIN IMMEDIATE``) so two writers queue
instead of failing half-way.

Opting out: ``DESKREADY_HISTORY=off`` (also ``0``, ``no``, ``false``) keeps nothing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deskready.checks.i18n import _
from deskready.report.integrity import verify_digest

APP = "deskready"
FILE_NAME = "history.sqlite3"
ENV_SWITCH = "DESKREADY_HISTORY"
_OFF = {"off", "0", "no", "false"}
SCHEMA_VERSION = 1
#: A report is ~10 kB, a few hundred kB with every chart's series; more is not a report.
MAX_REPORT_BYTES = 2 * 1024 * 1024
#: Runs kept; one a day for more than a year. The oldest are removed when a run is added.
MAX_RUNS = 500
#: tries at switching a new file to WAL while another process holds it (see _use_wal)
WAL_ATTEMPTS = 8
BUSY_TIMEOUT_S = 10.0


class HistoryError(Exception):
    """The history cannot be read or written, or a run is not there (message for the agent)."""


def enabled(environ: Mapping[str, str] | None = None) -> bool:
    """False when the agent opted out with ``DESKREADY_HISTORY=off``."""
    value = (environ if environ is not None else os.environ).get(ENV_SWITCH, "")
    return value.strip().lower() not in _OFF


def default_path() -> Path:
    """``<user data dir>/deskready/history.sqlite3`` (the outbox's folder, platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP)) / FILE_NAME


@dataclass(frozen=True)
class Run:
    """One finished run as kept: the indexed columns and the sealed report."""

    id: int
    created_at: datetime
    spec_source: str
    spec_sha256: str
    employer: str
    verdict: str
    complete: bool
    reverify_days: int | None
    report: dict[str, Any]


#: schema version -> the statements that bring the previous version to it.
_UPGRADES: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            created_utc TEXT NOT NULL,
            spec_source TEXT NOT NULL,
            spec_sha256 TEXT NOT NULL,
            employer TEXT NOT NULL,
            verdict TEXT NOT NULL,
            scope_complete INTEGER NOT NULL,
            reverify_days INTEGER,
            digest TEXT NOT NULL UNIQUE,
            report TEXT NOT NULL
        )""",
        "CREATE INDEX runs_time ON runs (created_utc)",
        "CREATE INDEX runs_spec ON runs (spec_sha256, scope_complete, created_utc)",
    ),
}

_COLUMNS = (
    "id, created_at, spec_source, spec_sha256, employer, verdict, scope_complete, "
    "reverify_days, report"
)


class HistoryStore:
    """The history file at ``path``; each call opens and closes its own connection, so one
    store object may be used from any thread (the GUI reads it in a worker)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    # -- connection and schema -------------------------------------------------------------
    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        if not write and not self.path.exists():
            raise FileNotFoundError(self.path)
        try:
            if write:
                self._create_file()
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(self._problem(exc)) from exc
        with closing(conn):
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                if write:
                    _use_wal(conn)
                self._upgrade(conn)
                yield conn
            except sqlite3.Error as exc:
                raise HistoryError(self._problem(exc)) from exc

    def _create_file(self) -> None:
        """The folder (0700) and an empty file (0600) before SQLite opens it, so the
        history is never readable by other users, not even for a moment."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)

    def _upgrade(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise HistoryError(
                _(
                    "The history at {path} was written by a newer deskready (schema {found}); "
                    "update deskready to read it."
                ).format(path=self.path, found=version)
            )
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have upgraded while this one waited for the lock.
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _UPGRADES[target]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _problem(self, exc: BaseException) -> str:
        return _("Cannot use the run history at {path}: {reason}").format(
            path=self.path, reason=exc
        )

    # -- writing -------------------------------------------------------------------------------
    def record(self, report: Mapping[str, Any], *, reverify_days: int | None = None) -> int:
        """Keep a finished run's sealed report; returns its number (the same report twice
        is kept once and gets its first number).

        Raises:
            HistoryError: not a sealed report, larger than :data:`MAX_REPORT_BYTES`, or
                the file cannot be written.
        """
        row = _row_of(report)
        text = json.dumps(report, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        size = len(text.encode("utf-8"))
        if size > MAX_REPORT_BYTES:
            raise HistoryError(
                _(
                    "The report is {size} kB; the history keeps reports of at most {limit} kB."
                ).format(size=size // 1024, limit=MAX_REPORT_BYTES // 1024)
            )
        with self._connect(write=True) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                found = conn.execute("SELECT id FROM runs WHERE digest = ?", (row["digest"],))
                existing = found.fetchone()
                if existing is not None:
                    conn.execute("COMMIT")
                    return int(existing[0])
                cursor = conn.execute(
                    "INSERT INTO runs (created_at, created_utc, spec_source, spec_sha256, "
                    "employer, verdict, scope_complete, reverify_days, digest, report) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        row["created_at"],
                        row["created_utc"],
                        row["spec_source"],
                        row["spec_sha256"],
                        row["employer"],
                        row["verdict"],
                        int(row["complete"]),
                        reverify_days,
                        row["digest"],
                        text,
                    ),
                )
                conn.execute(
                    "DELETE FROM runs WHERE id NOT IN "
                    "(SELECT id FROM runs ORDER BY created_utc DESC, id DESC LIMIT ?)",
                    (MAX_RUNS,),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return int(cursor.lastrowid or 0)

    def delete(self, run_id: int) -> bool:
        """Forget run ``run_id``; False if there was none."""
        if not self.path.exists():
            return False
        with self._connect(write=True) as conn:
            return conn.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount > 0

    def delete_all(self) -> int:
        """Forget every run and remove the file itself, a damaged one too; returns how many
        runs there were (0 for a damaged file)."""
        if not self.path.exists():
            return 0
        try:
            with self._connect(write=True) as conn:
                count = int(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
                conn.execute("DELETE FROM runs")
                conn.execute("VACUUM")  # deleted reports must not linger in free pages
        except HistoryError as exc:
            # "file is not a database", "disk image is malformed": removing the file is
            # what was asked and the only way out; a locked file (OperationalError, a
            # subclass) or a newer schema (no cause) is not removed from under its writer
            if type(exc.__cause__) is not sqlite3.DatabaseError:
                raise
            count = 0
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        return count

    # -- reading -------------------------------------------------------------------------------
    def runs(self, limit: int = MAX_RUNS) -> list[Run]:
        """The runs kept, newest first (at most ``limit``)."""
        return self._select("ORDER BY created_utc DESC, id DESC LIMIT ?", (max(0, limit),))

    def get(self, run_id: int) -> Run | None:
        found = self._select("WHERE id = ?", (run_id,))
        return found[0] if found else None

    def previous(self, run: Run) -> Run | None:
        """The run before ``run`` (the one a diff compares it with)."""
        found = self._select(
            "WHERE created_utc < ? OR (created_utc = ? AND id < ?) "
            "ORDER BY created_utc DESC, id DESC LIMIT 1",
            (_utc(run.created_at), _utc(run.created_at), run.id),
        )
        return found[0] if found else None

    def last_complete(self, spec_sha256: str) -> Run | None:
        """The newest run that covered the whole of the spec with this sha256."""
        found = self._select(
            "WHERE spec_sha256 = ? AND scope_complete = 1 ORDER BY created_utc DESC, id DESC "
            "LIMIT 1",
            (spec_sha256,),
        )
        return found[0] if found else None

    def _select(self, tail: str, params: tuple[Any, ...]) -> list[Run]:
        try:
            with self._connect() as conn:
                rows = conn.execute(f"SELECT {_COLUMNS} FROM runs {tail}", params).fetchall()
        except FileNotFoundError:
            return []
        try:
            return [_run_of(row) for row in rows]
        except (TypeError, ValueError) as exc:  # a row edited by hand: not a time, say
            raise HistoryError(self._problem(exc)) from None


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _row_of(report: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed columns, copied from the report; a report without them is refused."""
    try:
        spec = report["spec"]
        created = datetime.fromisoformat(str(report["created_at"]))
        if created.tzinfo is None:
            created = created.astimezone()
        digest = report["integrity"]["digest"]
        if not verify_digest(dict(report)):
            raise ValueError(_("its integrity digest does not match"))
        return {
            "created_at": created.isoformat(timespec="seconds"),
            "created_utc": _utc(created),
            "spec_source": str(spec["source"]),
            "spec_sha256": str(spec["sha256"]),
            "employer": str((spec.get("employer") or {}).get("name") or ""),
            "verdict": str(report["verdict"]),
            "complete": bool((report.get("scope") or {}).get("complete")),
            "digest": str(digest),
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise HistoryError(
            _("Not a sealed deskready report; it is not kept ({reason}).").format(reason=exc)
        ) from None


def _run_of(row: tuple[Any, ...]) -> Run:
    try:
        report = json.loads(row[8])
    except (TypeError, ValueError):  # a row edited by hand: listed, with nothing to show
        report = {}
    return Run(
        id=int(row[0]),
        created_at=datetime.fromisoformat(row[1]),
        spec_source=row[2],
        spec_sha256=row[3],
        employer=row[4],
        verdict=row[5],
        complete=bool(row[6]),
        reverify_days=row[7],
        report=report if isinstance(report, dict) else {},
    )


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL once (the mode is kept in the file).

    Two processes opening a new history at the same moment may both try the switch; it
    needs the whole file, and SQLite answers "database is locked" at once rather than
    waiting the busy timeout. So: leave a file that is already WAL alone, and retry the
    switch a few times (bounded, ~2 s in all) while the other process holds it.
    """
    for attempt in range(WAL_ATTEMPTS):
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":
                return
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
