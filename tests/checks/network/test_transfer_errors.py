"""Every transfer failure gets its own sentence, naming the server, without raw errno text."""

from __future__ import annotations

import errno
import http.client
import re
import socket

import pytest

from deskready.checks.network import transfer_errors as te


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (te.RequestTimeout(4.0), "did not finish answering within 4"),
        (te.BodyTooLong(100), "far longer answer"),
        (te.BodyCutShort(10, 20), "announced 20 bytes and sent 10"),
        (socket.gaierror(socket.EAI_NONAME, "x"), "could not be looked up"),
        (te.HttpStatusError(403, "Forbidden"), "refused the test (HTTP 403)"),
        (te.HttpStatusError(500, "Oops"), "answered with an error (HTTP 500)"),
        (ConnectionRefusedError(), "refused the connection"),
        (ConnectionResetError(), "was cut off"),
        (http.client.IncompleteRead(b""), "was cut off"),
        (TimeoutError(), "stopped answering"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "not connected to the internet"),
        (http.client.BadStatusLine("x"), "makes no sense"),
        (OSError(errno.EPERM, "Operation not permitted"), "failed: Operation not permitted"),
    ],
)
def test_describe(exc: BaseException, words: str) -> None:
    message = te.describe(exc, "srv.example")
    assert words in message
    assert "srv.example" in message
    assert "Errno" not in message


def test_a_transfer_error_is_its_own_sentence() -> None:
    assert te.describe(te.TransferError("Already worded."), "srv") == "Already worded."


def test_every_request_error_is_described() -> None:
    # what the transport can raise is exactly what describe() has words for
    for kind in te.REQUEST_ERRORS:
        assert issubclass(kind, BaseException)
    assert te.RequestTimeout in te.REQUEST_ERRORS
    assert te.BodyCutShort in te.REQUEST_ERRORS


def test_progress_messages_say_the_server_is_at_fault_and_nothing_was_measured() -> None:
    slow = te.no_progress("srv", 16, 4)
    assert "less than 16 kbit/s for 4 seconds" in slow
    assert "not measured" in slow
    lie = te.confirmed_too_little("srv", 10, 1000)
    assert re.search(r"10 bytes of an upload of 1\D?000 bytes", lie), lie
    assert "stopped sending data for 4 seconds" in te.stalled("srv", 4.0)
    assert "stopped taking uploaded data for 4 seconds" in te.stalled("srv", 4.0, upload=True)
    assert "confirmed none of the uploaded data" in te.no_data("srv", upload=True)
    assert "max_seconds" in te.too_little_time(3.0)
