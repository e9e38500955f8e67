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
