"""Alembic's environment for the hub: migrations run on the connection the hub gives.

:func:`deskready.hub.db.migrate` passes an open connection in
``config.attributes["connection"]`` (Alembic cookbook, "Sharing a Connection across one or
more programmatic migration commands"), so the hub's own engine settings (SQLite pragmas,
the psycopg driver) apply to migrations too. Run from the ``alembic`` command instead,
``sqlalchemy.url`` in its ini file is used. SQLite cannot ``ALTER`` most things, so later
revisions run in batch mode there (``render_as_batch``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from deskready.hub.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate on the given connection, or on one made from ``sqlalchemy.url``."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from deskready.hub.db import make_engine

    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("alembic: set sqlalchemy.url, or migrate with deskready hub init")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("The hub's migrations run online only (deskready hub init / migrate).")
run_online()
