"""Why audio could not be measured, and the plain words the agent reads for each reason."""

from __future__ import annotations

from enum import StrEnum

from deskready.checks.api import CheckFailed
from deskready.checks.i18n import M_, N_


class AudioErrorKind(StrEnum):
    """Every way the sound system can fail us; each has one plain-language message."""

    NO_PORTAUDIO = "no_portaudio"
    NO_DEVICE = "no_device"
    DEVICE_NOT_FOUND = "device_not_found"
    BUSY = "busy"
    UNPLUGGED = "unplugged"
    UNSUPPORTED_RATE = "unsupported_rate"
    SILENCE = "silence"
    FAILED = "failed"


_MESSAGES: dict[AudioErrorKind, str] = {
    AudioErrorKind.NO_PORTAUDIO: N_(
        "The sound system could not be started on this computer (the PortAudio library is "
        "missing). Reinstall deskready or ask your IT support."
    ),
    AudioErrorKind.NO_DEVICE: N_(
        "No microphone or speaker was found. Plug in your headset and run the test again."
    ),
    AudioErrorKind.DEVICE_NOT_FOUND: N_(
        "The sound device \u201c{device}\u201d was not found. Check that it is plugged in."
    ),
    AudioErrorKind.BUSY: N_(
        "Your sound device is in use by another program. Close calling or meeting apps "
        "(Teams, Zoom, your softphone) and run the test again."
    ),
    AudioErrorKind.UNPLUGGED: N_(
        "The sound device stopped working during the test. Was it unplugged? Plug it back "
        "in and run the test again."
    ),
    AudioErrorKind.UNSUPPORTED_RATE: N_(
        "Your sound device does not accept any of the usual sound formats. Try another "
        "USB port or another headset."
    ),
    AudioErrorKind.SILENCE: N_(
        "No sound from your microphone \u2014 is it muted or the wrong device?"
    ),
    AudioErrorKind.FAILED: N_("The sound device reported a problem: {detail}"),
}


class AudioError(Exception):
    """A sound-system failure of a known kind (raised by the adapters, mapped by checks).

    Attributes:
        kind: which failure it is.
        detail: technical detail for the log (and for ``FAILED``, the message).
        device: the device name involved, if any.
    """

    def __init__(self, kind: AudioErrorKind, detail: str = "", device: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else str(kind))
        self.kind = kind
        self.detail = detail
        self.device = device

    def message(self) -> str:
        """The translated sentence shown to the agent."""
        return M_(_MESSAGES[self.kind], device=self.device, detail=self.detail)


def check_failed(error: AudioError) -> CheckFailed:
    """The :class:`CheckFailed` a check raises for ``error`` (keeps the cause chained)."""
    failed = CheckFailed(error.message())
    failed.__cause__ = error
    return failed
