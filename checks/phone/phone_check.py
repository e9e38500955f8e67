"""The `phone` check: what phone the agent takes calls on, as the agent declares it.

A corded or cordless (DECT) phone on a phone socket is invisible to a computer, so
``phone.kind`` and ``phone.line`` are the agent's answers, marked *declared* in the report.
What the computer can see — USB/HID telephony devices, Bluetooth phones — is used only to
check the answer: when it contradicts the declaration, the report says so in plain words
and lists the contradiction in ``details["contradictions"]``. Nothing seen replaces an
answer, and no answer means the value stays unknown.

Why cordless phones are refused (published job descriptions of virtual call-center agents,
which usually forbid them): the agent must stay at the desk, and DECT range and radio
interference drop calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deskready.checks.api import (
    AnswerType,
    Category,
    Check,
    CheckContext,
    Choice,
    Measurements,
    Metric,
    MetricType,
    Question,
    Setting,
)
from deskready.checks.i18n import M_, N_, _
from deskready.checks.phone.detect import Detection, collect
from deskready.checks.phone.devices import PhoneDevices

KINDS = ("corded", "cordless", "mobile", "usb_handset", "softphone_only", "none")
LINES = ("landline", "voip", "mobile")

_WHY_NOT_CORDLESS = N_(
    "Most employers do not allow cordless phones. During calls you must stay at your desk, where your computer and notes are. A cordless (DECT) phone lets you walk away, and its calls break up or drop when you move too far from the base or when other radios nearby interfere."
)

KIND_QUESTION = Question(
    id="phone.kind",
    text=N_("Which phone do you use for work calls?"),
    type=AnswerType.CHOICE,
    help=_WHY_NOT_CORDLESS,
    choices=(
        Choice("corded", N_("A phone with a cord between handset and base")),
        Choice("cordless", N_("A cordless phone (the handset has no cord)")),
        Choice("mobile", N_("A mobile phone")),
        Choice("usb_handset", N_("A USB handset or USB phone plugged into this computer")),
        Choice("softphone_only", N_("No phone: I take calls on the computer with my headset")),
        Choice("none", N_("No phone at all")),
    ),
)

LINE_QUESTION = Question(
    id="phone.line",
    text=N_("What kind of phone line do you use for work calls?"),
    type=AnswerType.CHOICE,
    help=N_(
        "Your employer asks which line carries your calls, because some lines drop calls or add delay more often than others. The phone itself matters too: cordless phones are not allowed, because you must stay at your desk and cordless (DECT) calls drop when you move away from the base or when other radios interfere."
    ),
    choices=(
        Choice("landline", N_("A landline from the phone company (a cable into a wall socket)")),
        Choice(
            "voip",
            N_("An internet phone line (VoIP), for example a phone plugged into your router"),
        ),
        Choice("mobile", N_("A mobile phone line")),
    ),
)


class PhoneCheck(Check):
    id = "phone"
    title = N_("Phone")
    category = Category.PHONE
    description = N_("Which phone and phone line you use for calls, as you declare them.")
    metrics = (
        Metric(
            "phone.kind",
            MetricType.CHOICE,
            N_("Phone used for work calls (declared)"),
            choices=KINDS,
            advice=N_(
                "Use the kind of phone your employer allows. Most allow a phone with a cord, or calls on the computer with a wired headset. A cordless or mobile phone is usually not allowed, because calls drop when you move away from your desk."
            ),
            labels={
                "corded": N_("corded phone"),
                "cordless": N_("cordless phone"),
                "mobile": N_("mobile phone"),
                "usb_handset": N_("USB handset"),
                "softphone_only": N_("computer only (softphone)"),
                "none": N_("no phone"),
            },
        ),
        Metric(
            "phone.line",
            MetricType.CHOICE,
            N_("Phone line used for work calls (declared)"),
            choices=LINES,
            advice=N_(
                "Use the kind of phone line your employer asks for. If you are not sure which line you have, your phone bill or your phone company can tell you."
            ),
            labels={
                "landline": N_("landline"),
                "voip": N_("internet phone line (VoIP)"),
                "mobile": N_("mobile network"),
            },
        ),
    )
    questions = (KIND_QUESTION, LINE_QUESTION)
    settings = (
        Setting(
            "ask_line",
            bool,
            False,
            N_("Also ask which phone line (landline, internet/VoIP or mobile) the agent uses."),
        ),
    )
    time_budget_s = 15.0
    order = 10

    @classmethod
    def questions_for(cls, settings: Mapping[str, Any]) -> tuple[Question, ...]:
        if settings.get("ask_line"):
            return (KIND_QUESTION, LINE_QUESTION)
        return (KIND_QUESTION,)

    def run(self, ctx: CheckContext) -> Measurements:
        out = Measurements()
        asked = self.questions_for({"ask_line": ctx.setting("ask_line")})
        for question in asked:
            answer = ctx.answer(question.id)
            value = None if answer is None else str(answer.value)
            out.values[question.id] = value
            if value is not None:
                out.declared.add(question.id)
        ctx.progress(0.2, M_("Looking for phones connected to this computer…"))
        found = collect(ctx.adapter(PhoneDevices))
        out.details.update(found.to_json())
        kind = out.values["phone.kind"]
        contradictions = contradictions_for(kind if isinstance(kind, str) else None, found)
        out.details["contradictions"] = contradictions
        out.messages.extend(c["message"] for c in contradictions)
        if not found.available:
            out.messages.append(
                M_(
                    "This computer gives no way to see connected phones, so your answer is recorded as you gave it."
                )
            )
        elif kind is None:
            out.messages.append(M_("You did not say which phone you use, so it is unknown."))
        return out


def contradictions_for(kind: str | None, found: Detection) -> list[dict[str, Any]]:
    """Where what the computer sees disagrees with the declared ``phone.kind``.

    Each entry: ``declared``, ``detected`` (what kind of device), ``device`` (its name) and
    ``message`` (a translated sentence for the agent and the report).
    """
    if kind is None or not found.available:
        return []
    out: list[dict[str, Any]] = []

    def add(detected: str, device: str, message: str) -> None:
        out.append({"declared": kind, "detected": detected, "device": device, "message": message})

    for phone in found.connected_phones():
        if phone.kind == "cordless" and kind != "cordless":
            add(
                "bluetooth_cordless_phone",
                phone.name,
                M_(
                    'You said you do not use a cordless phone, but a cordless phone called "{device}" is connected to this computer by Bluetooth.',
                    device=phone.name,
                ),
            )
        elif kind in ("corded", "none"):
            add(
                "bluetooth_phone",
                phone.name,
                M_(
                    'You said you use {declared}, but a phone called "{device}" is connected to this computer by Bluetooth. If you take work calls on it, please answer again and choose the phone you really use.',
                    declared=_declared_words(kind),
                    device=phone.name,
                ),
            )
    for device in found.telephony:
        if device.dect and kind in ("corded", "none", "usb_handset"):
            add(
                "dect_base",
                device.name,
                M_(
                    'You said you use {declared}, but "{device}" looks like a cordless (DECT) phone or headset base plugged into this computer.',
                    declared=_declared_words(kind),
                    device=device.name,
                ),
            )
        elif device.phone_like and kind == "none":
            add(
                "usb_phone",
                device.name,
                M_(
                    'You said you have no phone, but a phone or handset called "{device}" is plugged into this computer.',
                    device=device.name,
                ),
            )
    if kind == "usb_handset" and "hid" in found.methods and not found.telephony:
        add(
            "no_usb_handset",
            "",
            M_(
                "You said you use a USB handset or USB phone, but none is plugged into this computer. Plug it in and run the check again."
            ),
        )
    return out


def _declared_words(kind: str) -> str:
    words = {
        "corded": N_("a phone with a cord"),
        "none": N_("no phone"),
        "usb_handset": N_("a USB handset"),
    }
    return _(words.get(kind, kind))
