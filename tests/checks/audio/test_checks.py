"""The four audio checks with fake adapters: metadata, pass/fail cases, every failure mode."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import types
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from deskready.checks.api import (
    Answer,
    CheckCancelled,
    CheckContext,
    CheckFailed,
    Question,
    validate_check_class,
)
from deskready.checks.audio import levels
from deskready.checks.audio.classify import Bus, Endpoint
from deskready.checks.audio.errors import AudioError, AudioErrorKind
from deskready.checks.audio.headset_check import HeadsetCheck
from deskready.checks.audio.microphone_check import RECORD_SECONDS, MicrophoneCheck
from deskready.checks.audio.os_devices import OsAudioAdapter
from deskready.checks.audio.room_noise_check import RoomNoiseCheck
from deskready.checks.audio.sd_adapter import SoundDeviceAdapter
from deskready.checks.audio.speaker_check import MAX_BEEPS, MIN_BEEPS, SpeakerCheck, beeps
from tests.checks.audio.fakes import (
    FakeSoundDevice,
    ReplayOs,
    StaticOs,
    count_beeps,
    device,
    fixture_text,
    windows_records,
)

ALL = (HeadsetCheck, MicrophoneCheck, RoomNoiseCheck, SpeakerCheck)
NO_OS = StaticOs([])


def ctx(sd: SoundDeviceAdapter, os_audio: OsAudioAdapter = NO_OS, **kw: Any) -> CheckContext:
    return CheckContext(adapters={SoundDeviceAdapter: sd, OsAudioAdapter: os_audio}, **kw)


def tone(dbfs: float) -> Any:
    return lambda n, rate: levels.sine(1000.0, n / rate, rate, dbfs)


def talk(speech_dbfs: float, floor_dbfs: float) -> Any:
    """Speech-like bursts (0.3 s on, 0.2 s off) over a noise floor."""

    def make(n: int, rate: float) -> np.ndarray:
        rng = np.random.default_rng(7)
        x = rng.standard_normal(n) * 10 ** (floor_dbfs / 20)
        on = (np.arange(n) / rate) % 0.5 < 0.3
        x[on] = rng.standard_normal(int(on.sum())) * 10 ** (speech_dbfs / 20)
        return x.astype(np.float32)

    return make


class NoPortAudio(SoundDeviceAdapter):
    """The real adapter with the import failing as it does without libportaudio2."""

    def _import_sounddevice(self) -> Any:
        raise OSError("PortAudio library not found")


# -- metadata ---------------------------------------------------------------------------


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_check_metadata_is_valid_and_exclusive(check: Any) -> None:
    assert validate_check_class(check) == []
    assert check.exclusive is True
    for metric in check.metrics:
        assert metric.advice, f"{metric.id} has no advice"


def test_metric_ids_are_the_public_contract() -> None:
    ids = {m.id for c in ALL for m in c.metrics}
    assert ids == {
        "headset.present",
        "headset.bus",
        "headset.name",
        "headset.wireless",
        "microphone.speech_dbfs",
        "microphone.peak_dbfs",
        "microphone.clipping_pct",
        "microphone.snr_db",
        "room.noise_dbfs",
        "speaker.confirmed",
    }
    assert HeadsetCheck.metric("headset.bus").choices == (
        "usb",
        "bluetooth",
        "analog",
        "builtin",
        "virtual",
        "unknown",
    )


def test_importing_the_audio_checks_loads_neither_sounddevice_nor_qt() -> None:
    code = (
        "import sys, deskready.checks.audio.headset_check, deskready.checks.audio.microphone_check, "
        "deskready.checks.audio.room_noise_check, deskready.checks.audio.speaker_check; "
        "bad = [m for m in ('sounddevice', 'PySide6', 'app') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# -- headset ---------------------------------------------------------------------------


def _endpoint(name: str, bus: Bus, headset: bool, default: bool = False, **kw: Any) -> Endpoint:
    wireless = kw.pop("wireless", bus is Bus.BLUETOOTH)
    return Endpoint(name, name, kw.pop("direction", "input"), bus, headset, wireless, default)


def test_headset_usb_default() -> None:
    os_audio = StaticOs(
        [
            _endpoint("Built-in Microphone", Bus.BUILTIN, False),
            _endpoint("Jabra Evolve 30", Bus.USB, True, default=True),
        ]
    )
    m = HeadsetCheck().run(ctx(FakeSoundDevice(), os_audio))
    assert m.values == {
        "headset.present": True,
        "headset.bus": "usb",
        "headset.name": "Jabra Evolve 30",
        "headset.wireless": False,
    }
    assert m.messages == []
    assert [d["name"] for d in m.details["devices"]] == ["Built-in Microphone", "Jabra Evolve 30"]


def test_headset_bluetooth_is_flagged_and_not_default_is_explained() -> None:
    os_audio = StaticOs(
        [
            _endpoint("Built-in Microphone", Bus.BUILTIN, False, default=True),
            _endpoint("WH-1000XM4", Bus.BLUETOOTH, True),
        ]
    )
    m = HeadsetCheck().run(ctx(FakeSoundDevice(), os_audio))
    assert m.values["headset.bus"] == "bluetooth"
    assert m.values["headset.wireless"] is True
    assert len(m.messages) == 2
    assert "Built-in Microphone" in m.messages[0]
    assert "wireless" in m.messages[1]


def test_headset_absent_gives_false_and_unknowns() -> None:
    os_audio = StaticOs([_endpoint("Built-in Microphone", Bus.BUILTIN, False, default=True)])
    m = HeadsetCheck().run(ctx(FakeSoundDevice(), os_audio))
    assert m.values == {
        "headset.present": False,
        "headset.bus": None,
        "headset.name": None,
        "headset.wireless": None,
    }
    assert m.details["default_input"] == "Built-in Microphone"


def test_headset_picked_by_name_setting() -> None:
    os_audio = StaticOs(
        [
            _endpoint("Poly Blackwire 3220", Bus.USB, True, default=True),
            _endpoint("AirPods Pro", Bus.BLUETOOTH, True),
        ]
    )
    m = HeadsetCheck().run(ctx(FakeSoundDevice(), os_audio, settings={"device": "airpods"}))
    assert m.values["headset.name"] == "AirPods Pro"
    m = HeadsetCheck().run(ctx(FakeSoundDevice(), os_audio, settings={"device": "Sennheiser"}))
    assert m.values["headset.present"] is False
    assert "Sennheiser" in m.messages[0]


def test_headset_from_recorded_linux_output() -> None:
    os_audio = ReplayOs(
        "linux",
        {
            "pactl list sources": fixture_text("pactl_sources_usb_headset_and_builtin_mic.txt"),
            "pactl get-default-source": "alsa_input.pci-0000_06_00.6.analog-stereo",
        },
    )
    m = HeadsetCheck().run(ctx(FakeSoundDevice(), os_audio))
    assert m.values["headset.bus"] == "usb"
    assert m.values["headset.wireless"] is True
    assert "device.bus=usb" in m.details["evidence"]
    assert any("Family 17h" in note for note in m.messages)  # not the default microphone


def test_headset_on_windows_marks_default_from_portaudio_name() -> None:
    # MME truncates names to 31 characters; the endpoint name starts with it.
    sd = FakeSoundDevice([device("Microphone (Jabra Engage 75)"[:31], index=3)], defaults=(3, 3))
    m = HeadsetCheck().run(ctx(sd, ReplayOs("win32", {}, records=windows_records())))
    assert m.values["headset.name"] == "Microphone (Jabra Engage 75)"
    assert m.values["headset.wireless"] is True
    assert not any("uses" in note for note in m.messages)


def test_headset_falls_back_to_portaudio_names() -> None:
    sd = FakeSoundDevice([device("Headset (Logitech USB Headset)", index=0)])
    m = HeadsetCheck().run(ctx(sd, NO_OS))
    assert m.values["headset.present"] is True
    assert m.values["headset.bus"] == "usb"


def test_headset_without_portaudio_still_uses_the_os() -> None:
    os_audio = StaticOs([_endpoint("Jabra Link 380", Bus.USB, True, wireless=True)])
    m = HeadsetCheck().run(ctx(NoPortAudio(), os_audio))
    assert m.values["headset.present"] is True
    assert "PortAudio" in m.messages[0]
    with pytest.raises(CheckFailed, match="PortAudio library is missing"):
        HeadsetCheck().run(ctx(NoPortAudio(), NO_OS))


# -- microphone --------------------------------------------------------------------------


def test_microphone_measures_speech_and_streams_levels() -> None:
    updates: list[tuple[float | None, str, dict[str, float]]] = []
    sd = FakeSoundDevice(signal=talk(-22.0, -55.0))
    m = MicrophoneCheck().run(
        ctx(sd, progress=lambda f, msg, live: updates.append((f, msg, dict(live))))
    )
    assert m.values["microphone.speech_dbfs"] == pytest.approx(-22.0, abs=0.5)
    assert m.values["microphone.snr_db"] == pytest.approx(33.0, abs=1.5)
    assert m.values["microphone.clipping_pct"] == 0.0
    assert m.details["speech_detected"] is True
    assert not m.messages
    # the sentence is shown first, then one live level per 50 ms block
    assert updates[0][0] is None
    assert "Please read aloud" in updates[0][1]
    live = [u for u in updates if u[0] is not None]
    assert len(live) == pytest.approx(RECORD_SECONDS / 0.05, abs=3)
    assert all("dbfs" in u[2] for u in live)
    assert live[-1][0] == pytest.approx(1.0)


def test_microphone_clipping_and_no_speech() -> None:
    def loud(n: int, rate: float) -> np.ndarray:
        return np.clip(levels.sine(300.0, n / rate, rate, 0.0) * 2, -1.0, 1.0)

    m = MicrophoneCheck().run(ctx(FakeSoundDevice(signal=loud)))
    assert m.values["microphone.clipping_pct"] > 10.0
    assert m.values["microphone.peak_dbfs"] == 0.0
    m = MicrophoneCheck().run(ctx(FakeSoundDevice(signal=tone(-30.0))))
    assert m.details["speech_detected"] is False
    assert "could not clearly hear you" in m.messages[0]


def test_microphone_silence_is_a_clear_error() -> None:
    with pytest.raises(CheckFailed, match="No sound from your microphone"):
        MicrophoneCheck().run(ctx(FakeSoundDevice()))


def test_microphone_unplugged_mid_recording() -> None:
    sd = FakeSoundDevice(signal=tone(-20.0), stop_after=20)  # 1 s, then nothing
    started = time.monotonic()
    with pytest.raises(CheckFailed, match="stopped working during the test"):
        MicrophoneCheck().run(ctx(sd))
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (AudioErrorKind.BUSY, "in use by another program"),
        (AudioErrorKind.UNSUPPORTED_RATE, "usual sound formats"),
        (AudioErrorKind.NO_DEVICE, "No microphone or speaker was found"),
    ],
)
def test_failure_modes_become_plain_messages(kind: AudioErrorKind, text: str) -> None:
    for check in (MicrophoneCheck, RoomNoiseCheck, SpeakerCheck):
        with pytest.raises(CheckFailed, match=text):
            check().run(ctx(FakeSoundDevice(open_error=AudioError(kind))))


@pytest.mark.parametrize("check", [MicrophoneCheck, RoomNoiseCheck, SpeakerCheck])
def test_portaudio_missing_and_no_devices(check: Any) -> None:
    with pytest.raises(CheckFailed, match="PortAudio library is missing"):
        check().run(ctx(NoPortAudio()))
    with pytest.raises(CheckFailed, match="No microphone or speaker was found"):
        check().run(ctx(FakeSoundDevice(devices=[])))
    with pytest.raises(CheckFailed, match="was not found"):
        check().run(ctx(FakeSoundDevice(), settings={"device": "Jabra"}))


def test_cancel_stops_recording() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CheckCancelled):
        MicrophoneCheck().run(ctx(FakeSoundDevice(signal=tone(-20)), cancel_event=cancel))


def test_recording_is_bounded_by_the_time_budget() -> None:
    sd = FakeSoundDevice(signal=tone(-20.0))
    m = RoomNoiseCheck().run(ctx(sd, settings={"seconds": 5.0}, time_budget_s=1.0))
    assert m.details["seconds"] <= 1.0


# -- room noise --------------------------------------------------------------------------


def test_room_noise_is_the_median_block_level() -> None:
    def room(n: int, rate: float) -> np.ndarray:
        rng = np.random.default_rng(3)
        x = rng.standard_normal(n) * 10 ** (-48 / 20)
        x[: int(0.2 * rate)] *= 100  # a cough at the start does not move the median
        return x.astype(np.float32)

    m = RoomNoiseCheck().run(ctx(FakeSoundDevice(signal=room)))
    assert m.values["room.noise_dbfs"] == pytest.approx(-48.0, abs=0.5)
    assert m.details["quietest_dbfs"] <= m.values["room.noise_dbfs"]
    with pytest.raises(CheckFailed, match="No sound"):
        RoomNoiseCheck().run(ctx(FakeSoundDevice()))


# -- speaker -----------------------------------------------------------------------------


def _answer(value: Any) -> Any:
    def ask(question: Question) -> Answer:
        assert question.id == "speaker.beeps"
        return Answer("speaker.beeps", question.parse(value), datetime.now(UTC), "prompt")

    return ask


def test_beep_sequence_has_the_right_count_and_level() -> None:
    for n in range(MIN_BEEPS, MAX_BEEPS + 1):
        signal = beeps(n)
        assert count_beeps(signal, 48000.0) == n
        assert levels.peak_dbfs(signal) < -10.0
        assert signal.size / 48000.0 < 3.0


def test_speaker_confirmed_only_with_the_right_count() -> None:
    sd = FakeSoundDevice()
    heard: list[int] = []

    def ask(question: Question) -> Answer:
        played = sd.played[-1][1]
        heard.append(count_beeps(played, sd.played[-1][2]))
        return _answer(str(heard[-1]))(question)

    m = SpeakerCheck().run(ctx(sd, ask=ask))
    assert m.values == {"speaker.confirmed": True}
    assert m.details["beeps_played"] == heard[0]
    assert MIN_BEEPS <= heard[0] <= MAX_BEEPS

    m = SpeakerCheck().run(ctx(FakeSoundDevice(), ask=_answer("9")))
    assert m.values == {"speaker.confirmed": False}


def test_speaker_blind_yes_cannot_pass_and_no_answer_is_unknown() -> None:
    m = SpeakerCheck().run(ctx(FakeSoundDevice(), ask=_answer(True)))
    assert m.values == {"speaker.confirmed": False}  # "yes" is 1 beep; there are 2 to 5
    m = SpeakerCheck().run(ctx(FakeSoundDevice()))  # --no-input: ask returns None
    assert m.values == {"speaker.confirmed": None}
    assert "Nobody answered" in m.messages[0]


def test_speaker_count_varies_between_runs() -> None:
    counts = set()
    for _ in range(40):
        sd = FakeSoundDevice()
        SpeakerCheck().run(ctx(sd, ask=lambda q: None))
        counts.add(count_beeps(sd.played[-1][1], 48000.0))
    assert counts == {2, 3, 4, 5}


# -- the real adapter's error mapping, with a stand-in sounddevice module ----------------


class _PortAudioError(Exception):
    pass


def _fake_sd(check_error: Exception | None = None, open_error: Exception | None = None) -> Any:
    def check(**kw: Any) -> None:
        if check_error is not None:
            raise check_error

    class Stream:
        def __init__(self, **kw: Any) -> None:
            if open_error is not None:
                raise open_error

        def start(self) -> None:
            pass

        def close(self) -> None:
            pass

    return types.SimpleNamespace(
        PortAudioError=_PortAudioError,
        _terminate=lambda: None,
        _initialize=lambda: None,
        query_hostapis=lambda: [
            {"name": "ALSA", "default_input_device": 0, "default_output_device": 0}
        ],
        query_devices=lambda: [
            {
                "index": 0,
                "name": "pulse",
                "hostapi": 0,
                "max_input_channels": 32,
                "max_output_channels": 32,
                "default_samplerate": 44100.0,
            }
        ],
        default=types.SimpleNamespace(device=[-1, -1]),
        check_input_settings=check,
        check_output_settings=check,
        InputStream=Stream,
        OutputStream=Stream,
    )


class StandInSd(SoundDeviceAdapter):
    def __init__(self, module: Any) -> None:
        super().__init__()
        self._fake = module

    def _import_sounddevice(self) -> Any:
        return self._fake


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (_PortAudioError("Invalid sample rate", -9997), AudioErrorKind.UNSUPPORTED_RATE),
        (_PortAudioError("Device unavailable", -9985), AudioErrorKind.BUSY),
        (
            _PortAudioError(
                "Error opening InputStream", -9999, (0, -16, "Device or resource busy")
            ),
            AudioErrorKind.BUSY,
        ),
        (_PortAudioError("Invalid device", -9996), AudioErrorKind.NO_DEVICE),
        (
            _PortAudioError("Unanticipated host error", -9999, (0, -19, "No such device")),
            AudioErrorKind.UNPLUGGED,
        ),
        (_PortAudioError("Something else", -9986), AudioErrorKind.FAILED),
    ],
)
def test_portaudio_errors_are_mapped(error: Exception, kind: AudioErrorKind) -> None:
    sd = StandInSd(_fake_sd(open_error=error))
    (dev,) = sd.devices()
    assert sd.default_indices() == (0, 0)  # -1 falls back to the host API's default
    with pytest.raises(AudioError) as caught:
        sd.open_input(dev)
    assert caught.value.kind is kind
    assert caught.value.message()


def test_unsupported_rate_tries_every_rate_first() -> None:
    sd = StandInSd(_fake_sd(check_error=_PortAudioError("Invalid sample rate", -9997)))
    (dev,) = sd.devices()
    with pytest.raises(AudioError) as caught:
        sd.open_input(dev)
    assert caught.value.kind is AudioErrorKind.UNSUPPORTED_RATE
    with pytest.raises(CheckFailed, match="usual sound formats"):
        MicrophoneCheck().run(ctx(sd))


def test_a_hung_driver_does_not_hang_the_check() -> None:
    class Hung(StandInSd):
        OPEN_TIMEOUT_S = 0.3

    module = _fake_sd()
    release = threading.Event()

    class SlowStream:
        def __init__(self, **kw: Any) -> None:
            release.wait(5)

    module.InputStream = SlowStream
    started = time.monotonic()
    try:
        with pytest.raises(CheckFailed, match="in use by another program"):
            MicrophoneCheck().run(ctx(Hung(module)))
    finally:
        release.set()
    assert time.monotonic() - started < 2.0
