"""Which PortAudio device a check records from or plays to.

With no name: the system default. With a name (the check's ``device`` setting): the first
device whose PortAudio name contains it; on Linux, where PortAudio only sees the ``pulse``
PCM, a PulseAudio/PipeWire source or sink whose name or description contains it, reached by
routing the ``pulse`` PCM there (``PULSE_SOURCE`` / ``PULSE_SINK``).
"""

from __future__ import annotations

import dataclasses

from deskready.checks.audio.errors import AudioError, AudioErrorKind
from deskready.checks.audio.os_devices import OsAudioAdapter
from deskready.checks.audio.sd_adapter import AudioDevice, SoundDeviceAdapter

_PULSE_PCMS = ("pulse", "pipewire")


def pick_device(
    sd: SoundDeviceAdapter, os_audio: OsAudioAdapter, name: str, direction: str
) -> AudioDevice:
    """The device to use for ``direction`` (``input`` or ``output``).

    Raises:
        AudioError: NO_DEVICE when there is none at all, DEVICE_NOT_FOUND for a name that
            matches nothing, NO_PORTAUDIO when the library is missing.
    """
    want_input = direction == "input"
    usable = [
        d
        for d in sd.devices()
        if (d.max_input_channels if want_input else d.max_output_channels) > 0
    ]
    if not usable:
        raise AudioError(AudioErrorKind.NO_DEVICE, f"no {direction} device")
    query = name.strip().lower()
    if query:
        for device in usable:
            if query in device.name.lower():
                return device
        pulse = next((d for d in usable if d.name.lower() in _PULSE_PCMS), None)
        if pulse is not None:
            for endpoint in os_audio.endpoints():
                if endpoint.direction == direction and endpoint.matches(query):
                    return dataclasses.replace(pulse, route=endpoint.id)
        raise AudioError(AudioErrorKind.DEVICE_NOT_FOUND, name, device=name)
    default_in, default_out = sd.default_indices()
    wanted = default_in if want_input else default_out
    for device in usable:
        if device.index == wanted:
            return device
    for pcm in ("default", *_PULSE_PCMS):
        for device in usable:
            if device.name.lower() == pcm:
                return device
    return usable[0]
