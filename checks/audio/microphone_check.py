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
from deskready.checks.audio.errors import AudioError, AudioErrorKind, check_failed
from deskready.checks.audio.level_stream import record
from deskready.checks.audio.levels import FLOOR_DBFS, SpeechAnalysis
from deskready.checks.audio.os_devices import OsAudioAdapter
from deskready.checks.audio.sd_adapter import SoundDeviceAdapter
from deskready.checks.audio.selection import pick_device
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
        Setting("seconds", float, RECORD_SECONDS, N_("How long to record, 1 to 5 seconds.")),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """Show the sentence, record it, and measure speech level, peak, clipping and SNR."""
        sd = ctx.adapter(SoundDeviceAdapter)
        seconds = min(5.0, max(1.0, float(ctx.settings.get("seconds", RECORD_SECONDS))))
        prompt = M_("Please read aloud: \u201c{sentence}\u201d", sentence=_(SENTENCE))
        try:
            device = pick_device(
                sd, ctx.adapter(OsAudioAdapter), str(ctx.settings.get("device") or ""), "input"
            )
            ctx.progress(None, prompt, dbfs=FLOOR_DBFS)
            recording = record(ctx, sd, device, seconds, prompt)
        except AudioError as exc:
            raise check_failed(exc) from exc
        result = SpeechAnalysis(recording.samples, recording.samplerate)
        if result.silent:
            raise check_failed(AudioError(AudioErrorKind.SILENCE, device=device.name))
        measurements = Measurements(
            values={
                "microphone.speech_dbfs": round(result.speech_dbfs, 1),
                "microphone.peak_dbfs": round(result.peak_dbfs, 1),
                "microphone.clipping_pct": round(result.clipping_pct, 3),
                "microphone.snr_db": round(result.snr_db, 1),
            },
            details={
                "device": device.name,
                "samplerate": recording.samplerate,
                "seconds": round(recording.samples.size / recording.samplerate, 2),
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
