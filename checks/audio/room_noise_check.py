"""Room noise: a few seconds of quiet, to measure the background noise of the workspace."""

from __future__ import annotations

from deskready.checks.api import (
    Category,
    Check,
    CheckContext,
    Measurements,
    Metric,
    MetricType,
    Setting,
)
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
        # 1 s is 20 blocks, the fewest that give a stable median; 5 s keeps the check
        # inside its 8 s budget with the stream opening.
        Setting(
            "seconds",
            float,
            3.0,
            N_("How long to listen."),
            min=1.0,
            max=5.0,
            unit=N_("seconds"),
        ),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """Record quietly and report the median block level as the room's noise."""
        # Imported here, not at the top: numpy and PortAudio cost ~15 MB and ~40 ms, and every
        # run imports this module for its metadata (docs/architecture.md, start-up).
        import numpy as np

        from deskready.checks.audio.capture import capture
        from deskready.checks.audio.levels import (
            FLOOR_DBFS,
            block_dbfs,
            noise_floor_dbfs,
            peak_dbfs,
            typical_dbfs,
        )

        message = M_("Please stay quiet for a few seconds while we listen to your room.")
        recording = capture(ctx, ctx.setting("seconds"), message)
        if peak_dbfs(recording.samples) < DEAD_MIC_PEAK_DBFS:
            raise recording.silent()
        levels = block_dbfs(recording.samples, recording.samplerate)
        return Measurements(
            values={"room.noise_dbfs": round(typical_dbfs(levels), 1)},
            details={
                **recording.details(),
                "quietest_dbfs": round(noise_floor_dbfs(levels), 1),
                "loudest_dbfs": round(float(np.max(levels)) if levels.size else FLOOR_DBFS, 1),
            },
        )
