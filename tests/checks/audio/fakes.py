"""Test doubles for the audio adapters: subclasses of the real ones, fed with data."""

from __future__ import annotations

import json
import queue
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from deskready.checks.audio.classify import Endpoint
from deskready.checks.audio.errors import AudioError
from deskready.checks.audio.os_devices import OsAudioAdapter
from deskready.checks.audio.sd_adapter import AudioDevice, InputHandle, SoundDeviceAdapter
from deskready.checks.platform import OS, os_from

DATA = Path(__file__).resolve().parents[2] / "data" / "audio"


def fixture_text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


class ReplayOs(OsAudioAdapter):
    """Answers OS commands with recorded output (argv joined by spaces -> text or None)."""

    def __init__(self, plat: str, outputs: dict[str, str | None], records: Any = None) -> None:
        super().__init__()
        self._plat = plat
        self._outputs = outputs
        self._records = records or []
        self.calls: list[str] = []

    def current_os(self) -> OS:
        return os_from(self._plat)

    def run(self, argv: Sequence[str]) -> str | None:
        key = " ".join(argv)
        self.calls.append(key)
        return self._outputs.get(key)

    def windows_records(self) -> list[dict[str, Any]]:
        return list(self._records)


class StaticOs(OsAudioAdapter):
    """Returns a fixed endpoint list."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        super().__init__()
        self._endpoints = endpoints

    def endpoints(self) -> list[Endpoint]:
        return list(self._endpoints)


def windows_records() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(fixture_text("windows_endpoints.json"))
    return data


class _Stream:
    """Stands in for a sounddevice stream inside a real InputHandle."""

    def __init__(self) -> None:
        self.closed = False

    def abort(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class FakeSoundDevice(SoundDeviceAdapter):
    """Devices and signals from the test; streams go through the real InputHandle.

    ``signal(n_samples, rate)`` makes the whole recording; ``stop_after`` blocks simulates a
    device that vanishes mid-recording (no more blocks: the real timeout path runs).
    """

    def __init__(
        self,
        devices: list[AudioDevice] | None = None,
        signal: Callable[[int, float], np.ndarray] | None = None,
        rate: float = 48000.0,
        stop_after: int | None = None,
        open_error: AudioError | None = None,
        defaults: tuple[int, int] = (0, 0),
    ) -> None:
        super().__init__()
        self._devices = devices if devices is not None else [device("Headset Microphone")]
        self._signal = signal or (lambda n, r: np.zeros(n, dtype=np.float32))
        self._rate = rate
        self._stop_after = stop_after
        self._open_error = open_error
        self._defaults = defaults
        self.opened: list[AudioDevice] = []
        self.played: list[tuple[AudioDevice, np.ndarray, float]] = []

    def devices(self) -> list[AudioDevice]:
        return list(self._devices)

    def default_indices(self) -> tuple[int, int]:
        return self._defaults

    def open_input(self, device: AudioDevice, block_seconds: float = 0.05) -> InputHandle:
        if self._open_error is not None:
            raise self._open_error
        self.opened.append(device)
        size = round(self._rate * block_seconds)
        blocks: queue.Queue[np.ndarray] = queue.Queue()
        total = self._signal(size * 200, self._rate).astype(np.float32)  # 10 s of blocks
        count = 200 if self._stop_after is None else self._stop_after
        for i in range(count):
            blocks.put(total[i * size : (i + 1) * size])
        return InputHandle(_Stream(), blocks, self._rate)

    def play(self, device: AudioDevice, samples: np.ndarray, samplerate: float) -> None:
        if self._open_error is not None:
            raise self._open_error
        self.played.append((device, samples, samplerate))


def device(
    name: str, index: int = 0, inputs: int = 1, outputs: int = 2, rate: float = 48000.0
) -> AudioDevice:
    return AudioDevice(index, name, "Test API", inputs, outputs, rate)


def count_beeps(samples: np.ndarray, rate: float, threshold_dbfs: float = -40.0) -> int:
    """Number of separate bursts above ``threshold_dbfs`` (in 10 ms blocks)."""
    size = max(1, round(rate * 0.01))
    n = samples.size // size
    x = samples[: n * size].astype(np.float64).reshape(n, size)
    loud = 10 * np.log10(np.maximum(np.mean(x * x, axis=1), 1e-30)) > threshold_dbfs
    return int(np.count_nonzero(loud[1:] & ~loud[:-1]) + (1 if n and loud[0] else 0))
