"""What can go wrong in a speed-test transfer, and the sentence the agent reads for each.

Every message of the HTTP transfer code lives here, so the wording is reviewed (and
translated) in one place and the transport code only says *what* happened. The exceptions
carry facts (server, status, byte counts); :func:`describe` turns any failure into one
translated sentence that names the server.
"""

from __future__ import annotations

import errno
import http.client
import socket
import ssl

from deskready.checks.i18n import M_


class TransferError(Exception):
    """A measurement failed; ``str(exc)`` is a translated sentence for the agent."""


class HttpStatusError(Exception):
    """The server answered with a status other than 200."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP {status} {reason}")
        self.status = status
        self.reason = reason


class RequestTimeout(Exception):
    """One request did not finish within its wall-clock bound (headers and body included).

    A per-read socket timeout cannot catch a server that sends one byte a second; this
    is raised when the whole request outlived ``seconds``.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"request took longer than {seconds:.1f} s")
        self.seconds = seconds


class BodyTooLong(Exception):
    """A small answer (a page, a latency reply) was longer than any real one can be."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body longer than {limit} bytes")
        self.limit = limit


class BodyCutShort(Exception):
    """The server ended an answer before the length its Content-Length header announced."""

    def __init__(self, got: int, announced: int) -> None:
        super().__init__(f"body ended after {got} of {announced} bytes")
        self.got = got
        self.announced = announced


class ServerSilent(Exception):
    """The server accepted the TCP connection and then did not answer a request.

    The connection itself proves the agent's line reaches the server, so this is the
    server's (a full queue, a connection limit), not "your connection may have dropped".
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer within {seconds:.1f} s on an open connection")
        self.seconds = seconds


#: Everything one HTTP request can raise that :func:`describe` has a sentence for.
REQUEST_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    http.client.HTTPException,
    HttpStatusError,
    RequestTimeout,
    BodyTooLong,
    BodyCutShort,
    ServerSilent,
)


def describe(exc: BaseException, server: str) -> str:
    """A plain-language sentence for a network failure while talking to ``server``."""
    if isinstance(exc, TransferError):
        return str(exc)
    if isinstance(exc, RequestTimeout):
        return request_too_slow(server, exc.seconds)
    if isinstance(exc, ServerSilent):
        return M_(
            "The speed test server {server} accepted the connection but did not answer "
            "within {seconds} seconds. Your connection reached it, so the server is busy "
            "or not working properly; try again later, or ask your employer which server "
            "to use.",
            server=server,
            seconds=round(exc.seconds, 1),
        )
    if isinstance(exc, BodyTooLong):
        return M_(
            "The speed test server {server} sent a far longer answer than the test asked "
            "for. It is not working properly; ask your employer which server to use.",
            server=server,
        )
    if isinstance(exc, BodyCutShort):
        return M_(
            "The speed test server {server} ended an answer early (it announced {announced} "
            "bytes and sent {got}). The server or the path to it is not working properly.",
            server=server,
            announced=exc.announced,
            got=exc.got,
        )
    if isinstance(exc, socket.gaierror):
        return M_(
            "The address of the speed test server ({server}) could not be looked up. "
            "Check that you are connected to the internet.",
            server=server,
        )
    if isinstance(exc, HttpStatusError):
        if exc.status in {401, 403}:
            return M_(
                "The speed test server {server} refused the test (HTTP {status}). "
                "Ask your employer which server to use.",
                server=server,
                status=exc.status,
            )
        return M_(
            "The speed test server {server} answered with an error (HTTP {status}).",
            server=server,
            status=exc.status,
        )
    if isinstance(exc, ConnectionRefusedError):
        return M_("The speed test server {server} refused the connection.", server=server)
    if isinstance(
        exc,
        ConnectionResetError
        | BrokenPipeError
        | ConnectionAbortedError
        | http.client.RemoteDisconnected
        | http.client.IncompleteRead,
    ):
        return M_(
            "The connection to the speed test server {server} was cut off during the test. "
            "Try again; if it keeps happening, restart your router.",
            server=server,
        )
    if isinstance(exc, TimeoutError):
        return M_(
            "The speed test server {server} stopped answering. "
            "Your connection may have dropped; try again.",
            server=server,
        )
    if isinstance(exc, ssl.SSLError):
        return M_("A secure connection to {server} could not be set up.", server=server)
    if isinstance(exc, OSError) and exc.errno in {
        errno.ENETUNREACH,
        errno.EHOSTUNREACH,
        errno.ENETDOWN,
        errno.EADDRNOTAVAIL,
    }:
        return M_(
            "Your computer is not connected to the internet (no route to {server}). "
            "Connect to your network and try again.",
            server=server,
        )
    if isinstance(exc, http.client.HTTPException):
        return M_(
            "The speed test server {server} sent an answer that makes no sense.", server=server
        )
    return M_(
        "The speed test with {server} failed: {error}",
        server=server,
        error=exc.strerror if isinstance(exc, OSError) and exc.strerror else exc,
    )


def request_too_slow(server: str, seconds: float) -> str:
    """One request (page, list, latency reply) outlived its wall-clock bound."""
    return M_(
        "The speed test server {server} did not finish answering within {seconds} seconds. "
        "The server or the path to it is not working properly, so the speed was not "
        "measured.",
        server=server,
        seconds=round(seconds, 1),
    )


def stalled(server: str, seconds: float, upload: bool = False) -> str:
    """No byte moved for ``seconds`` (an upload: the server stopped reading)."""
    if upload:
        return M_(
            "The speed test server {server} stopped taking uploaded data for {seconds} seconds.",
            server=server,
            seconds=round(seconds),
        )
    return M_(
        "The speed test server {server} stopped sending data for {seconds} seconds.",
        server=server,
        seconds=round(seconds),
    )


def stream_not_served(server: str, streams: int, seconds: float) -> str:
    """One parallel connection got nothing while the others moved data: a server limit."""
    return M_(
        "The speed test server {server} did not serve one of the {streams} connections "
        "the test opens at once for {seconds} seconds, while the others moved data. Your "
        "connection works; the server is busy or limits connections, so the speed was not "
        "measured. Try again later, or ask your employer which server to use.",
        server=server,
        streams=streams,
        seconds=round(seconds),
    )


def no_progress(server: str, kbps: float, seconds: float) -> str:
    """Data trickles below the floor rate: a broken server or path, not a slow line."""
    return M_(
        "The speed test server {server} moved data at less than {kbps} kbit/s for "
        "{seconds} seconds. No working internet connection is that slow, so the server or "
        "the path to it is at fault and the speed was not measured. Try again later, or ask "
        "your employer which server to use.",
        server=server,
        kbps=round(kbps),
        seconds=round(seconds),
    )


def no_data(server: str, upload: bool = False) -> str:
    """A phase ended without a single counted byte."""
    if upload:
        return M_(
            "The speed test server {server} confirmed none of the uploaded data.", server=server
        )
    return M_("The speed test server {server} sent no data.", server=server)


def not_confirmed(server: str) -> str:
    """An upload reply without a usable ``size=`` count."""
    return M_("The speed test server {server} did not confirm the uploaded data.", server=server)


def confirmed_too_little(server: str, confirmed: int, sent: int) -> str:
    """The server says it received far less than was sent: it cannot be trusted."""
    return M_(
        "The speed test server {server} said it received {confirmed} bytes of an upload of "
        "{sent} bytes. Its answers cannot be trusted, so the upload speed was not measured; "
        "ask your employer which server to use.",
        server=server,
        confirmed=confirmed,
        sent=sent,
    )


def too_little_time(seconds: float) -> str:
    """``max_seconds`` (or the budget) leaves no time for a meaningful phase."""
    return M_(
        "The speed test needs more time than the {seconds} seconds it was given; "
        "set max_seconds higher.",
        seconds=round(seconds, 1),
    )
