"""The capture helper the recording checks share: device, bounded recording, levels, errors."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from deskready.checks.api import CheckContext, CheckFailed, Setting
from deskready.checks.audio import levels
from deskready.checks.audio.capture import capture, play, sound_errors
from deskready.checks.audio.errors import AudioError, AudioErrorKind
from deskready.checks.audio.os_devices import OsAudioAdapter
from deskready.checks.audio.sd_adapter import SoundDeviceAdapter
from tests.checks.audio.fakes import FakeSoundDevice, StaticOs, device

DEVICE = (Setting("device", str, "", "device"),)


def context(sd: SoundDeviceAdapter, device_name: str = "", **kw: Any) -> CheckContext:
    ctx = CheckContext(
        adapters={SoundDeviceAdapter: sd, OsAudioAdapter: StaticOs([])},
        settings={"device": device_name},
        **kw,
    )
    ctx.declare_settings(DEVICE)
    return ctx


def tone(dbfs: float) -> Any:
    return lambda n, rate: levels.sine(1000.0, n / rate, rate, dbfs)


def test_capture_records_the_named_device_with_live_levels() -> None:
    live: list[tuple[float | None, str, dict[str, float]]] = []
    sd = FakeSoundDevice(
        devices=[device("Laptop Mic", 0), device("Jabra Evolve", 1)], signal=tone(-20.0)
    )
    ctx = context(sd, "jabra", progress=lambda f, m, v: live.append((f, m, dict(v))))
    got = capture(ctx, 1.0, "listening")
    assert got.device.name == "Jabra Evolve"
    assert sd.opened == [got.device]
    assert got.seconds == pytest.approx(1.0, abs=0.01)
    assert got.details() == {"device": "Jabra Evolve", "samplerate": 48000.0, "seconds": 1.0}
    # First the empty meter, then one level per block, the fraction reaching 1 at the end.
    assert live[0] == (None, "listening", {"dbfs": levels.FLOOR_DBFS})
    meters = [v["dbfs"] for _f, _m, v in live[1:]]
    assert len(meters) >= 20
    assert all(m == pytest.approx(-20.0, abs=0.5) for m in meters)  # a sine of -20 dBFS RMS
    assert live[-1][0] == pytest.approx(1.0)


def test_capture_is_bounded_by_the_time_budget() -> None:
    started = time.monotonic()
    got = capture(context(FakeSoundDevice(signal=tone(-20.0)), time_budget_s=0.5), 5.0, "")
    assert got.seconds <= 0.5
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (AudioErrorKind.BUSY, "in use by another program"),
        (AudioErrorKind.UNPLUGGED, "stopped working during the test"),
        (AudioErrorKind.NO_PORTAUDIO, "PortAudio library is missing"),
    ],
)
def test_capture_and_play_map_sound_errors_to_one_message_set(
    kind: AudioErrorKind, text: str
) -> None:
    sd = FakeSoundDevice(open_error=AudioError(kind, "PaErrorCode -9985"))
    with pytest.raises(CheckFailed, match=text) as recorded:
        capture(context(sd), 1.0, "")
    assert isinstance(recorded.value.__cause__, AudioError)
    with pytest.raises(CheckFailed, match=text):
        play(context(sd), np.zeros(10, dtype=np.float32), 48000.0, "")


def test_a_device_name_that_matches_nothing_is_named() -> None:
    with pytest.raises(CheckFailed, match="\u201cJabra\u201d was not found"):
        capture(context(FakeSoundDevice(), "Jabra"), 1.0, "")


def test_play_uses_the_default_output() -> None:
    sd = FakeSoundDevice(devices=[device("Speakers", 0), device("Headset", 1)], defaults=(1, 1))
    samples = np.ones(480, dtype=np.float32)
    used = play(context(sd), samples, 48000.0, "listen")
    assert used.name == "Headset"
    assert [(d.name, rate) for d, _s, rate in sd.played] == [("Headset", 48000.0)]


def test_a_silent_capture_has_its_own_message() -> None:
    got = capture(context(FakeSoundDevice()), 1.0, "")
    with pytest.raises(CheckFailed, match="No sound from your microphone"):
        raise got.silent()


def test_sound_errors_leaves_other_exceptions_alone() -> None:
    with pytest.raises(ValueError, match="not audio"), sound_errors():
        raise ValueError("not audio")
