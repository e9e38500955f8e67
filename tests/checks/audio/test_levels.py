"""Level maths: known signals in, known numbers out (no devices)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from deskready.checks.audio import levels

RATE = 48000.0


def _noise(dbfs: float, seconds: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(round(seconds * RATE)) * 10 ** (dbfs / 20)).astype(np.float32)


@pytest.mark.parametrize("dbfs", [-6.0, -20.0, -45.0])
def test_sine_rms_and_peak_follow_the_rms_convention(dbfs: float) -> None:
    tone = levels.sine(1000.0, 1.0, RATE, dbfs)
    assert levels.rms_dbfs(tone) == pytest.approx(dbfs, abs=0.01)
    # a sine's peak is √2 above its RMS: +3.01 dB
    assert levels.peak_dbfs(tone) == pytest.approx(dbfs + 20 * math.log10(math.sqrt(2)), abs=0.01)


def test_silence_and_empty_buffers_read_as_the_floor() -> None:
    assert levels.rms_dbfs(np.zeros(4800, dtype=np.float32)) == levels.FLOOR_DBFS
    assert levels.rms_dbfs(np.zeros(0, dtype=np.float32)) == levels.FLOOR_DBFS
    assert levels.peak_dbfs(np.zeros(10, dtype=np.float32)) == levels.FLOOR_DBFS
    assert levels.power_to_dbfs(0.0) == levels.FLOOR_DBFS
    assert levels.power_to_dbfs(float("nan")) == levels.FLOOR_DBFS


def test_clipping_counts_samples_at_full_scale() -> None:
    x = np.full(1000, 0.5, dtype=np.float32)
    x[:25] = 1.0
    x[25:30] = -1.0
    assert levels.clipping_pct(x) == pytest.approx(3.0)
    assert levels.clipping_pct(np.zeros(0, dtype=np.float32)) == 0.0


def test_block_levels_are_50_ms_and_drop_the_partial_tail() -> None:
    x = np.concatenate([levels.sine(440, 0.5, RATE, -10), np.zeros(round(0.52 * RATE))])
    blocks = levels.block_dbfs(x.astype(np.float32), RATE)
    assert blocks.size == 20  # 1.02 s -> 20 whole blocks of 50 ms
    assert blocks[:10] == pytest.approx(-10.0, abs=0.05)
    assert np.all(blocks[10:] == levels.FLOOR_DBFS)


def test_white_noise_floor_and_typical_level() -> None:
    blocks = levels.block_dbfs(_noise(-50.0, 3.0), RATE)
    assert levels.typical_dbfs(blocks) == pytest.approx(-50.0, abs=0.3)
    assert levels.noise_floor_dbfs(blocks) == pytest.approx(-50.0, abs=0.6)
    assert levels.noise_floor_dbfs(np.zeros(0)) == levels.FLOOR_DBFS


def test_active_level_ignores_pauses_like_p56() -> None:
    # 1 s of "talk" at -20 dBFS RMS, then 3 s of silence: plain RMS is 6 dB lower, the
    # active level is not.
    talk = _noise(-20.0, 1.0)
    x = np.concatenate([talk, np.zeros(round(3 * RATE), dtype=np.float32)])
    assert levels.rms_dbfs(x) == pytest.approx(-26.0, abs=0.2)
    assert levels.active_level_dbfs(levels.block_powers(x, RATE)) == pytest.approx(-20.0, abs=0.2)
    # steady signals read as their plain RMS
    steady = levels.block_powers(levels.sine(1000, 2.0, RATE, -33.0), RATE)
    assert levels.active_level_dbfs(steady) == pytest.approx(-33.0, abs=0.05)
    assert levels.active_level_dbfs(np.zeros(0)) == levels.FLOOR_DBFS
    assert levels.active_level_dbfs(np.zeros(5)) == levels.FLOOR_DBFS


def test_speech_analysis_flags_silence_tone_and_speechlike_signal() -> None:
    silent = levels.SpeechAnalysis(np.zeros(round(2 * RATE), dtype=np.float32), RATE)
    assert silent.silent
    assert not silent.speech_detected

    tone = levels.SpeechAnalysis(levels.sine(1000, 2.0, RATE, -20.0), RATE)
    assert not tone.silent
    assert tone.speech_dbfs == pytest.approx(-20.0, abs=0.05)
    assert tone.snr_db == pytest.approx(0.0, abs=0.5)
    assert not tone.speech_detected  # a steady tone has no pauses: not speech

    # bursts at -20 over a -50 floor: speech-like, SNR ~30 dB
    burst = _noise(-20.0, 0.3)
    gap = _noise(-50.0, 0.2, seed=2)
    talk = np.concatenate([np.concatenate([burst, gap]) for _ in range(6)])
    analysis = levels.SpeechAnalysis(talk, RATE)
    assert analysis.speech_detected
    assert analysis.speech_dbfs == pytest.approx(-20.0, abs=0.5)
    assert analysis.snr_db == pytest.approx(30.0, abs=1.5)
    assert 40.0 < analysis.active_pct < 80.0
