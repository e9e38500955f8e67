"""One deadline for a whole network conversation, not one per socket operation.

``http.client`` and ``smtplib`` apply their ``timeout`` to each ``connect``, ``send`` and
``recv`` separately, so a receiver or relay that drips one byte just inside the timeout
keeps a sender busy for as long as it likes (a "slowloris" answer). :func:`cut_off_after`
starts a timer that shuts the socket down when the deadline passes: a blocked ``recv``
then returns at once (``shutdown(2)`` wakes it, unlike ``close``), the library raises its
usual error, and the caller records the attempt as timed out.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from deskready.checks.i18n import _


@dataclass
class Cutoff:
    """Whether the deadline passed (the error the library raised is then the cut's)."""

    fired: bool = False


@contextlib.contextmanager
def cut_off_after(
    seconds: float, socket_of: Callable[[], socket.socket | None]
) -> Iterator[Cutoff]:
    """Shut down ``socket_of()`` (read when the deadline passes) after ``seconds``."""
    cutoff = Cutoff()

    def cut() -> None:
        cutoff.fired = True
        sock = socket_of()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield cutoff
    finally:
        timer.cancel()


def timed_out(seconds: float) -> str:
    """The delivery log's words for a conversation cut off at its deadline."""
    return _("no complete answer within {seconds} s").format(seconds=f"{seconds:g}")
