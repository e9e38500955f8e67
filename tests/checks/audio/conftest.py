"""A real PulseAudio server with null sinks for the audio tests (PulseAudio module-null-sink;
that they work as real devices is this project's own measurement, bench/audio_accuracy.py).

``pulse`` starts ``pulseaudio`` in a temporary XDG_RUNTIME_DIR (see ``pulse_server.py``)
with two null sinks — ``vsink`` (the default; its monitor is the default source, i.e. "the
microphone") and ``other`` — points this process at it, and stops it afterwards. Test
signals are played from another process (``pacat``), as the recipe requires: in-process
play-then-record records silence. When the server cannot start, the tests that need it are
skipped with the reason, printed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.checks.audio import pulse_server
from tests.checks.audio.pulse_server import RATE, PulseServer

__all__ = ["RATE", "Player", "PulseServer"]

Player = Callable[..., subprocess.Popen[bytes]]


def _skip(reason: str) -> None:
    print(f"\n[audio tests skipped] {reason}", file=sys.stderr)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pulse() -> Iterator[PulseServer]:
    """Start PulseAudio with null sinks; point this process (and PortAudio) at it."""
    try:
        with pulse_server.running() as server:
            yield server
    except pulse_server.PulseUnavailable as exc:
        _skip(str(exc))


@pytest.fixture
def play(pulse: PulseServer, tmp_path: Path) -> Iterator[Player]:
    """``play(samples, sink="vsink")``: play 48 kHz mono float32 from ``pacat``.

    Returns once the stream runs; stops leftovers at teardown.
    """
    players: list[subprocess.Popen[bytes]] = []

    def _play(samples: np.ndarray, sink: str = "vsink") -> subprocess.Popen[bytes]:
        players.append(pulse.play(samples, tmp_path / f"signal{len(players)}.raw", sink))
        return players[-1]

    yield _play
    for proc in players:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(5)


@pytest.fixture(scope="session")
def espeak_sentence() -> np.ndarray:
    """The test sentence spoken by espeak-ng, 48 kHz float32 (not yet levelled)."""
    try:
        return pulse_server.espeak(pulse_server.SENTENCE)
    except pulse_server.PulseUnavailable as exc:
        _skip(str(exc))
        raise
