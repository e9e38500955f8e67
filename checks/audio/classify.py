"""Which bus a sound device is on, and whether it is a headset, from the OS's own properties.

Pure parsing: text in, :class:`Endpoint` out. The commands are run by
:mod:`deskready.checks.audio.os_devices`; tests feed recorded output from ``tests/data/audio``.
Sources of each rule (PulseAudio ``src/pulse/proplist.h``, ``PA_PROP_DEVICE_*``; Microsoft Docs:
PKEY_AudioEndpoint_FormFactor / EndpointFormFactor; the recorded output in ``tests/data/audio``):

* Linux PulseAudio / PipeWire (``pactl``): ``device.bus`` (usb, bluetooth, pci),
  ``device.api`` (bluez, bluez5), ``device.form_factor`` (headset, handset, internal …),
  ``device.class`` (monitor, filter, abstract = virtual), and the active port
  (``analog-input-internal-mic`` = built-in, ``analog-input-headset-mic`` = analog jack).
* macOS ``system_profiler SPAudioDataType -json``: ``coreaudio_device_transport``.
* Windows endpoint property store (MMDevices): ``PKEY_AudioEndpoint_FormFactor``
  (Headphones = 3, Headset = 5, Handset = 6) and the device instance id behind the endpoint
  (``USB\\`` vs ``BTHENUM``/``BTHHFENUM``/``BTHLE``, ``HDAUDIO`` = on the motherboard).

Names ("Hands-Free", "AirPods", "Savi") are only a fallback, used when the properties are
silent. A DECT or 2.4 GHz headset on a USB dongle is on the USB bus; only its name can tell
it is wireless, so :data:`WIRELESS_NAME` lists the common call-centre dongles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Bus(StrEnum):
    """How a sound device is attached (the ``headset.bus`` choices)."""

    USB = "usb"
    BLUETOOTH = "bluetooth"
    ANALOG = "analog"  # a 3.5 mm jack on the computer
    BUILTIN = "builtin"  # laptop microphone / speakers, monitor speakers
    VIRTUAL = "virtual"  # monitors of outputs, loopbacks, meeting-app devices
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Endpoint:
    """One input or output as the OS describes it, classified.

    Attributes:
        id: the OS's identifier (PulseAudio name, macOS name, Windows endpoint GUID).
        name: what the agent recognises ("Jabra Engage 75", "Headset (AirPods Pro)").
        direction: ``input`` or ``output``.
        bus: how it is attached.
        headset: the OS says it is a headset/handset (or, failing that, its name does).
        wireless: True for Bluetooth/DECT/2.4 GHz, False when wired, None when unknown.
        is_default: the OS's default device for its direction.
        evidence: which property decided the bus (kept in the report details).
    """

    id: str
    name: str
    direction: str
    bus: Bus
    headset: bool
    wireless: bool | None
    is_default: bool = False
    evidence: str = ""
    aliases: tuple[str, ...] = field(default=(), compare=False)

    def matches(self, query: str) -> bool:
        """Case-insensitive substring match on the name, the id or an alias."""
        q = query.strip().lower()
        return bool(q) and any(q in text.lower() for text in (self.name, self.id, *self.aliases))


HEADSET_NAME = re.compile(
    r"head\s?set|hands?-?free|ear\s?buds?|airpods|handset|"
    r"jabra|plantronics|\bpoly\b|blackwire|savi|sennheiser|\bepos\b|yealink|voyager|evolve",
    re.IGNORECASE,
)
WIRELESS_NAME = re.compile(
    r"wireless|\bdect\b|savi|engage\s?(?:55|65|75)|\blink\s?(?:3[6-9]0|4[0-9]0)\b|"
    r"\bbt\s?[67]00\b|\bbtd\s?\d{3}\b|\bsdw\b|\bd\s?10\b|\bwh6\d\b|voyager|"
    r"evolve2?\s?(?:65|75|85)|airpods|bluetooth|hands-?free ag",
    re.IGNORECASE,
)
BLUETOOTH_NAME = re.compile(r"bluetooth|hands-?free|airpods|\bbt\b", re.IGNORECASE)


def _name_headset(*names: str) -> bool:
    return any(HEADSET_NAME.search(n) for n in names if n)


def _name_wireless(*names: str) -> bool:
    return any(WIRELESS_NAME.search(n) for n in names if n)


def _wireless_for(bus: Bus, *names: str) -> bool | None:
    if bus is Bus.BLUETOOTH:
        return True
    if _name_wireless(*names):
        return True
    if bus is Bus.UNKNOWN:
        return None
    return False


# -- Linux: PulseAudio / PipeWire ------------------------------------------------------


@dataclass
class PulseEntry:
    """One ``Source #n`` / ``Sink #n`` block of ``pactl list``."""

    name: str = ""
    description: str = ""
    driver: str = ""
    properties: dict[str, str] = field(default_factory=dict)
    ports: dict[str, str] = field(default_factory=dict)  # port name -> "Desc (type: …)"
    active_port: str = ""


_HEADER = re.compile(r"^(Source|Sink) #\d+\s*$")
_PROP = re.compile(r'^\s*([\w.\-]+) = "(.*)"\s*$')


def parse_pactl_text(text: str) -> list[PulseEntry]:
    """Parse ``LC_ALL=C pactl list sources`` (or ``sinks``) text output."""
    entries: list[PulseEntry] = []
    current: PulseEntry | None = None
    section = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if _HEADER.match(line.strip()) and not raw.startswith(("\t\t", "        ")):
            current = PulseEntry()
            entries.append(current)
            section = ""
            continue
        if current is None or not line.strip():
            continue
        stripped = line.strip()
        depth = len(raw) - len(raw.lstrip("\t"))
        if depth <= 1 and ":" in stripped and not raw.startswith("\t\t"):
            key, _, value = stripped.partition(":")
            key = key.strip()
            value = value.strip()
            section = key
            if key == "Name":
                current.name = value
            elif key == "Description":
                current.description = value
            elif key == "Driver":
                current.driver = value
            elif key == "Active Port":
                current.active_port = value
            continue
        if section == "Properties":
            match = _PROP.match(stripped)
            if match:
                current.properties[match.group(1)] = match.group(2)
        elif section == "Ports" and ":" in stripped:
            port, _, desc = stripped.partition(":")
            current.ports[port.strip()] = desc.strip()
    return entries


def parse_pactl_json(text: str) -> list[PulseEntry]:
    """Parse ``pactl --format=json list sources`` (pactl ≥ 16). Raises ValueError if not JSON."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("pactl JSON is not a list")
    entries: list[PulseEntry] = []
    for item in data:
        if not isinstance(item, Mapping):
            continue
        ports: dict[str, str] = {}
        for port in item.get("ports") or ():
            if isinstance(port, Mapping):
                ports[str(port.get("name", ""))] = (
                    f"{port.get('description', '')} (type: {port.get('type', '')})"
                )
        props = item.get("properties") or {}
        entries.append(
            PulseEntry(
                name=str(item.get("name", "")),
                description=str(item.get("description", "")),
                driver=str(item.get("driver", "")),
                properties={str(k): str(v) for k, v in props.items()},
                ports=ports,
                active_port=str(item.get("active_port") or ""),
            )
        )
    return entries


def classify_pulse(entry: PulseEntry, direction: str, default_name: str = "") -> Endpoint:
    """Classify one PulseAudio/PipeWire source or sink from its properties."""
    props = entry.properties
    name = entry.description or props.get("device.description", "") or entry.name
    bus_prop = props.get("device.bus", "").lower()
    api = props.get("device.api", "").lower()
    dclass = props.get("device.class", "").lower()
    bus_path = props.get("device.bus_path", "").lower()
    form = props.get("device.form_factor", "").lower()
    port = entry.active_port.lower()
    port_desc = entry.ports.get(entry.active_port, "").lower()
    profile = (
        props.get("bluetooth.protocol", "") + " " + props.get("api.bluez5.profile", "")
    ).lower()

    if dclass == "monitor" or entry.name.endswith(".monitor"):
        bus, evidence = Bus.VIRTUAL, "device.class=monitor"
    elif bus_prop == "bluetooth" or api.startswith("bluez") or entry.name.startswith("bluez_"):
        bus, evidence = Bus.BLUETOOTH, f"device.bus={bus_prop or '-'} device.api={api or '-'}"
    elif bus_prop == "usb" or "-usb-" in bus_path:
        bus, evidence = Bus.USB, f"device.bus={bus_prop or '-'} device.bus_path={bus_path or '-'}"
    elif bus_prop in {"pci", "platform", "isa"} or bus_path.startswith(("pci-", "platform-")):
        jack = any(w in port or w in port_desc for w in ("headset", "headphone", "line"))
        internal = "internal" in port or "speaker" in port or form == "internal"
        external_mic = port in {
            "analog-input-mic",
            "analog-input-rear-mic",
            "analog-input-front-mic",
        }
        bus = Bus.ANALOG if (jack and not internal) or external_mic else Bus.BUILTIN
        evidence = f"device.bus={bus_prop or '-'} active port={entry.active_port or '-'}"
    elif dclass in {"filter", "abstract", "virtual"} or "null-sink" in entry.driver:
        bus, evidence = Bus.VIRTUAL, f"device.class={dclass or '-'}"
    else:
        bus, evidence = Bus.UNKNOWN, "no device.bus"
        if BLUETOOTH_NAME.search(name):
            bus, evidence = Bus.BLUETOOTH, "name"

    said_headset = (
        form in {"headset", "handset", "hands-free"}
        or "headset" in port
        or "(type: headset" in port_desc
        or any(w in profile for w in ("head_unit", "head-unit", "handsfree"))
    )
    if bus is Bus.VIRTUAL:
        headset = False
    elif said_headset:
        headset = True
    elif form in {"internal", "speaker", "microphone", "webcam", "tv", "computer"}:
        headset = False
    else:
        headset = _name_headset(name, entry.name)
    product = props.get("device.product.name", "")
    wireless = False if bus is Bus.VIRTUAL else _wireless_for(bus, name, product)
    return Endpoint(
        id=entry.name,
        name=name,
        direction=direction,
        bus=bus,
        headset=headset,
        wireless=wireless,
        is_default=bool(default_name) and entry.name == default_name,
        evidence=evidence,
        aliases=tuple(
            v for v in (props.get("device.product.name", ""), props.get("node.nick", "")) if v
        ),
    )


# -- macOS: system_profiler SPAudioDataType -json ---------------------------------------

_MAC_TRANSPORT: dict[str, Bus] = {
    "coreaudio_device_type_builtin": Bus.BUILTIN,
    "coreaudio_device_type_usb": Bus.USB,
    "coreaudio_device_type_bluetooth": Bus.BLUETOOTH,
    "coreaudio_device_type_bluetooth_le": Bus.BLUETOOTH,
    "coreaudio_device_type_bluetoothle": Bus.BLUETOOTH,
    "coreaudio_device_type_virtual": Bus.VIRTUAL,
    "coreaudio_device_type_aggregate": Bus.VIRTUAL,
}


_MAC_WIRELESS = {"coreaudio_device_type_airplay", "coreaudio_device_type_continuity_capture"}


def _mac_items(node: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        if "_items" in node:
            for child in node["_items"]:
                yield from _mac_items(child)
        elif "_name" in node:
            yield node
    elif isinstance(node, list):
        for child in node:
            yield from _mac_items(child)


def parse_system_profiler(text: str) -> list[Endpoint]:
    """Endpoints from ``system_profiler SPAudioDataType -json`` (one per direction)."""
    data = json.loads(text)
    result: list[Endpoint] = []
    for item in _mac_items(data.get("SPAudioDataType", []) if isinstance(data, dict) else []):
        name = str(item.get("_name", ""))
        transport = str(item.get("coreaudio_device_transport", ""))
        n_in = int(item.get("coreaudio_device_input") or 0)
        n_out = int(item.get("coreaudio_device_output") or 0)
        bus = _MAC_TRANSPORT.get(transport, Bus.UNKNOWN)
        evidence = f"coreaudio_device_transport={transport or '-'}"
        duplex = n_in > 0 and n_out > 0
        for direction, count, source_key, default_key in (
            ("input", n_in, "coreaudio_input_source", "coreaudio_default_audio_input_device"),
            ("output", n_out, "coreaudio_output_source", "coreaudio_default_audio_output_device"),
        ):
            if count <= 0:
                continue
            source = str(item.get(source_key, ""))
            this_bus = bus
            if bus is Bus.BUILTIN and re.search(r"headphone|external", source, re.IGNORECASE):
                this_bus = Bus.ANALOG  # the built-in jack
            headset = _name_headset(name) or (
                duplex and bus in {Bus.USB, Bus.BLUETOOTH}  # a mic and an earpiece in one
            )
            wireless: bool | None
            if transport in _MAC_WIRELESS:
                wireless = True
            else:
                wireless = False if this_bus is Bus.VIRTUAL else _wireless_for(this_bus, name)
            result.append(
                Endpoint(
                    id=name,
                    name=name,
                    direction=direction,
                    bus=this_bus,
                    headset=headset,
                    wireless=wireless,
                    is_default=item.get(default_key) == "spaudio_yes",
                    evidence=evidence,
                )
            )
    return result


# -- Windows: endpoint property store ---------------------------------------------------

#: PKEY_Device_DeviceDesc of the endpoint ("Microphone", "Headset", "Speakers").
PKEY_ENDPOINT_NAME = "{a45c254e-df1c-4efd-8020-67d146a850e0},2"
#: The adapter behind the endpoint ("Jabra Engage 75", "Realtek(R) Audio").
PKEY_ADAPTER_NAME = "{b3f8fa53-0004-438e-9003-51a46e139bfc},6"
#: Device instance id of the adapter ("{1}.USB\\VID_0B0E&PID_…", "{2}.\\\\?\\bthhfenum#…").
PKEY_INSTANCE_ID = "{b3f8fa53-0004-438e-9003-51a46e139bfc},2"
#: PKEY_AudioEndpoint_FormFactor (EndpointFormFactor enum).
PKEY_FORM_FACTOR = "{1da5d803-d492-4edd-8c23-e0c0ffee7f0e},0"
WIN_FORM_FACTORS = {
    0: "remote",
    1: "speakers",
    2: "line",
    3: "headphones",
    4: "microphone",
    5: "headset",
    6: "handset",
    7: "digital",
    8: "spdif",
    9: "display",
    10: "unknown",
}
#: DEVICE_STATE_ACTIVE in the endpoint's ``DeviceState`` value.
WIN_STATE_ACTIVE = 1


def _win_bus(instance: str, form: str) -> tuple[Bus, str]:
    path = re.sub(r"^\{\d+\}\.", "", instance).upper().replace("\\\\?\\", "")
    if path.startswith("USB"):
        return Bus.USB, "instance USB"
    if path.startswith(("BTHENUM", "BTHHFENUM", "BTHLE", "BTHLEDEVICE")) or "BTHHFP" in path:
        return Bus.BLUETOOTH, "instance Bluetooth"
    if path.startswith(("HDAUDIO", "INTELAUDIO", "PCI", "ACPI", "SST", "INTELSST")):
        if form in {"headphones", "headset", "handset", "line"}:
            return Bus.ANALOG, f"instance {path.split(chr(92))[0]} form factor {form}"
        return Bus.BUILTIN, f"instance {path.split(chr(92))[0]}"
    if path.startswith(("SWD", "ROOT", "SW\\")) or "VIRTUAL" in path:
        return Bus.VIRTUAL, "instance software device"
    return Bus.UNKNOWN, "instance unrecognised"


def parse_windows_endpoints(
    records: Iterable[Mapping[str, Any]], default_ids: Mapping[str, str] | None = None
) -> list[Endpoint]:
    """Endpoints from Windows endpoint property values.

    Args:
        records: one mapping per endpoint: ``id`` (endpoint GUID), ``flow`` (``capture`` or
            ``render``), ``state`` (DeviceState) and ``properties`` (property key string →
            value, as stored under ``MMDevices\\Audio\\<flow>\\<id>\\Properties``).
        default_ids: ``{"input": id, "output": id}`` of the default endpoints, if known.
    """
    defaults = dict(default_ids or {})
    result: list[Endpoint] = []
    for record in records:
        if int(record.get("state", WIN_STATE_ACTIVE)) != WIN_STATE_ACTIVE:
            continue
        props = record.get("properties") or {}
        direction = "input" if str(record.get("flow", "")).lower() == "capture" else "output"
        short = str(props.get(PKEY_ENDPOINT_NAME, "")).strip()
        adapter = str(props.get(PKEY_ADAPTER_NAME, "")).strip()
        name = f"{short} ({adapter})" if short and adapter else short or adapter
        raw_form = props.get(PKEY_FORM_FACTOR)
        form = WIN_FORM_FACTORS.get(int(raw_form), "unknown") if raw_form is not None else ""
        bus, evidence = _win_bus(str(props.get(PKEY_INSTANCE_ID, "")), form)
        if form in {"headset", "handset"}:
            headset = True
        elif form in {"speakers", "headphones", "line", "spdif", "display", "digital"}:
            headset = False
        else:
            headset = _name_headset(short, adapter) or (
                bus is Bus.BLUETOOTH and "hands-free" in adapter.lower()
            )
        endpoint_id = str(record.get("id", ""))
        result.append(
            Endpoint(
                id=endpoint_id,
                name=name,
                direction=direction,
                bus=bus,
                headset=headset,
                wireless=False if bus is Bus.VIRTUAL else _wireless_for(bus, adapter),
                is_default=defaults.get(direction) == endpoint_id,
                evidence=f"{evidence}; form factor {form or '-'}",
                aliases=(adapter,) if adapter else (),
            )
        )
    return result


def classify_by_name(name: str, direction: str, is_default: bool = False) -> Endpoint:
    """Last resort when the OS gave no properties: guess from the device name alone."""
    if BLUETOOTH_NAME.search(name):
        bus = Bus.BLUETOOTH
    elif re.search(r"\busb\b", name, re.IGNORECASE):
        bus = Bus.USB
    elif re.search(r"built-?in|internal|macbook|realtek", name, re.IGNORECASE):
        bus = Bus.BUILTIN
    else:
        bus = Bus.UNKNOWN
    return Endpoint(
        id=name,
        name=name,
        direction=direction,
        bus=bus,
        headset=_name_headset(name),
        wireless=_wireless_for(bus, name),
        is_default=is_default,
        evidence="name only",
    )
