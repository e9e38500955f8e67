"""Microphone: the agent reads a sentence aloud; we measure how loud and how clean it is."""

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
from deskready.checks.i18n import M_, N_, _

#: Recording length. The sentence takes ~3.5 s at a normal pace and the agent starts while
#: the stream opens; 3.5 s keeps the whole check under 6 s even where opening the stream is
#: slow (~1.5 s on a PulseAudio null sink; docs/checks-audio.md).
RECORD_SECONDS = 3.5
#: What the agent reads: a typical call opening.
SENTENCE = N_("Thank you for calling. My name is Alex. How can I help you today?")


class MicrophoneCheck(Check):
    """Records a few seconds of the agent reading aloud; reports levels only."""

    id = "microphone"
    title = N_("Microphone")
    category = Category.AUDIO
    description = N_("Records you reading a short sentence and measures your voice level.")
    exclusive = True
    time_budget_s = 8.0
    metrics = (
        Metric(
            "microphone.speech_dbfs",
            MetricType.NUMBER,
            N_("Loudness of your voice while speaking"),
            "dBFS",
            advice=N_(
                "Your voice is too quiet or too loud. Put the microphone about two fingers "
                "from the corner of your mouth and set the microphone volume in your sound "
                "settings so your voice fills about half of the meter."
            ),
        ),
        Metric(
            "microphone.peak_dbfs",
            MetricType.NUMBER,
            N_("Loudest moment of the recording"),
            "dBFS",
            advice=N_(
                "The loudest moments are too close to the limit. Lower the microphone "
                "volume a little in your sound settings."
            ),
        ),
        Metric(
            "microphone.clipping_pct",
            MetricType.NUMBER,
            N_("Share of the recording that was distorted by being too loud"),
            "%",
            advice=N_(
                "Your voice is distorted because the microphone is set too loud. Lower the "
                "microphone volume in your sound settings or move the microphone slightly "
                "away from your mouth."
            ),
        ),
        Metric(
            "microphone.snr_db",
            MetricType.NUMBER,
            N_("How much louder your voice is than the background noise"),
            "dB",
            advice=N_(
                "Background noise is too loud compared with your voice. Move to a quieter "
                "room, close doors and windows, switch off fans or music, or use a headset "
                "with a noise-cancelling microphone."
            ),
        ),
    )
    settings = (
        Setting("device", str, "", N_("Microphone to use (part of its name); empty: default.")),
        # 1 s holds too little speech for an active speech level; past 5 s the sentence is
        # over and the check would outlive its 8 s budget.
        Setting(
            "seconds",
            float,
            RECORD_SECONDS,
            N_("How long to record."),
            min=1.0,
            max=5.0,
            unit=N_("seconds"),
        ),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """Show the sentence, record it, and measure speech level, peak, clipping and SNR."""
        # Imported here, not at the top: numpy and PortAudio cost ~15 MB and ~40 ms, and every
        # run imports this module for its metadata (docs/architecture.md, start-up).
        from deskready.checks.audio.capture import capture
        from deskready.checks.audio.levels import SpeechAnalysis

        prompt = M_("Please read aloud: \u201c{sentence}\u201d", sentence=_(SENTENCE))
        recording = capture(ctx, ctx.setting("seconds"), prompt)
        result = SpeechAnalysis(recording.samples, recording.samplerate)
        if result.silent:
            raise recording.silent()
        measurements = Measurements(
            values={
                "microphone.speech_dbfs": round(result.speech_dbfs, 1),
                "microphone.peak_dbfs": round(result.peak_dbfs, 1),
                "microphone.clipping_pct": round(result.clipping_pct, 3),
                "microphone.snr_db": round(result.snr_db, 1),
            },
            details={
                **recording.details(),
                "noise_floor_dbfs": round(result.noise_floor_dbfs, 1),
                "active_pct": round(result.active_pct, 1),
                "speech_detected": result.speech_detected,
            },
        )
        if not result.speech_detected:
            measurements.messages.append(
                M_(
                    "We could not clearly hear you speak. Read the sentence aloud as soon as "
                    "it appears, in your normal calling voice."
                )
            )
        return measurements
