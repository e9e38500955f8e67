"""Bus / headset classification from recorded OS output (tests/data/audio/README.md)."""

from __future__ import annotations

import pytest

from deskready.checks.audio.classify import (
    Bus,
    classify_by_name,
    classify_pulse,
    parse_pactl_json,
    parse_pactl_text,
    parse_system_profiler,
    parse_windows_endpoints,
)
from tests.checks.audio.fakes import ReplayOs, fixture_text, windows_records


def _by_name(endpoints, fragment):
    found = [e for e in endpoints if fragment in e.name]
    assert found, f"no endpoint named like {fragment!r} in {[e.name for e in endpoints]}"
    return found[0]


def test_pactl_usb_headset_builtin_mic_and_monitor() -> None:
    entries = parse_pactl_text(fixture_text("pactl_sources_usb_headset_and_builtin_mic.txt"))
    assert [e.name.split(".")[0] for e in entries] == ["alsa_input", "alsa_output", "alsa_input"]
    builtin, monitor, headset = (classify_pulse(e, "input") for e in entries)

    assert builtin.bus is Bus.BUILTIN
    assert not builtin.headset
    assert builtin.wireless is False
    assert "analog-input-internal-mic" in builtin.evidence

    assert monitor.bus is Bus.VIRTUAL
    assert not monitor.headset

    assert headset.bus is Bus.USB
    assert headset.headset  # device.form_factor = "headset"
    assert headset.name == "CORSAIR HS70 Pro Wireless Gaming Headset Mono"
    # a 2.4 GHz headset on a USB dongle: only the name tells it is wireless
    assert headset.wireless is True


def test_pactl_bluetooth_headset() -> None:
    (entry,) = parse_pactl_text(fixture_text("pactl_sources_bluetooth_headset.txt"))
    endpoint = classify_pulse(entry, "input", default_name="bluez_input.58_FC_C6_0D_62_0D.0")
    assert endpoint.bus is Bus.BLUETOOTH
    assert endpoint.headset
    assert endpoint.wireless is True
    assert endpoint.is_default
    assert endpoint.name == "TOZO-T9"


def test_pactl_dect_headset_on_usb_dongle_is_usb_and_wireless() -> None:
    (entry,) = parse_pactl_text(fixture_text("pactl_sources_dect_headset_usb_dongle.txt"))
    endpoint = classify_pulse(entry, "input")
    assert endpoint.bus is Bus.USB
    assert endpoint.headset  # no form factor: the name (Savi) is the fallback
    assert endpoint.wireless is True


def test_pactl_json_of_a_real_null_sink_is_virtual() -> None:
    sources = parse_pactl_json(fixture_text("pactl_json_sources_null_sink.json"))
    sinks = parse_pactl_json(fixture_text("pactl_json_sinks_null_sink.json"))
    (monitor,) = (classify_pulse(e, "input") for e in sources)
    (sink,) = (classify_pulse(e, "output") for e in sinks)
    assert monitor.bus is Bus.VIRTUAL
    assert sink.bus is Bus.VIRTUAL  # device.class = "abstract", module-null-sink
    assert not sink.headset
    with pytest.raises(ValueError, match="Expecting value"):
        parse_pactl_json("Source #0\n\tName: x\n")


def test_pactl_text_and_json_agree_on_the_same_server() -> None:
    text = parse_pactl_text(fixture_text("pactl_sources_null_sink.txt"))
    js = parse_pactl_json(fixture_text("pactl_json_sources_null_sink.json"))
    assert [(e.name, e.description, e.properties) for e in text] == [
        (e.name, e.description, e.properties) for e in js
    ]


def test_macos_usb_headset_builtin_and_virtual() -> None:
    endpoints = parse_system_profiler(fixture_text("system_profiler_usb_headset.json"))
    inzone_in = next(e for e in endpoints if e.name == "INZONE H3" and e.direction == "input")
    assert inzone_in.bus is Bus.USB
    assert inzone_in.headset  # a USB device with both a microphone and an earpiece
    assert inzone_in.is_default
    assert inzone_in.wireless is False
    webcam = _by_name(endpoints, "C922")
    assert webcam.bus is Bus.USB
    assert not webcam.headset  # input only
    assert _by_name(endpoints, "MacBook Pro Microphone").bus is Bus.BUILTIN
    assert _by_name(endpoints, "Teams").bus is Bus.VIRTUAL
    assert _by_name(endpoints, "DELL").bus is Bus.UNKNOWN
    assert len([e for e in endpoints if e.direction == "input"]) == 4


def test_macos_bluetooth_airpods() -> None:
    endpoints = parse_system_profiler(fixture_text("system_profiler_bluetooth_airpods.json"))
    airpods_in = next(e for e in endpoints if "AirPods" in e.name and e.direction == "input")
    assert airpods_in.bus is Bus.BLUETOOTH
    assert airpods_in.headset
    assert airpods_in.wireless is True
    assert airpods_in.is_default
    mic = _by_name(endpoints, "麦克风")  # no transport reported at all
    assert mic.bus is Bus.UNKNOWN
    assert mic.wireless is None


def test_windows_endpoint_properties() -> None:
    endpoints = parse_windows_endpoints(
        windows_records(), {"input": "{0.0.1.00000000}.{9b1d43e0-7a57-4f0e-8f55-2d3f4c1b9a02}"}
    )
    assert len(endpoints) == 6  # the unplugged webcam (DeviceState 4) is left out
    logitech = _by_name(endpoints, "Logitech")
    assert (logitech.bus, logitech.headset, logitech.wireless) == (Bus.USB, True, False)
    assert logitech.name == "Headset Microphone (Logitech USB Headset)"
    jabra = _by_name(endpoints, "Jabra Engage 75")
    assert (jabra.bus, jabra.headset, jabra.wireless, jabra.is_default) == (
        Bus.USB,
        True,
        True,  # DECT: USB dongle, wireless by name
        True,
    )
    hands_free = _by_name(endpoints, "Hands-Free")
    assert (hands_free.bus, hands_free.headset, hands_free.wireless) == (Bus.BLUETOOTH, True, True)
    array = _by_name(endpoints, "Microphone Array")
    assert (array.bus, array.headset) == (Bus.BUILTIN, False)
    jack = next(e for e in endpoints if e.name == "Headphones (Realtek(R) Audio)")
    assert (jack.bus, jack.direction, jack.headset) == (Bus.ANALOG, "output", False)
    stereo = _by_name(endpoints, "AirPods Pro Stereo")
    assert stereo.bus is Bus.BLUETOOTH


@pytest.mark.parametrize(
    ("name", "bus", "headset"),
    [
        ("Headset (Jabra EVOLVE 20 MS)", Bus.UNKNOWN, True),
        ("Kopfhörer (AirPods Pro Hands-Free AG Audio)", Bus.BLUETOOTH, True),
        ("USB PnP Sound Device", Bus.USB, False),
        ("MacBook Pro Microphone", Bus.BUILTIN, False),
        ("pulse", Bus.UNKNOWN, False),
    ],
)
def test_name_fallback(name: str, bus: Bus, headset: bool) -> None:
    endpoint = classify_by_name(name, "input")
    assert (endpoint.bus, endpoint.headset) == (bus, headset)
    assert endpoint.evidence == "name only"


def test_linux_adapter_prefers_json_and_reads_defaults() -> None:
    os_audio = ReplayOs(
        "linux",
        {
            "pactl --format=json list sources": fixture_text("pactl_json_sources_null_sink.json"),
            "pactl --format=json list sinks": fixture_text("pactl_json_sinks_null_sink.json"),
            "pactl get-default-source": "vsink.monitor\n",
            "pactl get-default-sink": "vsink\n",
        },
    )
    endpoints = os_audio.endpoints()
    assert [(e.id, e.direction, e.is_default) for e in endpoints] == [
        ("vsink.monitor", "input", True),
        ("vsink", "output", True),
    ]
    assert "pactl list sources" not in os_audio.calls


def test_linux_adapter_falls_back_to_text_and_pactl_info() -> None:
    usb = fixture_text("pactl_sources_usb_headset_and_builtin_mic.txt")
    os_audio = ReplayOs(
        "linux",
        {
            "pactl --format=json list sources": "pactl: unrecognized option '--format=json'",
            "pactl list sources": usb,
            "pactl info": "Server Name: pulseaudio\nDefault Source: "
            "alsa_input.usb-Corsair_CORSAIR_HS70_Pro_Wireless_Gaming_Headset-00.mono-fallback\n",
        },
    )
    endpoints = os_audio.endpoints()
    assert [e.bus for e in endpoints] == [Bus.BUILTIN, Bus.VIRTUAL, Bus.USB]
    assert [e.is_default for e in endpoints] == [False, False, True]
    assert "pactl list sinks" in os_audio.calls


def test_adapter_never_raises_when_the_os_says_nothing() -> None:
    assert ReplayOs("linux", {}).endpoints() == []
    assert ReplayOs("darwin", {}).endpoints() == []
    assert ReplayOs("darwin", {"system_profiler SPAudioDataType -json": "{oops"}).endpoints() == []
    assert ReplayOs("sunos5", {}).endpoints() == []
    mac = ReplayOs(
        "darwin",
        {"system_profiler SPAudioDataType -json": fixture_text("system_profiler_usb_headset.json")},
    )
    assert any(e.name == "INZONE H3" for e in mac.endpoints())
    win = ReplayOs("win32", {}, records=windows_records())
    assert len(win.endpoints()) == 6
