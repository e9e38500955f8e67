"""Injected vs measured audio levels, and wall time of each audio check (issue 4).

Usage: .venv/bin/python bench/audio_accuracy.py

Starts a private PulseAudio server with a null sink (PulseAudio module-null-sink, started by
``tests/checks/audio/pulse_server.py``), plays known signals
into it from ``pacat`` (another process) while the real checks record its monitor, and prints
one table. Goals: tones within ±0.5 dB from −6 to −60 dBFS; every check ≤ 6 s of wall time.
Levels are RMS dBFS (a sine's peak is 3 dB above its level), as in ``deskready.checks.audio.levels``.
Needs pulseaudio, pulseaudio-utils, espeak-ng and libportaudio2 (scripts/test.sh installs them).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deskready.checks.api import Check, CheckContext  # noqa: E402
from deskready.checks.audio import levels  # noqa: E402
from deskready.checks.audio.headset_check import HeadsetCheck  # noqa: E402
from deskready.checks.audio.microphone_check import MicrophoneCheck  # noqa: E402
from deskready.checks.audio.room_noise_check import RoomNoiseCheck  # noqa: E402
from deskready.checks.audio.speaker_check import SpeakerCheck  # noqa: E402
from tests.checks.audio import pulse_server  # noqa: E402

RATE = pulse_server.RATE
SECONDS = 7.0
TONE_LEVELS = (-6.0, -12.0, -20.0, -30.0, -40.0, -50.0, -60.0)
TONE_GOAL_DB = 0.5
WALL_GOAL_S = 6.0


def noise(dbfs: float, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(round(SECONDS * RATE)) * 10 ** (dbfs / 20)).astype(np.float32)


def speech(sentence: np.ndarray, active_dbfs: float) -> np.ndarray:
    level = levels.active_level_dbfs(levels.block_powers(sentence, RATE))
    one = np.concatenate(
        [sentence * 10 ** ((active_dbfs - level) / 20), np.zeros(round(0.4 * RATE))]
    )
    return np.tile(one, int(np.ceil(SECONDS * RATE / one.size)))[: round(SECONDS * RATE)].astype(
        np.float32
    )


def timed(check: type[Check], **kw: Any) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    m = check().run(CheckContext(time_budget_s=check.time_budget_s, **kw))
    return m.values, time.monotonic() - started


def main() -> int:
    rows: list[tuple[str, str, float, float, float, float]] = []
    walls: dict[str, list[float]] = {}
    try:
        server_cm = pulse_server.running()
        server = server_cm.__enter__()
    except pulse_server.PulseUnavailable as exc:
        print(f"cannot run: {exc}")
        return 2
    try:
        sentence = pulse_server.espeak(pulse_server.SENTENCE)
        with tempfile.TemporaryDirectory() as tmp:

            def measure(
                label: str,
                signal: np.ndarray,
                check: type[Check],
                metric: str,
                injected: float,
            ) -> None:
                player = server.play(signal, Path(tmp) / "signal.raw")
                try:
                    values, wall = timed(check)
                finally:
                    player.terminate()
                    player.wait(5)
                walls.setdefault(check.id, []).append(wall)
                measured = float(values[metric])
                rows.append((label, metric, injected, measured, measured - injected, wall))

            for dbfs in TONE_LEVELS:
                tone = levels.sine(1000.0, SECONDS, RATE, dbfs)
                measure("1 kHz tone", tone, MicrophoneCheck, "microphone.speech_dbfs", dbfs)
            for dbfs in (-30.0, -50.0):
                measure("white noise", noise(dbfs), RoomNoiseCheck, "room.noise_dbfs", dbfs)
            for dbfs in (-18.0, -30.0):
                measure(
                    "espeak speech", speech(sentence, dbfs), MicrophoneCheck,
                    "microphone.speech_dbfs", dbfs,
                )  # fmt: skip
        for check, kw in (
            (HeadsetCheck, {}),
            (SpeakerCheck, {"ask": lambda q: None}),
        ):
            _, wall = timed(check, **kw)  # type: ignore[arg-type]
            walls.setdefault(check.id, []).append(wall)
    finally:
        server_cm.__exit__(None, None, None)

    print(
        f"{'signal':<14} {'metric':<24} {'injected':>9} {'measured':>9} {'error':>7} {'wall s':>7}"
    )
    for label, metric, injected, measured, error, wall in rows:
        print(
            f"{label:<14} {metric:<24} {injected:>9.1f} {measured:>9.1f} {error:>+7.2f} {wall:>7.2f}"
        )
    tone_errors = [abs(r[4]) for r in rows if r[0] == "1 kHz tone"]
    print()
    print(f"{'check':<12} {'runs':>4} {'max wall s':>10} {'median s':>9}")
    for check_id, times in walls.items():
        print(f"{check_id:<12} {len(times):>4} {max(times):>10.2f} {float(np.median(times)):>9.2f}")
    worst_tone = max(tone_errors)
    worst_wall = max(max(t) for t in walls.values())
    ok = worst_tone <= TONE_GOAL_DB and worst_wall <= WALL_GOAL_S
    print()
    print(
        f"tones: worst error {worst_tone:.2f} dB (goal ±{TONE_GOAL_DB}); "
        f"slowest check {worst_wall:.2f} s (goal ≤ {WALL_GOAL_S:.0f} s): {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
