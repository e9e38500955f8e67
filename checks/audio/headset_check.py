"""Headset: is one connected, how (USB, Bluetooth, jack …), and is it wireless."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from deskready.checks.api import (
    Category,
    Check,
    CheckContext,
    Measurements,
    Metric,
    MetricType,
    Setting,
)
from deskready.checks.audio.classify import Bus, Endpoint, classify_by_name
from deskready.checks.audio.errors import AudioError, check_failed
from deskready.checks.audio.os_devices import OsAudioAdapter
from deskready.checks.i18n import M_, N_

if TYPE_CHECKING:
    from deskready.checks.audio.sd_adapter import SoundDeviceAdapter


class HeadsetCheck(Check):
    """Finds the headset among the sound devices and classifies its bus from OS properties."""

    id = "headset"
    title = N_("Headset")
    category = Category.AUDIO
    description = N_("Looks for your headset and how it is connected (USB, Bluetooth, jack).")
    exclusive = True
    time_budget_s = 8.0
    metrics = (
        Metric(
            "headset.present",
            MetricType.BOOLEAN,
            N_("A headset with a microphone is connected"),
            advice=N_(
                "No headset was found. Plug in the headset your employer asked for and "
                "choose it as the microphone in your sound settings."
            ),
        ),
        Metric(
            "headset.bus",
            MetricType.CHOICE,
            N_("How the headset is connected"),
            choices=tuple(b.value for b in Bus),
            advice=N_(
                "Your headset is not connected the way your employer requires. Most "
                "employers ask for a wired USB headset: plug one into a USB port."
            ),
            labels={
                "usb": N_("USB"),
                "bluetooth": N_("Bluetooth"),
                "analog": N_("audio jack"),
                "builtin": N_("built-in"),
                "virtual": N_("virtual device"),
                "unknown": N_("unknown"),
            },
        ),
        Metric(
            "headset.name",
            MetricType.TEXT,
            N_("Name of the headset"),
            advice=N_("Use the headset model your employer asked for."),
        ),
        Metric(
            "headset.wireless",
            MetricType.BOOLEAN,
            N_("The headset is wireless (Bluetooth, DECT or a radio dongle)"),
            advice=N_(
                "Your headset is wireless. Wireless headsets can drop out or pick up "
                "interference during calls; use a wired headset if your employer requires it."
            ),
        ),
    )
    settings = (
        Setting("device", str, "", N_("Headset to look for (part of its name); empty: any.")),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        """List the devices, classify them, and report the headset the agent would use."""
        # Imported here, not at the top: numpy and PortAudio cost ~15 MB and ~40 ms, and every
        # run imports this module for its metadata (docs/architecture.md, start-up).
        from deskready.checks.audio.sd_adapter import SoundDeviceAdapter

        endpoints = ctx.adapter(OsAudioAdapter).endpoints()
        portaudio_note = ""
        default_input_name = ""
        if not endpoints or not any(e.is_default for e in endpoints):
            # The OS said nothing (or not which is default): PortAudio's names and defaults.
            try:
                endpoints, default_input_name = _from_portaudio(
                    ctx.adapter(SoundDeviceAdapter), endpoints
                )
            except AudioError as exc:
                if not endpoints:
                    raise check_failed(exc) from exc
                portaudio_note = exc.message()
        want = ctx.setting("device").strip()
        inputs = [e for e in endpoints if e.direction == "input" and e.bus is not Bus.VIRTUAL]
        candidates = [e for e in inputs if e.matches(want)] if want else inputs
        headsets = [e for e in candidates if e.headset]
        chosen = next((e for e in headsets if e.is_default), headsets[0] if headsets else None)
        default_input = next((e for e in inputs if e.is_default), None)

        measurements = Measurements(
            values={
                "headset.present": chosen is not None,
                "headset.bus": chosen.bus.value if chosen else None,
                "headset.name": chosen.name if chosen else None,
                "headset.wireless": chosen.wireless if chosen else None,
            },
            details={
                "devices": [_describe(e) for e in endpoints if e.bus is not Bus.VIRTUAL],
                "default_input": default_input.name if default_input else default_input_name,
                "evidence": chosen.evidence if chosen else "",
            },
        )
        notes = measurements.messages
        if portaudio_note:
            notes.append(portaudio_note)
        if want and not candidates:
            notes.append(M_("No sound device named \u201c{name}\u201d was found.", name=want))
        if chosen is not None and default_input is not None and not chosen.is_default:
            notes.append(
                M_(
                    "Your headset \u201c{headset}\u201d is connected, but your computer uses "
                    "\u201c{device}\u201d as its microphone. Choose the headset in your sound "
                    "settings.",
                    headset=chosen.name,
                    device=default_input.name,
                )
            )
        if chosen is not None and chosen.wireless:
            notes.append(
                M_(
                    "\u201c{headset}\u201d is a wireless headset. Many employers require a "
                    "wired headset because wireless ones can drop calls.",
                    headset=chosen.name,
                )
            )
        return measurements


def _from_portaudio(
    sd: SoundDeviceAdapter, endpoints: list[Endpoint]
) -> tuple[list[Endpoint], str]:
    """Fill in from PortAudio: names only when the OS gave nothing, and the default input."""
    devices = sd.devices()
    default_in, default_out = sd.default_indices()
    default_name = next((d.name for d in devices if d.index == default_in), "")
    if endpoints:
        # Windows names PortAudio devices "Headset (Jabra …)" like the endpoint, possibly
        # truncated (MME: 31 characters): mark the endpoint the default name starts.
        marked = [
            replace(e, is_default=bool(default_name) and e.name.startswith(default_name))
            if e.direction == "input"
            else e
            for e in endpoints
        ]
        return marked, default_name
    result: list[Endpoint] = []
    for device in devices:
        if device.max_input_channels > 0:
            result.append(classify_by_name(device.name, "input", device.index == default_in))
        if device.max_output_channels > 0:
            result.append(classify_by_name(device.name, "output", device.index == default_out))
    return result, default_name


def _describe(endpoint: Endpoint) -> dict[str, object]:
    return {
        "name": endpoint.name,
        "direction": endpoint.direction,
        "bus": endpoint.bus.value,
        "headset": endpoint.headset,
        "wireless": endpoint.wireless,
        "default": endpoint.is_default,
    }
