"""Start and stop a private PulseAudio server with null sinks (PulseAudio module-null-sink;
that they work as real devices is this project's own measurement, bench/audio_accuracy.py).

Used by the test fixtures (``conftest.py``) and by ``bench/audio_accuracy.py``. The server
lives in its own temporary XDG_RUNTIME_DIR, so it never touches a desktop session's sound.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 48000

# Sinks at 48 kHz, like the checks' streams, so that PulseAudio never resamples the test
# signals (resampling white noise would drop the part above 22 kHz and bias its level).
SINKS = (
    "module-null-sink sink_name=vsink rate=48000 channels=1 "
    "sink_properties=device.description=DeskreadyTestOutput",
    "module-null-sink sink_name=other rate=48000 channels=1 "
    "sink_properties=device.description=OtherOutput",
)
TOOLS = ("pulseaudio", "pactl", "pacat", "parec")


class PulseUnavailable(Exception):
    """The server cannot run here; the message says why."""


@dataclass
class PulseServer:
    """A running server: its runtime directory and the environment that reaches it."""

    runtime_dir: Path
    env: dict[str, str]

    def pactl(self, *args: str) -> str:
        done = subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def play(self, samples: np.ndarray, path: Path, sink: str = "vsink") -> subprocess.Popen[bytes]:
        """Play mono float32 ``samples`` at 48 kHz from a ``pacat`` process; wait until it runs."""
        path.write_bytes(np.asarray(samples, dtype="<f4").tobytes())
        proc = subprocess.Popen(
            ["pacat", "--playback", "--raw", "--format=float32le", f"--rate={RATE}",
             "--channels=1", f"--device={sink}", "--latency-msec=20", str(path)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        time.sleep(0.3)
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"pacat exited: {err}")
        return proc


@contextlib.contextmanager
def running(point_this_process: bool = True) -> Iterator[PulseServer]:
    """Run a server for the duration of the block.

    Args:
        point_this_process: also set ``XDG_RUNTIME_DIR``/``PULSE_SERVER`` in ``os.environ``
            (restored afterwards), so PortAudio in this process records from it.

    Raises:
        PulseUnavailable: a tool is missing or the daemon did not start.
    """
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        raise PulseUnavailable(f"missing {', '.join(missing)} (apt install pulseaudio-utils)")
    runtime = Path(tempfile.mkdtemp(prefix="deskready-pulse-"))
    runtime.chmod(0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), HOME=os.environ.get("HOME", "/root"))
    env.pop("PULSE_SERVER", None)
    args = ["pulseaudio", "-n", "--daemonize=yes", "--exit-idle-time=-1", "--disallow-exit"]
    args += ["-L", "module-native-protocol-unix"]
    for sink in SINKS:
        args += ["-L", sink]
    started = subprocess.run(args, env=env, capture_output=True, text=True, timeout=20)
    socket = runtime / "pulse" / "native"
    deadline = time.monotonic() + 5
    while not socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if started.returncode != 0 or not socket.exists():
        shutil.rmtree(runtime, ignore_errors=True)
        raise PulseUnavailable(f"pulseaudio did not start: {started.stderr.strip()[-300:]}")
    env["PULSE_SERVER"] = f"unix:{socket}"
    server = PulseServer(runtime, env)
    saved = {k: os.environ.get(k) for k in ("XDG_RUNTIME_DIR", "PULSE_SERVER")}
    try:
        server.pactl("set-default-sink", "vsink")
        server.pactl("set-default-source", "vsink.monitor")
        if point_this_process:
            os.environ["XDG_RUNTIME_DIR"] = str(runtime)
            os.environ["PULSE_SERVER"] = env["PULSE_SERVER"]
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _stop(runtime)


def _stop(runtime: Path) -> None:
    pid_file = runtime / "pulse" / "pid"
    if pid_file.exists():
        pid = int(pid_file.read_text().split()[0])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
    shutil.rmtree(runtime, ignore_errors=True)


def espeak(text: str) -> np.ndarray:
    """``text`` spoken by espeak-ng, resampled to 48 kHz float32 (raises if not installed)."""
    import wave

    if not shutil.which("espeak-ng"):
        raise PulseUnavailable("espeak-ng is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-s", "150", "-w", str(wav), text],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        with wave.open(str(wav)) as w:
            rate = w.getframerate()
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    x = data.astype(np.float64) / 32768.0
    n_out = round(len(x) * RATE / rate)
    return np.interp(np.arange(n_out) * rate / RATE, np.arange(len(x)), x).astype(np.float32)


SENTENCE = "Thank you for calling. My name is Alex. How can I help you today?"
