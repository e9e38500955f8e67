"""``deskready hub …`` through the installed command: init, specs, invites, keys, users,
audit, serve (a real process on loopback, stopped with SIGTERM), and the missing extra."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.hub.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PROFILES

READY = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def run(
    bin_: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [bin_, *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text(ADMIN_PASSWORD + "\n")
    return path


@pytest.fixture
def cli_hub(deskready_bin: str, tmp_path: Path, password_file: Path) -> Path:
    folder = tmp_path / "clihub"
    result = run(
        deskready_bin,
        "hub",
        "init",
        "--dir",
        str(folder),
        "--admin",
        ADMIN_EMAIL,
        "--password-file",
        str(password_file),
        "--public-url",
        "https://hub.acme.example",
    )
    assert result.returncode == 0, result.stderr
    assert "Signing key: ed25519:" in result.stdout
    return folder


def test_init_writes_private_files(cli_hub: Path):
    for name in ("config.toml", "signing-key.pem", "hub.db"):
        assert stat.S_IMODE((cli_hub / name).stat().st_mode) == 0o600, name
    assert ADMIN_PASSWORD not in (cli_hub / "config.toml").read_text()
    assert ADMIN_PASSWORD.encode() not in (cli_hub / "hub.db").read_bytes()


def test_the_admin_flow(deskready_bin: str, cli_hub: Path, tmp_path: Path):
    d = ("--dir", str(cli_hub))
    up = run(
        deskready_bin,
        "hub",
        "spec",
        "upload",
        str(PROFILES / "strict.toml"),
        "--name",
        "strict",
        *d,
    )
    assert up.returncode == 0, up.stderr
    assert "/api/v1/specs/strict/" in up.stdout

    broken = tmp_path / "broken.toml"
    broken.write_text(
        '[employer]\nname = "x"\n\n[rules."network.nope"]\nmin = 3\n\n[rules."cpu.cores"]\nmin = 1\n'
    )
    refused = run(deskready_bin, "hub", "spec", "upload", str(broken), "--name", "broken", *d)
    assert refused.returncode == 2
    assert "broken.toml:4:" in refused.stderr
    assert "broken.toml:7:" in refused.stderr
    assert "Traceback" not in refused.stderr

    listed = run(deskready_bin, "hub", "spec", "list", *d)
    assert listed.returncode == 0
    assert "strict" in listed.stdout
    assert "broken" not in listed.stdout

    made = run(
        deskready_bin,
        "hub",
        "invite",
        "--agent-id",
        "AG-7",
        "--spec",
        "strict",
        "--expires",
        "12h",
        "--uses",
        "2",
        *d,
    )
    assert made.returncode == 0, made.stderr
    code, link = made.stdout.splitlines()[:2]
    assert re.fullmatch(r"[A-Z2-7]{32}", code)
    assert link == f"https://hub.acme.example/join/{code}"
    assert "2 uses" in made.stdout

    for bad in (
        ("--spec", "strict"),
        ("--agent-id", "AG-7", "--spec", "nope"),
        ("--agent-id", "A", "--spec", "strict", "--expires", "1y"),
    ):
        result = run(deskready_bin, "hub", "invite", *bad, *d)
        assert result.returncode == 2, bad
        assert "Error:" in result.stderr

    revoked = run(deskready_bin, "hub", "invite", "revoke", link, *d)
    assert revoked.returncode == 0, revoked.stderr
    assert "AG-7" in revoked.stdout
    again = run(deskready_bin, "hub", "invite", "revoke", "A" * 32, *d)
    assert again.returncode == 2
    assert "no invite" in again.stderr

    rotated = run(deskready_bin, "hub", "key", "rotate", *d)
    assert rotated.returncode == 0
    assert "New signing key: ed25519:" in rotated.stdout

    pw = tmp_path / "sup"
    pw.write_text("supervisor password\n")
    added = run(
        deskready_bin,
        "hub",
        "user",
        "add",
        "sup@acme.example",
        "--role",
        "supervisor",
        "--password-file",
        str(pw),
        *d,
    )
    assert added.returncode == 0, added.stderr
    dup = run(
        deskready_bin, "hub", "user", "add", "sup@acme.example", "--password-file", str(pw), *d
    )
    assert dup.returncode == 2

    log = run(deskready_bin, "hub", "audit", *d)
    assert log.returncode == 0
    actions = re.findall(
        r"\b(hub\.init|user\.add|spec\.upload|invite\.create|invite\.revoke|key\.rotate)\b",
        log.stdout,
    )
    assert actions == [
        "user.add",
        "hub.init",
        "spec.upload",
        "invite.create",
        "invite.revoke",
        "key.rotate",
        "user.add",
    ]


def test_usage_errors_exit_2(
    deskready_bin: str, tmp_path: Path, password_file: Path, cli_hub: Path
):
    no_hub = run(deskready_bin, "hub", "spec", "list", "--dir", str(tmp_path / "none"))
    assert no_hub.returncode == 2
    assert "deskready hub init" in no_hub.stderr
    twice = run(
        deskready_bin,
        "hub",
        "init",
        "--dir",
        str(cli_hub),
        "--admin",
        "x@y.example",
        "--password-file",
        str(password_file),
    )
    assert twice.returncode == 2
    assert "there is a hub here already" in twice.stderr
    bad_url = run(
        deskready_bin,
        "hub",
        "init",
        "--dir",
        str(tmp_path / "u"),
        "--admin",
        "x@y.example",
        "--password-file",
        str(password_file),
        "--public-url",
        "http://hub.example",
    )
    assert bad_url.returncode == 2
    assert "public_url" in bad_url.stderr
    no_terminal = subprocess.run(
        [deskready_bin, "hub", "init", "--dir", str(tmp_path / "t"), "--admin", "x@y.example"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert no_terminal.returncode == 2
    assert "--password-file" in no_terminal.stderr
    bad_db = run(
        deskready_bin,
        "hub",
        "init",
        "--dir",
        str(tmp_path / "d"),
        "--admin",
        "x@y.example",
        "--password-file",
        str(password_file),
        "--db",
        "postgresql://nobody@127.0.0.1:1/none",
    )
    assert bad_db.returncode == 2
    assert "database cannot be used" in bad_db.stderr
    assert "Traceback" not in bad_db.stderr


def test_init_asks_for_the_password_twice_on_a_terminal(deskready_bin: str, tmp_path: Path):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        deskready_bin,
        ["hub", "init", "--dir", str(tmp_path / "p"), "--admin", ADMIN_EMAIL],
        encoding="utf-8",
        timeout=30,
    )
    child.expect("Password for")
    child.sendline(ADMIN_PASSWORD)
    child.expect("Repeat for confirmation")
    child.sendline(ADMIN_PASSWORD)
    child.expect("Hub created in")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "p" / "signing-key.pem").exists()


def test_a_missing_extra_is_one_line_and_exit_2(deskready_bin: str, tmp_path: Path):
    """A module named sqlalchemy that cannot be imported stands in for the missing extra."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sqlalchemy.py").write_text("raise ImportError('not installed')\n")
    env = {**os.environ, "PYTHONPATH": str(shim)}
    result = run(deskready_bin, "hub", "spec", "list", env=env)
    assert result.returncode == 2
    assert "The hub needs its extra: pip install 'deskready[hub]'" in result.stderr
    assert "Traceback" not in result.stderr
    # the agent's commands do not need it
    assert run(deskready_bin, "checks", env=env).returncode == 0


def test_the_agent_cli_never_imports_the_hub_dependencies():
    code = (
        "import sys, deskready.cli.main\n"
        "heavy = ('sqlalchemy', 'alembic', 'argon2', 'uvicorn', 'fastapi', 'h11', 'psycopg', 'jinja2')\n"
        "print([m for m in sys.modules if m.split('.')[0] in heavy])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


def _wait_ready(process: subprocess.Popen[str], deadline_s: float = 60) -> str:
    """The API URL from the ready line on stderr (bounded by ``deadline_s``)."""
    assert process.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    seen = ""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if not selector.select(timeout=max(0.0, end - time.monotonic())):
            break
        line = process.stderr.readline()
        if not line:
            break
        seen += line
        if match := READY.search(line):
            return match.group(1)
    process.kill()
    raise AssertionError(f"the hub did not become ready:\n{seen}")


def test_serve_answers_and_stops_cleanly_on_sigterm(deskready_bin: str, cli_hub: Path):
    process = subprocess.Popen(
        [
            deskready_bin,
            "hub",
            "serve",
            "--dir",
            str(cli_hub),
            "--port",
            "0",
            "--measure-port",
            "0",
            "--stun-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _wait_ready(process)
        info = httpx.get(f"{url}/api/v1/info", timeout=10)
        assert info.status_code == 200
        body = info.json()
        assert body["key_id"] in body["public_keys"]
        key = cli_hub / "signing-key.pem"
        assert key.exists()
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "The hub stopped." in err


def test_serve_on_a_port_in_use_says_so(deskready_bin: str, cli_hub: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run(
            deskready_bin,
            "hub",
            "serve",
            "--dir",
            str(cli_hub),
            "--port",
            str(port),
            "--measure-port",
            "0",
            "--stun-port",
            "0",
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr
    assert "Traceback" not in result.stderr
