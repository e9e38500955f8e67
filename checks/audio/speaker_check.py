"""Speaker: play a random number of beeps; the agent says how many they heard.

A blind "yes, I can hear" cannot pass: the agent must give the count, which changes each run
(2 to 5). No answer at all (``--no-input``) leaves the metric unknown, never True.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from deskready.checks.api import (
    AnswerType,
    Category,
    Check,
    CheckContext,
    Measurements,
    Metric,
    MetricType,
    Question,
    Setting,
)
from deskready.checks.i18n import M_, N_

if TYPE_CHECKING:
    from deskready.checks.audio.levels import FloatArray

SAMPLERATE = 48000.0
BEEP_HZ = 880.0
BEEP_S = 0.18
GAP_S = 0.32
LEAD_IN_S = 0.3
#: Comfortable in a headset at a normal volume setting, far from clipping.
BEEP_DBFS = -16.0
MIN_BEEPS, MAX_BEEPS = 2, 5

QUESTION = Question(
    id="speaker.beeps",
    text=N_("How many beeps did you hear?"),
    type=AnswerType.NUMBER,
    help=N_("Count the short beeps played in your headset. If you heard nothing, answer 0."),
)


def beeps(count: int, samplerate: float = SAMPLERATE) -> FloatArray:
    """``count`` beeps with a short lead-in (outputs may swallow the first milliseconds)."""
    import numpy as np  # here, not at the top: see SpeakerCheck.run

    from deskready.checks.audio.levels import sine

    tone = sine(BEEP_HZ, BEEP_S, samplerate, BEEP_DBFS, fade_s=0.01)
    gap = np.zeros(round(GAP_S * samplerate), dtype=np.float32)
    parts = [np.zeros(round(LEAD_IN_S * samplerate), dtype=np.float32)]
    for _i in range(count):
        parts += [tone, gap]
    return np.concatenate(parts)


class SpeakerCheck(Check):
    """Plays a beep sequence on the chosen output and checks the agent's count."""

    id = "speaker"
    title = N_("Headset sound")
    category = Category.AUDIO
    description = N_("Plays a few beeps in your headset and asks how many you heard.")
    exclusive = True
    # Includes the time the agent takes to answer; the playback itself is under 4 s.
    time_budget_s = 90.0
    metrics = (
        Metric(
            "speaker.confirmed",
            MetricType.BOOLEAN,
            N_("You heard the test beeps and counted them correctly"),
            advice=N_(
                "We could not confirm that you hear sound. Check that your headset is "
                "plugged in and chosen as the output in your sound settings, that it is not "
                "muted and that the volume is up; then run the test again."
            ),
        ),
    )
    settings = (
        Setting("device", str, "", N_("Output to play on (part of its name); empty: default.")),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """Play 2–5 beeps, ask how many were heard, compare."""
        # Imported here, not at the top: numpy and PortAudio cost ~15 MB and ~40 ms, and every
        # run imports this module for its metadata (docs/architecture.md, start-up).
        from deskready.checks.audio.capture import play

        count = random.SystemRandom().randint(MIN_BEEPS, MAX_BEEPS)
        device = play(
            ctx,
            beeps(count),
            SAMPLERATE,
            M_("Listen: we are playing some short beeps in your headset."),
        )
        ctx.raise_if_cancelled()
        answer = ctx.ask(QUESTION)
        details: dict[str, object] = {"device": device.name, "beeps_played": count}
        if answer is None:
            return Measurements(
                values={"speaker.confirmed": None},
                details=details,
                messages=[
                    M_("Nobody answered how many beeps were heard, so sound could not be checked.")
                ],
            )
        try:
            heard: int | None = round(float(answer.value))
        except (TypeError, ValueError):
            heard = None
        details |= {"beeps_heard": heard, "answer_source": answer.source}
        return Measurements(values={"speaker.confirmed": heard == count}, details=details)
