"""Invite → check → submit → verify, through the installed command and a real hub process.

Everything an employer and an agent would type: ``deskready hub init``, ``hub spec upload``,
``hub invite``, ``hub serve``; then ``deskready check --hub … --invite …`` measures
against the hub (its LibreSpeed endpoints and STUN responder on loopback), submits, and
``deskready report verify`` checks the hub's signature offline. Then the hostile cases a
verifier must catch, and the outbox: a hub that goes away between join and submit loses
nothing, and ``deskready submit`` delivers the waiting report exactly once.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the hub extra is not installed")

from deskready.report.integrity import seal

SPEC = """
[employer]
name = "End-to-end Calls"
[rules."memory.total_gb"]
min = 0.1
[rules."network.download_mbps"]
min = 1
[rules."network.upload_mbps"]
min = 1
[rules."network.loss_pct"]
max = 5
[rules."network.upstream_loss_pct"]
max = 5
[checks.bandwidth]
max_seconds = 6
[checks.call_quality]
duration_s = 2
"""


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Hub:
    """A hub made with the CLI in a temporary folder, served by ``deskready hub serve``."""

    def __init__(self, bin_: str, root: Path, env: dict[str, str]) -> None:
        self.bin, self.dir, self.env = bin_, root / "hub", env
        self.port, self.measure, self.stun = free_port(), free_port(), free_port(socket.SOCK_DGRAM)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None
        password = root / "password"
        password.write_text("a long enough passphrase for the test\n", encoding="utf-8")
        self.cli(
            "init", "--public-url", self.url, "--admin", "admin@e2e.example",
            "--password-file", str(password),
        )  # fmt: skip
        config = self.dir / "config.toml"
        # loopback moves gigabytes a second: lift the per-session byte cap for this test
        text = config.read_text(encoding="utf-8")
        text = re.sub(r"session_max_bytes = \d+", "session_max_bytes = 1099511627776", text)
        config.write_text(text, encoding="utf-8")
        spec = root / "spec.toml"
        spec.write_text(SPEC, encoding="utf-8")
        self.cli("spec", "upload", str(spec), "--name", "e2e")

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [self.bin, "hub", *args, "--dir", str(self.dir)],
            capture_output=True, text=True, env=self.env, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def invite(self, agent: str = "AG-7") -> str:
        return self.cli("invite", "--agent-id", agent, "--spec", "e2e").splitlines()[0].strip()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.bin, "hub", "serve", "--dir", str(self.dir), "--port", str(self.port),
                "--measure-port", str(self.measure), "--stun-port", str(self.stun),
            ],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/info", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the hub did not start within 20 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None


@pytest.fixture
def hub(deskready_bin: str, tmp_path: Path) -> Iterator[Hub]:
    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    made = Hub(deskready_bin, tmp_path, env)
    made.start()
    yield made
    made.stop()


def agent(hub: Hub, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [hub.bin, *args], capture_output=True, text=True, env=hub.env, timeout=timeout, check=False
    )


def test_invite_check_submit_verify_and_what_a_verifier_catches(hub: Hub, tmp_path: Path) -> None:
    code = hub.invite()
    report_path, pdf_path = tmp_path / "r.json", tmp_path / "r.pdf"
    run = agent(
        hub, "check", "--hub", hub.url, "--invite", code, "--no-input",
        "--json", str(report_path), "--pdf", str(pdf_path),
    )  # fmt: skip
    out = run.stdout + run.stderr
    assert "Traceback" not in out
    assert "received the report and signed it" in out, out
    assert run.returncode in (0, 1), out  # judged on real loopback figures
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["agent"]["id"] == "AG-7"
    assert report["scope"]["complete"] is True
    assert report["hub"]["session"]
    assert report["attestation"]["signatures"]

    verified = agent(hub, "report", "verify", str(report_path))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Signed by the employer's hub" in verified.stdout
    assert "Observed by the hub:" in verified.stdout
    assert "Reported by this computer about itself:" in verified.stdout
    assert "Memory" in verified.stdout.split("Reported by this computer about itself:")[1]
    # the upstream loss is the hub's own count, read back during the run
    upstream = next(r for r in report["rules"] if r["metric"] == "network.upstream_loss_pct")
    assert upstream["outcome"] == "pass", upstream
    assert "Packets lost on the way to the hub" in verified.stdout.split("Reported by")[0]
    pdf_verified = agent(hub, "report", "verify", str(pdf_path))
    assert pdf_verified.returncode == 0, pdf_verified.stdout + pdf_verified.stderr

    # edited and resealed with the project's own code: the hub's signature no longer fits
    edited = json.loads(report_path.read_text(encoding="utf-8"))
    attestation = edited.pop("attestation")
    for rule in edited["rules"]:
        if rule["metric"] == "memory.total_gb":
            rule["actual"] = 512.0
    resealed = seal(edited)
    resealed["attestation"] = attestation
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(resealed), encoding="utf-8")
    caught = agent(hub, "report", "verify", str(forged))
    assert caught.returncode == 1, caught.stdout
    assert "Traceback" not in caught.stdout + caught.stderr

    # signed by a key this computer does not trust for that hub
    stranger = agent(
        hub, "report", "verify", str(report_path),
        "--hub-key", "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=",
    )  # fmt: skip
    assert stranger.returncode in (1, 2), stranger.stdout + stranger.stderr

    # the same invite cannot be used twice (one use), and a second agent's code is its own
    again = agent(hub, "check", "--hub", hub.url, "--invite", code, "--no-input")
    assert again.returncode == 2, again.stdout + again.stderr
    assert "Traceback" not in again.stdout + again.stderr


def test_a_hub_that_goes_away_before_submit_loses_nothing(hub: Hub, tmp_path: Path) -> None:
    code = hub.invite("AG-8")
    report_path = tmp_path / "waiting.json"
    running = subprocess.Popen(
        [hub.bin, "check", "--hub", hub.url, "--invite", code, "--no-input",
         "--json", str(report_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=hub.env,
    )  # fmt: skip
    # Once the agent has joined (the spec is fetched before any check runs), take the hub away.
    deadline = time.monotonic() + 30
    outbox = Path(hub.env["XDG_DATA_HOME"]) / "deskready" / "outbox"
    while time.monotonic() < deadline and running.poll() is None:
        time.sleep(0.2)
        if (Path(hub.env["XDG_CONFIG_HOME"]) / "deskready" / "hubs.json").exists():
            break
    hub.stop()
    out, _ = running.communicate(timeout=120)
    assert "Traceback" not in out
    assert "deskready submit" in out, out  # told how the waiting report gets sent
    waiting = list(outbox.glob("*.json"))
    assert len(waiting) == 1, out
    saved = json.loads(report_path.read_text(encoding="utf-8"))
    assert "attestation" not in saved

    hub.start()
    sent = agent(hub, "submit")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert not list(outbox.glob("*.json"))
    signed = json.loads(report_path.read_text(encoding="utf-8"))
    assert signed["attestation"]["signatures"]
    assert agent(hub, "report", "verify", str(report_path)).returncode == 0
    nothing = agent(hub, "submit")  # delivered once: nothing left to send
    assert nothing.returncode == 0
    assert "No report is waiting" in nothing.stdout
