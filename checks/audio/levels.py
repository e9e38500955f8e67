"""Level maths on float sample buffers in [-1, 1]. Pure numpy; no I/O, no devices.

Conventions (documented in docs/checks-audio.md):

* dBFS here is **RMS relative to a full-scale square wave**: ``20·log10(√mean(x²))``
  (the dBov convention of ITU-T G.100.1, also SoX ``stats``'s; AES17 instead puts a full-scale
  sine at 0 dBFS). A full-scale sine therefore reads −3.01 dBFS. Test signals are
  specified with the same convention, so "a tone at −20 dBFS" has an RMS of 0.1.
* Levels are clamped at :data:`FLOOR_DBFS` so that digital silence gives a finite number.
* Blocks are 50 ms, the rate the front-ends' meters are fed at.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]

#: Lowest level reported; digital silence reads as this instead of −∞.
FLOOR_DBFS = -100.0
#: Length of one analysis / meter block.
BLOCK_SECONDS = 0.05
#: A sample whose magnitude reaches this is counted as clipped (int16 full scale is
#: 32767/32768, so 1.0 itself is never reached by a 16-bit device).
CLIP_LEVEL = 32766 / 32768
#: ITU-T P.56 margin between the active speech level and the activity threshold.
P56_MARGIN_DB = 15.9


def power_to_dbfs(power: float) -> float:
    """Mean square power → dBFS (RMS), clamped at :data:`FLOOR_DBFS`."""
    if power <= 0.0 or not math.isfinite(power):
        return FLOOR_DBFS
    return max(FLOOR_DBFS, 10.0 * math.log10(power))


def rms_dbfs(samples: FloatArray) -> float:
    """RMS level of ``samples`` in dBFS (``FLOOR_DBFS`` for an empty or silent buffer)."""
    if samples.size == 0:
        return FLOOR_DBFS
    x = samples.astype(np.float64, copy=False)
    return power_to_dbfs(float(np.mean(x * x)))


def peak_dbfs(samples: FloatArray) -> float:
    """Largest absolute sample in dBFS."""
    if samples.size == 0:
        return FLOOR_DBFS
    peak = float(np.max(np.abs(samples)))
    return FLOOR_DBFS if peak <= 0.0 else max(FLOOR_DBFS, 20.0 * math.log10(peak))


def clipping_pct(samples: FloatArray, clip_level: float = CLIP_LEVEL) -> float:
    """Percentage of samples at or beyond full scale (0.0 for an empty buffer)."""
    if samples.size == 0:
        return 0.0
    return 100.0 * float(np.count_nonzero(np.abs(samples) >= clip_level)) / samples.size


def block_powers(
    samples: FloatArray, samplerate: float, block_seconds: float = BLOCK_SECONDS
) -> FloatArray:
    """Mean square power of each whole block of ``block_seconds`` (a partial tail is dropped)."""
    size = max(1, round(samplerate * block_seconds))
    count = samples.size // size
    if count == 0:
        return np.zeros(0)
    x = samples[: count * size].astype(np.float64, copy=False).reshape(count, size)
    powers: FloatArray = np.mean(x * x, axis=1)
    return powers


def block_dbfs(
    samples: FloatArray, samplerate: float, block_seconds: float = BLOCK_SECONDS
) -> FloatArray:
    """dBFS of each block (clamped at :data:`FLOOR_DBFS`)."""
    powers = block_powers(samples, samplerate, block_seconds)
    with np.errstate(divide="ignore"):
        levels: FloatArray = np.maximum(FLOOR_DBFS, 10.0 * np.log10(np.maximum(powers, 1e-30)))
    return levels


def noise_floor_dbfs(block_levels: FloatArray, percentile: float = 10.0) -> float:
    """A low percentile of block levels: the level of the quietest moments.

    Noise floor = a low percentile of 50 ms block RMS in silence (quantile-based noise estimation,
    Stahl, Fischer & Bippus, ICASSP 2000, doi:10.1109/ICASSP.2000.862122). The 10th
    percentile ignores the few blocks that happen to fall in a gap of the noise itself.
    """
    if block_levels.size == 0:
        return FLOOR_DBFS
    return float(np.percentile(block_levels, percentile))


def typical_dbfs(block_levels: FloatArray) -> float:
    """Median block level: the sustained level of a room, robust to a cough or a door."""
    if block_levels.size == 0:
        return FLOOR_DBFS
    return float(np.median(block_levels))


def active_level_dbfs(block_pow: FloatArray, margin_db: float = P56_MARGIN_DB) -> float:
    """Active speech level, a block-based simplification of ITU-T P.56 method B.

    P.56 defines the active level A as the mean power of the signal while it is above an
    activity threshold c, where c = A − 15.9 dB. We search thresholds from the loudest block
    downwards in 0.5 dB steps and stop at the first c with A(c) − c ≥ margin. A steady
    signal (tone, noise) has every block active and reads as its plain RMS level; speech
    with pauses reads as the level while talking, independent of how long the pauses are.

    Args:
        block_pow: mean square power of each 50 ms block (:func:`block_powers`).
        margin_db: the P.56 margin.
    """
    if block_pow.size == 0:
        return FLOOR_DBFS
    with np.errstate(divide="ignore"):
        levels = np.maximum(FLOOR_DBFS, 10.0 * np.log10(np.maximum(block_pow, 1e-30)))
    top = float(np.max(levels))
    if top <= FLOOR_DBFS:
        return FLOOR_DBFS
    threshold = top
    lowest = top - margin_db - 0.5
    while threshold >= lowest:
        active = block_pow[levels >= threshold]
        level = power_to_dbfs(float(np.mean(active)))
        if level - threshold >= margin_db:
            return level
        threshold -= 0.5
    return power_to_dbfs(float(np.mean(block_pow[levels >= lowest])))


def active_fraction(block_pow: FloatArray, active_dbfs: float) -> float:
    """Share of blocks above the P.56 activity threshold of ``active_dbfs``."""
    if block_pow.size == 0:
        return 0.0
    with np.errstate(divide="ignore"):
        levels = 10.0 * np.log10(np.maximum(block_pow, 1e-30))
    return float(np.count_nonzero(levels >= active_dbfs - P56_MARGIN_DB)) / block_pow.size


def sine(
    frequency: float, seconds: float, samplerate: float, dbfs: float, fade_s: float = 0.0
) -> FloatArray:
    """A sine whose RMS is ``dbfs`` (so its peak is ``dbfs + 3.01``), with optional fades."""
    n = round(seconds * samplerate)
    t = np.arange(n) / samplerate
    amplitude = math.sqrt(2.0) * 10.0 ** (dbfs / 20.0)
    tone: FloatArray = amplitude * np.sin(2.0 * math.pi * frequency * t)
    fade = min(n // 2, round(fade_s * samplerate))
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade)
        tone[:fade] *= ramp
        tone[-fade:] *= ramp[::-1]
    return tone.astype(np.float32)


#: A recording whose loudest sample stays below this is "no sound" (a muted or dead
#: microphone delivers digital zeros or a faint hiss; any working microphone in a room, even
#: a quiet one, peaks well above it while someone speaks).
SILENCE_PEAK_DBFS = -70.0
#: Speech needs to stand this far above the pauses between words to count as detected.
SPEECH_MIN_SNR_DB = 10.0


class SpeechAnalysis:
    """Levels of a recording of someone reading aloud (no audio is kept).

    Attributes:
        speech_dbfs: active speech level (:func:`active_level_dbfs`).
        peak_dbfs: loudest sample.
        clipping_pct: share of samples at full scale.
        noise_floor_dbfs: the quiet moments between words (:func:`noise_floor_dbfs`).
        snr_db: ``speech_dbfs − noise_floor_dbfs``.
        active_pct: share of 50 ms blocks that were speech.
        speech_detected: loud enough above the pauses, with pauses at all (a steady tone
            or a hum is not speech).
        silent: no sound at all (see :data:`SILENCE_PEAK_DBFS`).
    """

    def __init__(self, samples: FloatArray, samplerate: float) -> None:
        powers = block_powers(samples, samplerate)
        levels = block_dbfs(samples, samplerate)
        self.speech_dbfs = active_level_dbfs(powers)
        self.peak_dbfs = peak_dbfs(samples)
        self.clipping_pct = clipping_pct(samples)
        self.noise_floor_dbfs = noise_floor_dbfs(levels)
        self.snr_db = max(0.0, self.speech_dbfs - self.noise_floor_dbfs)
        self.active_pct = 100.0 * active_fraction(powers, self.speech_dbfs)
        self.silent = self.peak_dbfs < SILENCE_PEAK_DBFS
        self.speech_detected = (
            not self.silent and self.snr_db >= SPEECH_MIN_SNR_DB and self.active_pct < 95.0
        )
