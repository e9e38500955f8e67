"""Reading HID report descriptors: which top-level collections a device declares.

A USB (or Bluetooth) phone, handset or call-control headset announces itself in its report
descriptor with an application collection on the Telephony usage page (0x0B). That is the
only part of a phone a computer can see; everything else is the agent's declaration.

Source: USB HID Usage Tables 1.4, section 14 "Telephony Device Page" (usages 0x01 Phone,
0x02 Answering Machine, 0x03 Message Controls, 0x04 Handset, 0x05 Headset, 0x06 Telephony
Key Pad, 0x07 Programmable Button; 0x20 Hook Switch) and the HID 1.11 item format
(section 6.2.2: short items, long items, global/local/main tags).
"""

from __future__ import annotations

from dataclasses import dataclass

TELEPHONY_PAGE = 0x0B

#: Telephony application collections we tell apart (HUT 1.4, section 14).
TELEPHONY_USAGES = {
    0x01: "phone",
    0x02: "answering_machine",
    0x03: "message_controls",
    0x04: "handset",
    0x05: "headset",
    0x06: "keypad",
    0x07: "programmable_button",
}

#: Usages that mean "a phone or handset", not just a headset with call buttons.
PHONE_LIKE_USAGES = frozenset({0x01, 0x02, 0x04, 0x06})

# Item types (HID 1.11, 6.2.2.2) and the tags we act on.
_MAIN, _GLOBAL, _LOCAL = 0, 1, 2
_TAG_COLLECTION, _TAG_END_COLLECTION = 0xA, 0xC
_TAG_USAGE_PAGE, _TAG_PUSH, _TAG_POP = 0x0, 0xA, 0xB
_TAG_USAGE = 0x0
_APPLICATION = 0x01
_LONG_ITEM = 0xFE


@dataclass(frozen=True)
class Collection:
    """A top-level application collection: usage page and usage."""

    page: int
    usage: int

    @property
    def is_telephony(self) -> bool:
        return self.page == TELEPHONY_PAGE

    @property
    def telephony_kind(self) -> str | None:
        """``handset``, ``headset``, ``phone``… for a telephony collection, else None."""
        if not self.is_telephony:
            return None
        return TELEPHONY_USAGES.get(self.usage, f"telephony_0x{self.usage:02x}")


def application_collections(descriptor: bytes) -> list[Collection]:
    """The top-level application collections a report descriptor declares, in order.

    Tolerant by design: a truncated or malformed descriptor yields what was read before
    the damage (descriptors recovered from Windows or cut in logs are often incomplete).
    """
    found: list[Collection] = []
    page = 0
    page_stack: list[int] = []
    usages: list[tuple[int, int]] = []  # (page, usage) of pending local usages
    depth = 0
    pos = 0
    size_of = (0, 1, 2, 4)
    while pos < len(descriptor):
        prefix = descriptor[pos]
        if prefix == _LONG_ITEM:
            if pos + 1 >= len(descriptor):
                break
            pos += 3 + descriptor[pos + 1]  # prefix, size, long tag, data
            continue
        size = size_of[prefix & 0x3]
        kind = (prefix >> 2) & 0x3
        tag = prefix >> 4
        if pos + 1 + size > len(descriptor):
            break  # truncated item
        data = int.from_bytes(descriptor[pos + 1 : pos + 1 + size], "little")
        pos += 1 + size
        if kind == _GLOBAL:
            if tag == _TAG_USAGE_PAGE:
                page = data
            elif tag == _TAG_PUSH:
                page_stack.append(page)
            elif tag == _TAG_POP and page_stack:
                page = page_stack.pop()
        elif kind == _LOCAL:
            if tag == _TAG_USAGE:
                # A 4-byte usage carries its own page in the high 16 bits.
                usages.append((data >> 16, data & 0xFFFF) if size == 4 else (page, data))
        elif kind == _MAIN:
            if tag == _TAG_COLLECTION:
                if depth == 0 and data == _APPLICATION and usages:
                    found.append(Collection(*usages[0]))
                depth += 1
            elif tag == _TAG_END_COLLECTION:
                depth = max(0, depth - 1)
            usages = []  # local items apply to the next main item only
    return found


def telephony_collections(descriptor: bytes) -> list[Collection]:
    """Only the Telephony (page 0x0B) application collections."""
    return [c for c in application_collections(descriptor) if c.is_telephony]
