"""``deskready hub webhook set/show/remove`` through the installed command: the secret is
shown once and never again, a bad URL is exit 2 with one line, every change is audited."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _run(bin_: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [bin_, "hub", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_webhook_commands(deskready_bin: str, hub_dir: Path, tmp_path: Path) -> None:
    where = ("--dir", str(hub_dir))
    shown = _run(deskready_bin, "webhook", "show", *where)
    assert shown.returncode == 0, shown.stderr
    assert "No webhook is set." in shown.stdout

    bad = _run(deskready_bin, "webhook", "set", "http://alerts.acme.example/hook", *where)
    assert bad.returncode == 2
    assert "plain http:// is only allowed to a loopback address" in bad.stderr
    assert "Traceback" not in bad.stderr

    made = _run(deskready_bin, "webhook", "set", "https://alerts.acme.example/hook", *where)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.split("give it to the receiver): ")[1].split()[0]
    assert len(secret) >= 40

    secret_file = tmp_path / "secret"
    secret_file.write_text("a-secret-the-receiver-already-has\n")
    again = _run(
        deskready_bin,
        "webhook",
        "set",
        "https://alerts.acme.example/v2",
        "--secret-file",
        str(secret_file),
        *where,
    )
    assert again.returncode == 0, again.stderr
    assert "secret" not in again.stdout.lower()  # the admin's own secret is not echoed

    shown = _run(deskready_bin, "webhook", "show", *where)
    assert "https://alerts.acme.example/v2" in shown.stdout
    assert secret not in shown.stdout
    assert "a-secret-the-receiver" not in shown.stdout

    removed = _run(deskready_bin, "webhook", "remove", *where)
    assert "The webhook is removed." in removed.stdout
    trail = _run(deskready_bin, "audit", *where)
    actions = [line.split()[2] for line in trail.stdout.splitlines() if "webhook." in line]
    assert actions == ["webhook.set", "webhook.set", "webhook.remove"]
