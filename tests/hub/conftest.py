"""Fixtures every hub test shares: an initialised hub on SQLite, a real PostgreSQL.

- ``hub_dir``: a hub created by :func:`deskready.hub.admin.init_hub` in a temporary
  folder (SQLite, key, admin :data:`ADMIN_EMAIL` / :data:`ADMIN_PASSWORD`);
  ``hub_config`` is its :class:`~deskready.hub.config.HubConfig`.
- ``pg_url``: an empty database of its own on a throwaway PostgreSQL cluster that this
  test session starts (``initdb`` + ``pg_ctl``, loopback only, as the ``postgres`` user
  when the tests run as root) and stops at the end. Skipped, with the reason, when the
  PostgreSQL server binaries are missing (``scripts/test.sh`` installs Debian's
  ``postgresql`` package).
- ``hub_db``: a :class:`HubEnv` (initialised hub, engine, session factory, helpers to
  upload a spec and make an invite), once on SQLite and once on PostgreSQL.

The cluster trades durability for speed (``fsync=off``): it is thrown away afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the hub extra is not installed")

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from deskready.hub import admin
from deskready.hub.config import HubConfig, load_config
from deskready.hub.db import make_engine, session_factory
from deskready.hub.models import Invite, SpecFile

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "resources" / "profiles"
ADMIN_EMAIL = "admin@hub.example"
ADMIN_PASSWORD = "correct horse battery staple"
PG_START_TIMEOUT_S = 60


@dataclass
class HubEnv:
    """An initialised hub and a way into its database."""

    kind: str  # "sqlite" | "postgresql"
    config: HubConfig
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def url(self) -> str:
        """The database URL, as written in config.toml."""
        return self.config.database_url

    def upload_spec(self, name: str = "strict", data: bytes | None = None) -> SpecFile:
        """Upload ``data`` (default: the bundled profile of that name) as the admin."""
        content = data if data is not None else (PROFILES / f"{name}.toml").read_bytes()
        with self.sessions() as db:
            row, _new = admin.upload_spec(db, name, content, actor=ADMIN_EMAIL)
            db.commit()
            return row

    def invite(
        self,
        agent_id: str = "AG-7",
        spec: str = "strict",
        *,
        expires: timedelta = timedelta(days=14),
        uses: int = 1,
        team: str = "",
    ) -> str:
        """A new invite code (the spec is uploaded first when it is a bundled one)."""
        with self.sessions() as db:
            if admin.latest_spec(db, spec) is None and (PROFILES / f"{spec}.toml").exists():
                self.upload_spec(spec)
            made = admin.create_invite(
                db,
                agent_id=agent_id,
                spec_name=spec,
                expires=expires,
                uses=uses,
                team=team,
                actor=ADMIN_EMAIL,
            )
            db.commit()
            return made.code

    def invite_row(self, code: str) -> Invite:
        """The stored invite of ``code``."""
        with self.sessions() as db:
            row = admin.find_invite(db, code)
            assert row is not None
            return row


def _init(data_dir: Path, database_url: str | None = None) -> HubConfig:
    return admin.init_hub(
        data_dir,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        database_url=database_url,
        public_url="https://hub.example",
        name="Test hub",
    )


@pytest.fixture
def hub_dir(tmp_path: Path) -> Path:
    """An initialised hub on SQLite: ``config.toml``, ``signing-key.pem``, ``hub.db``."""
    folder = tmp_path / "hub"
    _init(folder)
    return folder


@pytest.fixture
def hub_config(hub_dir: Path) -> HubConfig:
    """The settings of ``hub_dir``'s hub."""
    return load_config(hub_dir)


# -- PostgreSQL ------------------------------------------------------------------------------


def _pg_bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: PATH, else Debian's versioned folder."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class _Cluster:
    bin_dir: Path
    base: Path
    port: int
    as_postgres: bool

    def command(self, *args: str) -> list[str]:
        if not self.as_postgres:
            return list(args)
        if shutil.which("runuser"):
            return ["runuser", "-u", "postgres", "--", *args]
        import shlex

        return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]

    def run(self, *args: str, timeout: float = PG_START_TIMEOUT_S) -> None:
        result = subprocess.run(
            self.command(*args), capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            log = self.base / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args)} failed ({result.returncode}): {result.stderr}{result.stdout}{tail}"
            )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[_Cluster]:
    """A PostgreSQL cluster for this test session, on 127.0.0.1 only, trust auth."""
    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) are missing: "
            "apt-get install postgresql (scripts/test.sh does)"
        )
    as_postgres = os.geteuid() == 0
    if as_postgres:
        try:
            import pwd

            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
    # Not under pytest's tmp_path: that folder is 0700 root, which postgres cannot enter.
    base = Path(tempfile.mkdtemp(prefix="deskready-pg-"))
    os.chmod(base, 0o700)
    if as_postgres:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    cluster = _Cluster(bin_dir, base, _free_port(), as_postgres)
    data = base / "data"
    started = False
    try:
        cluster.run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        for _attempt in range(3):  # the free port may be taken between probe and start
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={cluster.port} -k {base} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200"
            )
            try:
                cluster.run(
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(base / "server.log"),
                    "-w",
                    "-t",
                    str(PG_START_TIMEOUT_S),
                    "-o",
                    options,
                    "start",
                    timeout=PG_START_TIMEOUT_S + 10,
                )
                started = True
                break
            except RuntimeError:
                cluster.port = _free_port()
        if not started:
            raise RuntimeError(f"PostgreSQL did not start; see {base / 'server.log'}")
        yield cluster
    finally:
        if started:
            with contextlib.suppress(Exception):
                cluster.run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


_db_counter = 0


@pytest.fixture
def pg_url(pg_cluster: _Cluster) -> Iterator[str]:
    """``postgresql://…`` of a new, empty database on the session's cluster (dropped after)."""
    import psycopg

    global _db_counter
    _db_counter += 1
    name = f"t{os.getpid()}_{_db_counter}"
    with psycopg.connect(f"{pg_cluster.url}/postgres", autocommit=True, connect_timeout=10) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    yield f"{pg_cluster.url}/{name}"
    with psycopg.connect(f"{pg_cluster.url}/postgres", autocommit=True, connect_timeout=10) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HubEnv]:
    """An initialised hub on SQLite, then on PostgreSQL, with its engine and sessions."""
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    config = _init(tmp_path / "hub", url)
    engine = make_engine(config.database_url)
    try:
        yield HubEnv(request.param, config, engine, session_factory(engine))
    finally:
        engine.dispose()
