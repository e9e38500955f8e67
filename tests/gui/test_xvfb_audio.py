"""The guided run with the real audio checks, in a real X11 window (Xvfb), by keyboard.

The window runs in a child process (``xvfb_guided_run.py``): Qt picks its platform once per
process, and the rest of the GUI tests use offscreen. The child reaches a private
PulseAudio server whose null sink is both the headset's speaker and, through its monitor,
its microphone (tests/checks/audio/pulse_server.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.checks.audio import pulse_server
from tests.gui.conftest import ROOT, SHOTS

pytestmark = pytest.mark.audio


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A private Xvfb server; its DISPLAY."""
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb is not installed (apt install xvfb)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()  # Xvfb writes the display it took once it is ready
    try:
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def test_a_guided_audio_run_in_a_real_window_by_keyboard(xvfb, tmp_path):
    try:
        pulse_ctx = pulse_server.running(point_this_process=False)
        pulse = pulse_ctx.__enter__()
    except pulse_server.PulseUnavailable as exc:
        pytest.skip(str(exc))
    try:
        env = dict(
            pulse.env,
            DISPLAY=xvfb,
            QT_QPA_PLATFORM="xcb",
            XDG_CONFIG_HOME=str(tmp_path / "config"),
        )
        env.pop("QT_SCALE_FACTOR", None)
        out = tmp_path / "seen.json"
        SHOTS.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, str(ROOT / "tests/gui/xvfb_guided_run.py"), str(out), str(SHOTS)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        pulse_ctx.__exit__(None, None, None)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen["platform"] == "xcb"  # a real X11 window, not offscreen
    assert "failed" not in seen, seen.get("failed")
    report = seen["report"]
    assert report is not None, seen
    assert seen["headings"] == ["Step 1 of 2 — Audio"]
    assert "headset" in seen["gate"]
    assert seen["countdown"] == "Starting in 1 second…"
    assert any(t.startswith("Please read aloud:") for t in seen["instructions"])
    assert any("quiet" in t for t in seen["instructions"])
    assert any("beeps" in t for t in seen["instructions"])
    # The live meter followed the voice: speech near -22 dBFS, far above the floor.
    assert max(seen["meter_levels"]) > -35, seen["meter_levels"]
    results = {r["check"]: r for r in report["results"]}
    assert results["microphone"]["measurements"]["microphone.speech_dbfs"] == pytest.approx(
        -22, abs=3
    )
    assert (
        results["speaker"]["details"]["beeps_heard"]
        == results["speaker"]["details"]["beeps_played"]
    )
    assert report["verdict"] == "ready", (
        [r for r in report["rules"] if r["outcome"] != "pass"],
        {c: r.get("error") for c, r in results.items() if r.get("error")},
    )
    assert seen["banner"].startswith("READY")
    assert seen["keys"][-1].startswith("Key_Return -> QLineEdit")  # the beeps, typed
