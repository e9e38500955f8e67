"""Bounded recording in 50 ms blocks, with a live level for the front-ends' meters.

The level stream is ``ctx.progress(fraction, message, dbfs=level)`` once per block: the GUI
meter and the terminal bar both read ``live["dbfs"]``. Audio stays in memory; only levels
leave this module (and only the checks decide which levels go into the report).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from deskready.checks.api import CheckContext
from deskready.checks.audio.levels import BLOCK_SECONDS, FloatArray, rms_dbfs
from deskready.checks.audio.sd_adapter import AudioDevice, SoundDeviceAdapter

#: A block must arrive within this long, or the device is taken to be gone.
BLOCK_TIMEOUT_S = 1.0
#: The first block may take longer: some drivers fill a buffer before delivering.
FIRST_BLOCK_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Recording:
    """Mono samples kept in memory only, and the rate they were taken at."""

    samples: FloatArray
    samplerate: float


def record(
    ctx: CheckContext,
    adapter: SoundDeviceAdapter,
    device: AudioDevice,
    seconds: float,
    message: str,
    settle_s: float = 0.1,
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
