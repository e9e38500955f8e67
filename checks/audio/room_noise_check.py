"""Room noise: a few seconds of quiet, to measure the background noise of the workspace."""

from __future__ import annotations

import numpy as np

from deskready.checks.api import (
    Category,
    Check,
    CheckContext,
    Measurements,
    Metric,
    MetricType,
    Setting,
)
from deskready.checks.audio.errors import AudioError, AudioErrorKind, check_failed
from deskready.checks.audio.level_stream import record
from deskready.checks.audio.levels import (
    FLOOR_DBFS,
    block_dbfs,
    noise_floor_dbfs,
    peak_dbfs,
    typical_dbfs,
)
from deskready.checks.audio.os_devices import OsAudioAdapter
from deskready.checks.audio.sd_adapter import SoundDeviceAdapter
from deskready.checks.audio.selection import pick_device
from deskready.checks.i18n import M_, N_

#: Below this peak the microphone delivered (near-)digital zeros: it is muted or dead, and
#: the room cannot be measured. A working microphone's own hiss is far above it.
DEAD_MIC_PEAK_DBFS = -90.0


class RoomNoiseCheck(Check):
    """Measures the sustained background noise (median of 50 ms block levels)."""

    id = "room_noise"
    title = N_("Background noise")
    category = Category.AUDIO
    description = N_("Listens to your room for a few seconds to measure background noise.")
    exclusive = True
    time_budget_s = 8.0
    metrics = (
        Metric(
            "room.noise_dbfs",
            MetricType.NUMBER,
            N_("Background noise level in your room"),
            "dBFS",
            advice=N_(
                "Your room is too noisy for calls. Close doors and windows, switch off fans, "
                "TV and music, and keep the room free of people and pets while you work."
            ),
        ),
    )
    settings = (
        Setting("device", str, "", N_("Microphone to use (part of its name); empty: default.")),
        Setting("seconds", float, 3.0, N_("How long to listen, 1 to 5 seconds.")),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """Record quietly and report the median block level as the room's noise."""
        sd = ctx.adapter(SoundDeviceAdapter)
        seconds = min(5.0, max(1.0, float(ctx.settings.get("seconds", 3.0))))
        message = M_("Please stay quiet for a few seconds while we listen to your room.")
        try:
            device = pick_device(
                sd, ctx.adapter(OsAudioAdapter), str(ctx.settings.get("device") or ""), "input"
            )
            ctx.progress(None, message, dbfs=FLOOR_DBFS)
            recording = record(ctx, sd, device, seconds, message)
        except AudioError as exc:
            raise check_failed(exc) from exc
        if peak_dbfs(recording.samples) < DEAD_MIC_PEAK_DBFS:
            raise check_failed(AudioError(AudioErrorKind.SILENCE, device=device.name))
        levels = block_dbfs(recording.samples, recording.samplerate)
        return Measurements(
            values={"room.noise_dbfs": round(typical_dbfs(levels), 1)},
            details={
                "device": device.name,
                "samplerate": recording.samplerate,
                "seconds": round(recording.samples.size / recording.samplerate, 2),
                "quietest_dbfs": round(noise_floor_dbfs(levels), 1),
                "loudest_dbfs": round(float(np.max(levels)) if levels.size else FLOOR_DBFS, 1),
            },
        )
