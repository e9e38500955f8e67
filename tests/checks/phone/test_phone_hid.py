"""HID report descriptors: telephony collections found in real descriptors, and only there."""

from __future__ import annotations

import pytest

from deskready.checks.phone.hid import Collection, application_collections, telephony_collections

from .conftest import descriptor


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("anker_powerconf_291a_3301.bin", ["headset"]),
        ("plantronics_blackwire_3220_047f_c056_telephony_partial.bin", ["headset"]),
    ],
)
def test_real_telephony_descriptors_are_found(name, kinds):
    found = telephony_collections(descriptor(name))
    assert [c.telephony_kind for c in found] == kinds


def test_powerconf_lists_consumer_then_telephony_collection():
    assert application_collections(descriptor("anker_powerconf_291a_3301.bin")) == [
        Collection(0x0C, 0x01),
        Collection(0x0B, 0x05),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "keyboard_boot_hid111_e6.bin",
        "mouse_kernel_hidintro.bin",
        "keyboard_mouse_combo_receiver.bin",
        "microsoft_gamepad_045e_02ff.bin",
        "plantronics_blackwire_3220_047f_c056_consumer_partial.bin",
    ],
)
def test_keyboards_mice_and_other_collections_do_not_match(name):
    assert telephony_collections(descriptor(name)) == []
    assert application_collections(descriptor(name))  # but they do parse


def test_combo_receiver_has_keyboard_and_mouse():
    found = application_collections(descriptor("keyboard_mouse_combo_receiver.bin"))
    assert found == [Collection(0x01, 0x06), Collection(0x01, 0x02)]


def test_nested_collections_are_not_top_level():
    # Mouse: Application(Mouse) > Physical(Pointer); the pointer is not a second device.
    assert application_collections(descriptor("mouse_kernel_hidintro.bin")) == [
        Collection(0x01, 0x02)
    ]


def test_extended_usage_carries_its_own_page():
    # Usage Page (Generic Desktop), then a 4-byte usage 0x000B0004 (Telephony Handset).
    data = bytes([0x05, 0x01, 0x0B, 0x04, 0x00, 0x0B, 0x00, 0xA1, 0x01, 0xC0])
    assert [c.telephony_kind for c in telephony_collections(data)] == ["handset"]


def test_push_pop_restore_the_usage_page():
    data = bytes([0x05, 0x0B, 0xA4, 0x05, 0x01, 0xB4, 0x09, 0x04, 0xA1, 0x01, 0xC0])
    assert telephony_collections(data) == [Collection(0x0B, 0x04)]


@pytest.mark.parametrize("cut", [1, 3, 5, 7, 20])
def test_truncated_or_garbage_input_never_raises(cut):
    data = descriptor("anker_powerconf_291a_3301.bin")
    application_collections(data[:cut])
    application_collections(bytes([0xFE, 0x10]))  # long item running off the end
    application_collections(b"\xff" * 9)
