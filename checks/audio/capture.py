"""The one way an audio check uses the sound system: pick, open, record or play, fail clearly.

The microphone, room-noise and speaker checks all do the same four things, so they do them
here and nowhere else:

1. pick the device named by the check's ``device`` setting (:mod:`.selection`);
2. open the stream and record in 50 ms blocks, bounded by the check's time budget (or play
   a signal, bounded by the adapter);
3. stream the live level, ``ctx.progress(fraction, message, dbfs=level)`` once per block —
   the GUI meter and the terminal bar both read ``live["dbfs"]``;
4. turn every sound-system failure (:class:`AudioError`, already mapped from PortAudio's
   error codes by the adapter) into the one message set of :mod:`.errors`, as a
   :class:`CheckFailed`.

Audio stays in memory; only levels leave this module (and only the checks decide which
levels go into the report).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from deskready.checks.api import CheckContext, CheckFailed
from deskready.checks.audio.errors import AudioError, AudioErrorKind, check_failed
from deskready.checks.audio.levels import BLOCK_SECONDS, FLOOR_DBFS, FloatArray, rms_dbfs
from deskready.checks.audio.os_devices import OsAudioAdapter
from deskready.checks.audio.sd_adapter import AudioDevice, SoundDeviceAdapter
from deskready.checks.audio.selection import pick_device

#: A block must arrive within this long, or the device is taken to be gone.
BLOCK_TIMEOUT_S = 1.0
#: The first block may take longer: some drivers fill a buffer before delivering.
FIRST_BLOCK_TIMEOUT_S = 2.0
#: Audio discarded at the start of a capture (stream start-up clicks, AGC settling).
SETTLE_S = 0.1


@dataclass(frozen=True)
class Recording:
    """Mono samples kept in memory only, and the rate they were taken at."""

    samples: FloatArray
    samplerate: float


@dataclass(frozen=True)
class Capture:
    """A finished capture: the device it came from and what it recorded."""

    device: AudioDevice
    samples: FloatArray
    samplerate: float

    @property
    def seconds(self) -> float:
        """How long the kept recording is, in seconds."""
        return self.samples.size / self.samplerate if self.samplerate else 0.0

    def details(self) -> dict[str, object]:
        """What every recording check keeps in the report about its capture."""
        return {
            "device": self.device.name,
            "samplerate": self.samplerate,
            "seconds": round(self.seconds, 2),
        }

    def silent(self) -> CheckFailed:
        """The error for a capture that heard nothing usable (muted or wrong device)."""
        return check_failed(AudioError(AudioErrorKind.SILENCE, device=self.device.name))


@contextlib.contextmanager
def sound_errors() -> Iterator[None]:
    """Turn an :class:`AudioError` raised inside into the agent's :class:`CheckFailed`."""
    try:
        yield
    except AudioError as exc:
        raise check_failed(exc) from exc


def capture(ctx: CheckContext, seconds: float, message: str) -> Capture:
    """Record ``seconds`` from the input named by the ``device`` setting, with live levels.

    Args:
        ctx: the check's context: the ``device`` setting, adapters, time budget,
            cancellation and progress sink.
        seconds: wanted duration; shortened to fit the time budget.
        message: shown with every progress update (e.g. the sentence to read).

    Raises:
        CheckFailed: with the plain message for any sound-system failure.
        CheckCancelled: when the run is cancelled or the budget is spent.
    """
    sd = ctx.adapter(SoundDeviceAdapter)
    with sound_errors():
        device = pick_device(sd, ctx.adapter(OsAudioAdapter), ctx.setting("device"), "input")
        ctx.progress(None, message, dbfs=FLOOR_DBFS)
        recording = record(ctx, sd, device, seconds, message)
    return Capture(device, recording.samples, recording.samplerate)


def play(ctx: CheckContext, samples: FloatArray, samplerate: float, message: str) -> AudioDevice:
    """Play ``samples`` on the output named by the ``device`` setting; the device used.

    Raises:
        CheckFailed: with the plain message for any sound-system failure.
        CheckCancelled: when the run is cancelled before playback starts.
    """
    sd = ctx.adapter(SoundDeviceAdapter)
    with sound_errors():
        device = pick_device(sd, ctx.adapter(OsAudioAdapter), ctx.setting("device"), "output")
        ctx.progress(None, message)
        ctx.raise_if_cancelled()
        sd.play(device, samples, samplerate)
    return device


def record(
    ctx: CheckContext,
    adapter: SoundDeviceAdapter,
    device: AudioDevice,
    seconds: float,
    message: str,
    settle_s: float = SETTLE_S,
) -> Recording:
    """Record ``seconds`` of mono audio from ``device``, streaming live levels.

    Args:
        ctx: the check's context: bounds the duration, cancellation, progress sink.
        adapter: where the stream comes from (real or fake).
        device: the input device.
        seconds: wanted duration; shortened by ``ctx.bounded`` to fit the time budget.
        message: shown with every progress update (e.g. the sentence to read).
        settle_s: audio discarded at the start (stream start-up clicks, AGC settling).

    Raises:
        AudioError: from the adapter (busy, unplugged, unsupported rate …).
        CheckCancelled: when the run is cancelled or the budget is spent.
    """
    duration = ctx.bounded(seconds)
    handle = adapter.open_input(device, BLOCK_SECONDS)
    try:
        rate = handle.samplerate
        wanted = round((duration + settle_s) * rate)
        skip = round(settle_s * rate)
        chunks: list[FloatArray] = []
        got = 0
        started = time.monotonic()
        # Wall-clock guard on top of the sample count: a device delivering too slowly
        # must not keep us past the budget.
        hard_stop = started + duration + settle_s + FIRST_BLOCK_TIMEOUT_S + BLOCK_TIMEOUT_S
        while got < wanted:
            ctx.raise_if_cancelled()
            if time.monotonic() > hard_stop:
                break
            block = handle.read_block(BLOCK_TIMEOUT_S if chunks else FIRST_BLOCK_TIMEOUT_S)
            chunks.append(block)
            got += len(block)
            if got > skip:
                fraction = (got - skip) / max(1, wanted - skip)
                ctx.progress(fraction, message, dbfs=rms_dbfs(block))
    finally:
        handle.close()
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return Recording(samples[skip:wanted], rate)
