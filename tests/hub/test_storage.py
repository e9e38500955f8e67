"""Storage: migrations create exactly the models' tables, on SQLite and PostgreSQL; SQLite
runs with WAL and foreign keys; the config file is validated key by key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from deskready.hub.config import ConfigError, HubConfig, load_config, save_config
from deskready.hub.db import (
    current_revision,
    head_revision,
    make_engine,
    migrate,
    normalise_url,
    schema_differences,
)
from deskready.hub.models import Base
from tests.hub.conftest import HubEnv


def test_migrated_schema_matches_the_models(hub_db: HubEnv):
    """What ``alembic check`` asks: after ``upgrade head`` autogenerate finds nothing."""
    assert current_revision(hub_db.engine) == head_revision()
    assert schema_differences(hub_db.engine) == []
    tables = set(inspect(hub_db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)


def test_migrate_twice_changes_nothing(hub_db: HubEnv):
    migrate(hub_db.url)
    assert current_revision(hub_db.engine) == head_revision()
    assert schema_differences(hub_db.engine) == []


def test_an_empty_database_differs_from_the_models(tmp_path: Path):
    """The comparison is real: without the migration every table is missing."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        diffs = schema_differences(engine)
        added = {d[1].name for d in diffs if d[0] == "add_table"}
        assert added == set(Base.metadata.tables)
    finally:
        engine.dispose()


def test_sqlite_runs_with_wal_and_foreign_keys(hub_config: HubConfig):
    engine = make_engine(hub_config.database_url)
    try:
        with engine.connect() as c:
            assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
            with pytest.raises(Exception, match="FOREIGN KEY"):
                c.execute(
                    text(
                        "INSERT INTO invites (code_hash, agent_id, team, spec_id, expires_at,"
                        " uses_left, revoked) VALUES ('x', 'a', '', 999, '2030-01-01', 1, 0)"
                    )
                )
    finally:
        engine.dispose()


def test_postgresql_urls_get_psycopg3():
    assert normalise_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgres://h/db") == "postgresql+psycopg://h/db"
    assert normalise_url("sqlite:////x.db") == "sqlite:////x.db"


def test_config_file_is_private_and_round_trips(hub_dir: Path):
    path = hub_dir / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = load_config(hub_dir)
    assert config.public_url == "https://hub.example"
    assert config.name == "Test hub"
    odd = config.with_overrides(name='Quote " back\\slash \x7f')
    save_config(odd)
    assert load_config(hub_dir).name == odd.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_every_bad_key_is_named(hub_dir: Path):
    (hub_dir / "config.toml").write_text(
        "[hub]\npublic_url = 'http://hub.example'\ncolour = 'red'\n"
        "[listen]\napi_port = 'eighty'\nmeasure_port = 70000\n"
        "[limits]\nread_timeout_s = true\n[extra]\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(hub_dir)
    problems = caught.value.problems
    text_ = "\n".join(problems)
    assert "[hub] colour: unknown setting" in text_
    assert "[listen] api_port: must be a whole number" in text_
    assert "[limits] read_timeout_s: must be a number" in text_
    assert "unknown section [extra]" in text_
    assert len(problems) == 4  # type errors first; ranges are checked once types are right
    (hub_dir / "config.toml").write_text(
        "[hub]\npublic_url = 'http://hub.example'\n[listen]\nmeasure_port = 70000\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(hub_dir)
    assert caught.value.problems == [
        "[hub] public_url: plain http:// is only allowed to a loopback address; use https://",
        "[listen] measure_port: must be between 0 and 65535",
    ]


def test_a_config_that_is_not_toml_names_its_line(hub_dir: Path):
    (hub_dir / "config.toml").write_text("[hub]\nname = \n")
    with pytest.raises(ConfigError) as caught:
        load_config(hub_dir)
    assert "config.toml:2" in str(caught.value)


def test_no_hub_says_how_to_make_one(tmp_path: Path):
    with pytest.raises(ConfigError, match="deskready hub init"):
        load_config(tmp_path)


def test_each_process_keeps_its_pool_of_connections_open(hub_db: HubEnv, tmp_path: Path):
    """Both databases keep POOL_SIZE connections (SQLAlchemy's default kept 5 and closed
    the rest on return: a new PostgreSQL backend per report under load, docs/hub.md)."""
    from sqlalchemy.pool import QueuePool

    from deskready.hub.db import POOL_OVERFLOW, POOL_SIZE

    for engine in (hub_db.engine, make_engine(f"sqlite:///{tmp_path / 'file.db'}")):
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.size() == POOL_SIZE
        assert pool._max_overflow == POOL_OVERFLOW
        held = [engine.connect() for _ in range(POOL_SIZE)]
        for connection in held:
            connection.close()  # back to the pool, kept open
        assert pool.checkedin() == POOL_SIZE
        assert pool.overflow() == 0


def test_the_hubs_request_threads_are_capped_at_its_pool(hub_config: HubConfig):
    """A request thread beyond the pool would open a connection of its own."""
    import anyio
    import anyio.to_thread

    from deskready.hub.api import create_app
    from deskready.hub.db import POOL_SIZE

    app = create_app(hub_config)

    async def tokens_in_the_lifespan() -> tuple[float, float]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        before = limiter.total_tokens
        async with app.router.lifespan_context(app):  # what uvicorn runs at start
            return before, anyio.to_thread.current_default_thread_limiter().total_tokens

    before, during = anyio.run(tokens_in_the_lifespan)
    assert before == 40  # AnyIO's default, more than the pool
    assert during == POOL_SIZE


def test_a_rate_limit_is_taken_while_the_request_holds_every_connection(hub_db: HubEnv):
    """The intake reads the session, then takes the invite's bucket: on PostgreSQL the
    buckets have their own pool, so a full request pool does not make the take wait."""
    if hub_db.kind != "postgresql":
        pytest.skip("SQLite keeps the rate limits in memory (hub serve)")
    import time

    from deskready.hub.db import POOL_OVERFLOW, POOL_SIZE
    from deskready.hub.security import DbBuckets, Rate

    buckets = DbBuckets(hub_db.sessions)
    held = [hub_db.engine.connect() for _ in range(POOL_SIZE + POOL_OVERFLOW)]
    try:
        started = time.monotonic()
        assert buckets.take("invite:held", Rate(per_minute=60, burst=2)) == 0.0
        assert buckets.take("invite:held", Rate(per_minute=60, burst=2)) == 0.0
        assert buckets.take("invite:held", Rate(per_minute=60, burst=2)) > 0.0  # empty now
        assert time.monotonic() - started < 5  # the request pool's timeout is 30 s
    finally:
        for connection in held:
            connection.close()
