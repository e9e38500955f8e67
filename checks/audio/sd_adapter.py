"""The one place that touches sounddevice / PortAudio.

Checks get it with ``ctx.adapter(SoundDeviceAdapter)``; tests inject a subclass (fake
devices, or a failing import to stand for "PortAudio missing"). sounddevice is imported
lazily, inside :meth:`SoundDeviceAdapter._import_sounddevice`, because on Linux the import
itself raises ``OSError`` when libportaudio2 is absent (spatialaudio/python-sounddevice,
``src/sounddevice.py``: ``raise OSError('PortAudio library not found')``).

Every blocking call is bounded: streams are opened on a helper thread with a timeout,
recording uses PortAudio's callback mode feeding a queue read with a timeout (a device
unplugged mid-recording stops the callbacks, which becomes :attr:`AudioErrorKind.UNPLUGGED`
instead of a hang), and playback waits on an event with a timeout.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from deskready.checks.audio.errors import AudioError, AudioErrorKind
from deskready.checks.audio.levels import FloatArray

T = TypeVar("T")

#: Rates tried, after the device's own default, when opening a stream.
FALLBACK_RATES = (48000.0, 44100.0, 16000.0)
# PortAudio PaErrorCode values (portaudio.h).
_PA_INVALID_SAMPLE_RATE = -9997
_PA_INVALID_DEVICE = -9996
_PA_DEVICE_UNAVAILABLE = -9985
_PA_INVALID_CHANNEL_COUNT = -9998

_init_lock = threading.Lock()


@dataclass(frozen=True)
class AudioDevice:
    """One PortAudio device as sounddevice lists it.

    Attributes:
        route: on Linux, the PulseAudio/PipeWire source or sink name to route this stream
            to (via ``PULSE_SOURCE``/``PULSE_SINK``) when the device is the ``pulse`` PCM.
    """

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    route: str = ""


class InputHandle:
    """An open, started input stream delivering mono float32 blocks of ~50 ms."""

    def __init__(self, stream: Any, blocks: queue.Queue[FloatArray], samplerate: float) -> None:
        self._stream = stream
        self._blocks = blocks
        self.samplerate = samplerate

    def read_block(self, timeout: float) -> FloatArray:
        """The next block; :class:`AudioError` UNPLUGGED if none arrives within ``timeout``."""
        try:
            return self._blocks.get(timeout=timeout)
        except queue.Empty:
            raise AudioError(
                AudioErrorKind.UNPLUGGED, f"no audio block for {timeout:.1f} s"
            ) from None

    def close(self) -> None:
        """Stop and close the stream (bounded)."""
        close_stream(self._stream)


def close_stream(stream: Any) -> None:
    """Abort and close ``stream`` on a helper thread: a vanished device may never answer."""

    def _close() -> None:
        with contextlib.suppress(Exception):
            stream.abort()
        with contextlib.suppress(Exception):
            stream.close()

    worker = threading.Thread(target=_close, name="deskready-audio-close", daemon=True)
    worker.start()
    worker.join(2.0)


class SoundDeviceAdapter:
    """Real PortAudio access through sounddevice. Subclass it to fake devices in tests."""

    #: Longest wait for PortAudio to open and start a stream.
    OPEN_TIMEOUT_S = 4.0

    def __init__(self) -> None:
        self._module: Any = None

    # -- the library -----------------------------------------------------------------
    def _import_sounddevice(self) -> Any:
        """Import sounddevice (raises OSError when the PortAudio library is missing)."""
        import sounddevice

        return sounddevice

    def _sd(self) -> Any:
        """The sounddevice module, PortAudio re-initialised once per adapter.

        Re-initialising makes devices plugged in since the app started visible, and picks
        up the PulseAudio server named by the current environment (sounddevice initialises
        PortAudio at import time). Audio checks are exclusive, so no other stream is open.
        """
        if self._module is None:
            try:
                module = self._import_sounddevice()
            except (OSError, ImportError) as exc:
                raise AudioError(AudioErrorKind.NO_PORTAUDIO, str(exc)) from exc
            with _init_lock:
                try:
                    if getattr(module, "_initialized", 0) > 0:
                        module._terminate()
                    module._initialize()
                except Exception as exc:
                    raise AudioError(AudioErrorKind.NO_PORTAUDIO, str(exc)) from exc
            self._module = module
        return self._module

    # -- inventory -------------------------------------------------------------------
    def devices(self) -> list[AudioDevice]:
        """Every device PortAudio lists (empty when there are none)."""
        sd = self._sd()
        try:
            hostapis = [h["name"] for h in sd.query_hostapis()]
            raw = sd.query_devices()
        except sd.PortAudioError as exc:
            raise self._mapped(exc, "") from exc
        result: list[AudioDevice] = []
        for entry in raw:
            api = int(entry["hostapi"])
            result.append(
                AudioDevice(
                    index=int(entry["index"]),
                    name=str(entry["name"]),
                    hostapi=hostapis[api] if 0 <= api < len(hostapis) else "",
                    max_input_channels=int(entry["max_input_channels"]),
                    max_output_channels=int(entry["max_output_channels"]),
                    default_samplerate=float(entry["default_samplerate"]),
                )
            )
        return result

    def default_indices(self) -> tuple[int, int]:
        """(input, output) default device indices; -1 where there is none."""
        sd = self._sd()
        value = sd.default.device
        try:
            inp, out = int(value[0]), int(value[1])
        except (TypeError, ValueError, IndexError):
            inp = out = -1
        hostapi = sd.query_hostapis()
        if inp < 0 or out < 0:
            for api in hostapi:
                inp = inp if inp >= 0 else int(api["default_input_device"])
                out = out if out >= 0 else int(api["default_output_device"])
        return inp, out

    # -- streams ---------------------------------------------------------------------
    def open_input(self, device: AudioDevice, block_seconds: float = 0.05) -> InputHandle:
        """Open and start a mono input stream on ``device`` at a rate it accepts."""
        sd = self._sd()
        rate = self._pick_rate(device, output=False)
        blocks: queue.Queue[FloatArray] = queue.Queue()

        def callback(indata: Any, frames: int, time: Any, status: Any) -> None:
            blocks.put(np.array(indata[:, 0], dtype=np.float32))

        def _open() -> Any:
            with _routed("PULSE_SOURCE", device.route):
                stream = sd.InputStream(
                    device=device.index,
                    channels=1,
                    samplerate=rate,
                    dtype="float32",
                    blocksize=max(1, round(rate * block_seconds)),
                    # "high" makes the ALSA pulse plugin buffer ~1.5 s before the first
                    # block (measured); "low" delivers it in ~50 ms.
                    latency="low",
                    callback=callback,
                )
            try:
                stream.start()
            except BaseException:
                stream.close()
                raise
            return stream

        stream = self._bounded_call(_open, device.name)
        return InputHandle(stream, blocks, rate)

    def play(self, device: AudioDevice, samples: FloatArray, samplerate: float) -> None:
        """Play mono ``samples`` on ``device`` and wait until done (bounded)."""
        sd = self._sd()
        rate = self._pick_rate(device, output=True, preferred=samplerate)
        if rate != samplerate:
            samples = _resample(samples, samplerate, rate)
        data = np.ascontiguousarray(samples, dtype=np.float32)
        done = threading.Event()
        position = [0]

        def callback(outdata: Any, frames: int, time: Any, status: Any) -> None:
            start = position[0]
            chunk = data[start : start + frames]
            outdata[: len(chunk), 0] = chunk
            outdata[len(chunk) :, 0] = 0.0
            position[0] = start + frames
            if len(chunk) < frames:
                raise sd.CallbackStop()

        def _open() -> Any:
            with _routed("PULSE_SINK", device.route):
                stream = sd.OutputStream(
                    device=device.index,
                    channels=1,
                    samplerate=rate,
                    dtype="float32",
                    callback=callback,
                    finished_callback=done.set,
                )
            try:
                stream.start()
            except BaseException:
                stream.close()
                raise
            return stream

        stream = self._bounded_call(_open, device.name)
        try:
            if not done.wait(len(data) / rate + 2.0):
                raise AudioError(AudioErrorKind.UNPLUGGED, "playback did not finish")
        finally:
            close_stream(stream)

    # -- helpers ---------------------------------------------------------------------
    def _pick_rate(self, device: AudioDevice, *, output: bool, preferred: float = 0.0) -> float:
        sd = self._sd()
        check = sd.check_output_settings if output else sd.check_input_settings
        # 48 kHz first: what USB headsets and the OS mixers run at, so nothing resamples.
        candidates = [
            r for r in (preferred, 48000.0, device.default_samplerate, *FALLBACK_RATES) if r > 0
        ]
        last: Exception | None = None
        for rate in dict.fromkeys(candidates):
            try:
                with _routed("PULSE_SINK" if output else "PULSE_SOURCE", device.route):
                    check(device=device.index, channels=1, dtype="float32", samplerate=rate)
                return rate
            except sd.PortAudioError as exc:
                mapped = self._mapped(exc, device.name)
                if mapped.kind is not AudioErrorKind.UNSUPPORTED_RATE:
                    raise mapped from exc
                last = exc
            except ValueError as exc:  # sounddevice's own argument checks
                raise AudioError(AudioErrorKind.FAILED, str(exc), device.name) from exc
        raise AudioError(AudioErrorKind.UNSUPPORTED_RATE, str(last), device.name)

    def _bounded_call(self, fn: Callable[[], T], device_name: str) -> T:
        """Run ``fn`` on a helper thread; a hung driver becomes BUSY instead of a hang."""
        sd = self._sd()
        result: list[T] = []
        error: list[BaseException] = []

        def _run() -> None:
            try:
                result.append(fn())
            except BaseException as exc:
                error.append(exc)

        worker = threading.Thread(target=_run, name="deskready-audio-open", daemon=True)
        worker.start()
        worker.join(self.OPEN_TIMEOUT_S)
        if worker.is_alive():
            raise AudioError(AudioErrorKind.BUSY, "opening the device did not finish", device_name)
        if error:
            exc = error[0]
            if isinstance(exc, sd.PortAudioError):
                raise self._mapped(exc, device_name) from exc
            if isinstance(exc, AudioError):
                raise exc
            raise AudioError(AudioErrorKind.FAILED, str(exc), device_name) from exc
        return result[0]

    @staticmethod
    def _mapped(exc: BaseException, device_name: str) -> AudioError:
        """Map a PortAudioError to a kind, by error code first and host text second."""
        args: list[Any] = list(getattr(exc, "args", ()))
        code = args[1] if len(args) > 1 and isinstance(args[1], int) else None
        host = args[2] if len(args) > 2 and isinstance(args[2], tuple) else ()
        host_text = str(host[2]) if len(host) == 3 else ""
        text = f"{args[0] if args else exc} {host_text}".lower()
        kind = AudioErrorKind.FAILED
        if code == _PA_INVALID_SAMPLE_RATE or "sample rate" in text:
            kind = AudioErrorKind.UNSUPPORTED_RATE
        elif code == _PA_DEVICE_UNAVAILABLE or "busy" in text or "unavailable" in text:
            kind = AudioErrorKind.BUSY
        elif "no such device" in text or "disconnected" in text:
            kind = AudioErrorKind.UNPLUGGED
        elif code in (_PA_INVALID_DEVICE, _PA_INVALID_CHANNEL_COUNT) or "device -1" in text:
            kind = AudioErrorKind.NO_DEVICE
        return AudioError(kind, str(exc), device_name)


@contextlib.contextmanager
def _routed(variable: str, value: str) -> Iterator[None]:
    """Set ``PULSE_SOURCE``/``PULSE_SINK`` while a stream is opened (libpulse reads it)."""
    if not value:
        yield
        return
    old = os.environ.get(variable)
    os.environ[variable] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = old


def _resample(samples: FloatArray, rate_in: float, rate_out: float) -> FloatArray:
    """Linear-interpolation resampling (only used for beeps, where it is inaudible)."""
    n_out = round(len(samples) * rate_out / rate_in)
    x_out = np.arange(n_out) * (rate_in / rate_out)
    out: FloatArray = np.interp(x_out, np.arange(len(samples)), samples).astype(np.float32)
    return out
