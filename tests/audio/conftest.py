"""A real PulseAudio server with null sinks for the audio tests (RESEARCH.md §8).

``pulse`` starts ``pulseaudio`` in a temporary XDG_RUNTIME_DIR with two null sinks —
``vsink`` (the default; its monitor is the default source, i.e. "the microphone") and
``other`` — points this process at it, and stops it afterwards. Test signals are played from
another process (``pacat``), as the recipe requires: in-process play-then-record records
silence. When the server cannot start, the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

RATE = 48000

# Sinks at 48 kHz, like the checks' streams, so that PulseAudio never resamples the test
# signals (resampling white noise would drop the part above 22 kHz and bias its level).
_SINKS = (
    "module-null-sink sink_name=vsink rate=48000 channels=1 "
    "sink_properties=device.description=DeskreadyTestOutput",
    "module-null-sink sink_name=other rate=48000 channels=1 "
    "sink_properties=device.description=OtherOutput",
)


@dataclass
class PulseServer:
    """The running test server."""

    runtime_dir: Path
    env: dict[str, str]

    def pactl(self, *args: str) -> str:
        done = subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


def _skip(reason: str) -> None:
    print(f"\n[audio tests skipped] {reason}", file=sys.stderr)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pulse() -> Iterator[PulseServer]:
    """Start PulseAudio with null sinks; point this process (and PortAudio) at it."""
    missing = [tool for tool in ("pulseaudio", "pactl", "pacat", "parec") if not shutil.which(tool)]
    if missing:
        _skip(f"missing {', '.join(missing)} (apt install pulseaudio pulseaudio-utils)")
    runtime = Path(tempfile.mkdtemp(prefix="deskready-pulse-"))
    runtime.chmod(0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), HOME=os.environ.get("HOME", "/root"))
    env.pop("PULSE_SERVER", None)
    args = ["pulseaudio", "-n", "--daemonize=yes", "--exit-idle-time=-1", "--disallow-exit"]
    args += ["-L", "module-native-protocol-unix"]
    for sink in _SINKS:
        args += ["-L", sink]
    started = subprocess.run(args, env=env, capture_output=True, text=True, timeout=20)
    socket = runtime / "pulse" / "native"
    deadline = time.monotonic() + 5
    while not socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if started.returncode != 0 or not socket.exists():
        shutil.rmtree(runtime, ignore_errors=True)
        _skip(f"pulseaudio did not start: {started.stderr.strip()[-300:]}")
    env["PULSE_SERVER"] = f"unix:{socket}"
    server = PulseServer(runtime, env)
    server.pactl("set-default-sink", "vsink")
    server.pactl("set-default-source", "vsink.monitor")

    saved = {k: os.environ.get(k) for k in ("XDG_RUNTIME_DIR", "PULSE_SERVER")}
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    os.environ["PULSE_SERVER"] = env["PULSE_SERVER"]
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        pid_file = runtime / "pulse" / "pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(runtime, ignore_errors=True)


Player = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def play(pulse: PulseServer, tmp_path: Path) -> Iterator[Player]:
    """``play(samples, sink="vsink")``: play mono float32 samples at 48 kHz from ``pacat``.

    Waits until the stream is running before returning; stops leftovers at teardown.
    """
    players: list[subprocess.Popen[bytes]] = []

    def _play(samples: np.ndarray, sink: str = "vsink") -> subprocess.Popen[bytes]:
        path = tmp_path / f"signal{len(players)}.raw"
        path.write_bytes(np.asarray(samples, dtype="<f4").tobytes())
        proc = subprocess.Popen(
            ["pacat", "--playback", "--raw", "--format=float32le", f"--rate={RATE}",
             "--channels=1", f"--device={sink}", "--latency-msec=20", str(path)],
            env=pulse.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        players.append(proc)
        time.sleep(0.3)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        return proc

    yield _play
    for proc in players:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(5)


@pytest.fixture(scope="session")
def espeak_sentence() -> np.ndarray:
    """A spoken sentence from espeak-ng, at 48 kHz, as float32 (not yet levelled)."""
    if not shutil.which("espeak-ng"):
        _skip("espeak-ng is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-s", "150", "-w", str(wav),
             "Thank you for calling. My name is Alex. How can I help you today?"],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        with wave.open(str(wav)) as w:
            rate = w.getframerate()
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    x = data.astype(np.float64) / 32768.0
    n_out = round(len(x) * RATE / rate)
    resampled = np.interp(np.arange(n_out) * rate / RATE, np.arange(len(x)), x)
    return resampled.astype(np.float32)
