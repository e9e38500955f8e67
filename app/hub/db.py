"""The hub's database: one engine per process, sessions, and Alembic migrations.

SQLite is the default (one file in the hub's data folder: nothing to install). Each
connection turns on what SQLite leaves off by default:

- ``journal_mode=WAL`` so readers never block the writer (the dashboard reads while
  reports arrive; https://www.sqlite.org/wal.html);
- ``foreign_keys=ON``, off by default "for backwards compatibility"
  (https://www.sqlite.org/foreignkeys.html §2);
- ``busy_timeout`` so a second writer waits instead of failing at once with
  "database is locked".

PostgreSQL is for several hub processes sharing one database; a ``postgresql://`` URL is
given the psycopg 3 driver (SQLAlchemy's default for that scheme is psycopg2).

The schema is created and upgraded by Alembic only (``migrate``), never by
``metadata.create_all``: the migration scripts in ``deskready.hub.migrations`` are the
schema's history, and :func:`schema_differences` checks that they and
:mod:`deskready.hub.models` agree (what ``alembic check`` does).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: seconds a SQLite writer waits for another's lock before giving up
SQLITE_BUSY_TIMEOUT_S = 15
#: seconds to wait for a PostgreSQL server to accept the connection
CONNECT_TIMEOUT_S = 10
#: connections each hub process keeps open for its requests. SQLAlchemy's default keeps 5
#: and opens up to 10 more that it closes again on return: under 16 concurrent submissions
#: a process opened and closed a PostgreSQL connection (a forked backend, a login) for most
#: reports, which cost about as much CPU as the report itself (docs/hub.md, intake). The
#: request threads are capped at this number (``deskready.hub.api``), so they never wait
#: for a connection and none is opened beyond these.
POOL_SIZE = 16
#: connections beyond the pool for the hub's own background threads (the alert outbox,
#: the purge), opened when needed and closed again
POOL_OVERFLOW = 8
#: connections of the rate limits' own pool (``security.DbBuckets`` on PostgreSQL: one short
#: autocommitted statement each, taken while the request holds one of the pool above). No
#: overflow: a take waits a fraction of a millisecond for a kept connection, where opening
#: one for it costs a PostgreSQL backend (4 kept and 4 overflow started ~180 processes in a
#: 2-second phase of the intake bench)
BUCKET_POOL_SIZE = 8
BUCKET_POOL_OVERFLOW = 0
#: a kept connection older than this is replaced at its next checkout (a server-side
#: idle timeout or a restarted proxy never meets a years-old connection)
POOL_RECYCLE_S = 1800


def normalise_url(url: str) -> str:
    """The SQLAlchemy URL for ``url``: ``postgresql://`` → ``postgresql+psycopg://``."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    """True for a SQLite database URL."""
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    finally:
        cursor.close()


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url`` with the settings above (extra ``options`` go to SQLAlchemy)."""
    real = normalise_url(url)
    if is_sqlite(real):
        path = make_url(real).database
        if path and path != ":memory:":  # a file: its folder, and a kept pool as below
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            options = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, **options}
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
        engine = create_engine(real, connect_args=connect_args, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_S}
    options = {
        "pool_size": POOL_SIZE,
        "max_overflow": POOL_OVERFLOW,
        "pool_recycle": POOL_RECYCLE_S,
        # a connection the server closed (a restart) is found and replaced at checkout
        "pool_pre_ping": True,
        **options,
    }
    return create_engine(real, connect_args=connect_args, **options)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine``; objects stay readable after commit (``expire_on_commit``
    off), so a function can commit and still return what it stored."""
    return sessionmaker(engine, expire_on_commit=False)


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime.

    SQLite has no time zone type: SQLAlchemy stores and returns naive values there
    (UTC, since the hub only ever writes UTC and ``CURRENT_TIMESTAMP`` is UTC), while
    PostgreSQL's ``timestamptz`` returns aware ones. Compare through this.
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def now() -> datetime:
    """The current time, aware, in UTC (what the hub writes into every time column)."""
    return datetime.now(UTC)


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(url: str | Engine, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` with the Alembic scripts.

    Safe to run again: Alembic applies only the missing revisions. On PostgreSQL each
    revision runs in a transaction, so a failed upgrade leaves the old schema.
    """
    from alembic import command

    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), revision)
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision in the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the hub ships at least one migration"
    return head


def schema_differences(engine: Engine) -> list[Any]:
    """What differs between the models and the database (empty: they agree).

    The same comparison ``alembic check`` makes (autogenerate's ``compare_metadata``),
    with column types compared too.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from deskready.hub.models import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))
