"""What keeps the hub's HTTP API safe from its clients: problem details, body caps and read
timeouts, rate limits, and the admin's signed session cookie with CSRF tokens.

Why each piece (issue 15 §5, docs/hub.md "API and security"):

- **Problem details** (RFC 9457): every error, whatever raised it, is
  ``application/problem+json`` with ``type``, ``title``, ``status`` and ``detail``. Client
  input never causes a 500; the last-resort handler logs the exception and answers a 500
  that says nothing about the hub's insides.
- **Body caps and read timeouts** (:class:`BodyLimitMiddleware`): an ASGI middleware, so it
  sees the body before FastAPI buffers it. A ``Content-Length`` over the cap is refused at
  once (413); a chunked body is counted as it arrives. Every ``receive()`` is bounded by
  ``asyncio.wait_for`` with a deadline of :data:`BODY_GRACE_S` + expected bytes /
  :data:`MIN_BODY_RATE_BPS` (and at most the idle timeout per chunk), so a client sending
  one byte per second is cut off with 408 within seconds, not minutes.
- **Rate limits** (:class:`TokenBuckets`): token buckets per address on every endpoint and
  per invite on the endpoints that name one. Kept in memory per process (fast; the
  default) or in the ``rate_buckets`` table (:class:`DbBuckets`) so several hub
  processes share them.
- **Admin sessions**: an HMAC-signed cookie (HttpOnly, SameSite=Lax, Secure when the
  public URL is https) that carries the admin's id, its expiry and a CSRF token; every
  state-changing form carries that token (synchronizer token pattern: the server compares
  the form's token with the one inside the signed cookie). The sign-in form itself, before
  any session exists, uses a double-submit token (a random cookie and the same value in
  the form).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import math
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deskready.checks.i18n import _
from deskready.hub.models import RateBucket

log = logging.getLogger("deskready.hub")

PROBLEM_TYPE = "application/problem+json"
#: the ``type`` of every problem the hub answers: RFC 9457 §4.2.1, "about:blank" means
#: "the status code says it all"; ``title`` is then the status phrase in words
PROBLEM_TYPE_URI = "about:blank"

#: the largest body of a request that is not a report (JSON invites, sign-in, admin forms)
SMALL_BODY_MAX_BYTES = 4 * 1024
#: seconds every body gets before its rate counts (a slow start, TLS proxies buffering)
BODY_GRACE_S = 5.0
#: the slowest body the hub waits for, in bytes per second, beyond the grace period: a
#: 2 MiB report at 16 KiB/s takes 2 minutes; one byte per second is cut off after 5 s
MIN_BODY_RATE_BPS = 16 * 1024


# -- problem details ----------------------------------------------------------------------


class Problem(HTTPException):
    """An error the hub answers as a problem detail (title and detail in words)."""

    def __init__(
        self, status: int, title: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.title = title


def problem_response(
    status: int, title: str, detail: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """An RFC 9457 problem-details response."""
    return JSONResponse(
        {"type": PROBLEM_TYPE_URI, "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type=PROBLEM_TYPE,
        headers=dict(headers) if headers else None,
    )


def status_title(status: int) -> str:
    """The title of a problem with this status when nothing more specific is known."""
    titles = {
        400: _("Bad request"),
        401: _("Not signed in"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        408: _("Request timeout"),
        409: _("Conflict"),
        410: _("Gone"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        422: _("Unprocessable request"),
        429: _("Too many requests"),
        500: _("Internal error"),
    }
    return titles.get(status, _("Error"))


# -- body caps and read timeouts ----------------------------------------------------------


def _body_deadline(expected: int) -> float:
    """Seconds a body of ``expected`` bytes may take to arrive in full."""
    return BODY_GRACE_S + expected / MIN_BODY_RATE_BPS


class BodyLimitMiddleware:
    """Caps every request body and bounds the time it takes to arrive (413, 408).

    ``limit_for(path)`` gives the cap of a path; ``idle_timeout_s`` bounds each wait for the
    next chunk on top of the whole body's deadline.
    """

    def __init__(
        self, app: ASGIApp, *, limit_for: Callable[[str], int], idle_timeout_s: float
    ) -> None:
        self.app = app
        self.limit_for = limit_for
        self.idle_timeout_s = idle_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        declared: int | None = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value.decode("latin-1"))
                except ValueError:
                    declared = -1
        if declared is not None and declared < 0:
            await _send_problem(send, 400, _("Bad request"), _("Content-Length is not a number."))
            return
        if declared is not None and declared > limit:
            await _send_problem(send, 413, status_title(413), _too_large(limit))
            return
        expected = limit if declared is None else declared
        started = time.monotonic()
        deadline = started + _body_deadline(expected)
        received = 0
        idle = self.idle_timeout_s
        body_done = False

        async def bounded_receive() -> Message:
            nonlocal received, body_done
            if body_done:
                # The body has arrived; what follows is the wait for the client to go away
                # (a streamed answer listens for ``http.disconnect``), which may last as long
                # as the answer does. Bounding it would cut a long export off with a 408.
                return await receive()
            remaining = min(deadline - time.monotonic(), idle)
            if remaining <= 0:
                raise Problem(408, status_title(408), _too_slow())
            try:
                message = await asyncio.wait_for(receive(), timeout=remaining)
            except TimeoutError:
                raise Problem(408, status_title(408), _too_slow()) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise Problem(413, status_title(413), _too_large(limit))
                body_done = not message.get("more_body", False)
            return message

        started_response = False

        async def tracking_send(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except Problem as exc:
            if started_response:
                raise
            await _send_problem(send, exc.status_code, exc.title, str(exc.detail))


def _too_large(limit: int) -> str:
    return _("The request body is larger than this hub accepts ({limit} bytes).").format(
        limit=limit
    )


def _too_slow() -> str:
    return _("The request body arrived too slowly; the hub stopped waiting for it.")


async def _send_problem(send: Send, status: int, title: str, detail: str) -> None:
    body = json.dumps(
        {"type": PROBLEM_TYPE_URI, "title": title, "status": status, "detail": detail}
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# -- rate limits --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A token bucket's shape: ``burst`` requests at once, refilled at ``per_minute``."""

    per_minute: float
    burst: float

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


class TokenBuckets(Protocol):
    """Takes one token from a named bucket; the seconds to wait when it is empty."""

    def take(self, key: str, rate: Rate) -> float:
        """0 when the request may go on, else the seconds until a token is back."""


def _refill(tokens: float, elapsed: float, rate: Rate) -> float:
    return min(rate.burst, tokens + max(0.0, elapsed) * rate.per_second)


def _wait_for_token(tokens: float, rate: Rate) -> float:
    return (1.0 - tokens) / rate.per_second if rate.per_second > 0 else math.inf


#: buckets a process keeps in memory before it forgets the oldest (bounded memory against
#: a flood of addresses)
MAX_MEMORY_BUCKETS = 100_000


class MemoryBuckets:
    """Token buckets in this process's memory: fast, but each process counts alone."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate: Rate) -> float:
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (rate.burst, now))
            tokens = _refill(tokens, now - at, rate)
            if len(self._buckets) >= MAX_MEMORY_BUCKETS:
                self._buckets.pop(next(iter(self._buckets)))
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return _wait_for_token(tokens, rate)


#: PostgreSQL: take one token in one statement. The refill is computed from the stored row
#: (``LEAST(burst, tokens + elapsed × rate)``); the row is written only when a token is
#: there to take, so an empty bucket is left as it is (its refill goes on from the same
#: point, which gives the same tokens later as writing the refill now would).
#: RETURNING a row: taken (or a new bucket, full but for this request's token).
_PG_TAKE = text(
    """
INSERT INTO rate_buckets AS b (key, tokens, updated_at)
VALUES (:key, CAST(:burst AS double precision) - 1, :now)
ON CONFLICT (key) DO UPDATE SET
    tokens = LEAST(:burst, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (:now - b.updated_at)))
                                       * :per_second) - 1,
    updated_at = :now
WHERE LEAST(:burst, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (:now - b.updated_at)))
                               * :per_second) >= 1
RETURNING b.tokens
"""
)


class DbBuckets:
    """Token buckets in the ``rate_buckets`` table, shared by every hub process.

    On PostgreSQL one autocommitted ``INSERT … ON CONFLICT … DO UPDATE … WHERE … RETURNING``
    per request and bucket: one round trip, the row lock held for that statement only
    (an empty bucket costs one more read, for its ``Retry-After``). On SQLite, one short
    transaction (SQLite serialises writers anyway).
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        bind = sessions.kw.get("bind")
        self._engine: Engine | None = None
        if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
            # A pool of its own: a request thread takes its invite's bucket while it holds
            # a connection of the hub's pool (intake reads the session first), so on that
            # pool 16 capped threads could need 32 connections and wait for each other's.
            # These connections are held for one statement each and never wait on anything.
            from deskready.hub.db import BUCKET_POOL_OVERFLOW, BUCKET_POOL_SIZE, make_engine

            own = make_engine(
                bind.url.render_as_string(hide_password=False),
                pool_size=BUCKET_POOL_SIZE,
                max_overflow=BUCKET_POOL_OVERFLOW,
            )
            self._engine = own.execution_options(isolation_level="AUTOCOMMIT")

    def take(self, key: str, rate: Rate) -> float:
        if self._engine is not None:
            return self._take_postgresql(self._engine, key, rate)
        for _attempt in range(2):  # a concurrent first insert of the same key: once more
            with self._sessions() as db:
                moment = datetime.now(UTC)
                row = db.scalar(select(RateBucket).where(RateBucket.key == key).with_for_update())
                if row is None:
                    row = RateBucket(key=key, tokens=rate.burst, updated_at=moment)
                    db.add(row)
                    elapsed = 0.0
                else:
                    elapsed = (moment - _aware(row.updated_at)).total_seconds()
                tokens = _refill(row.tokens, elapsed, rate)
                wait = 0.0 if tokens >= 1.0 else _wait_for_token(tokens, rate)
                row.tokens = tokens - 1.0 if wait == 0.0 else tokens
                row.updated_at = moment
                try:
                    db.commit()
                except IntegrityError:
                    db.rollback()
                    continue
                return wait
        return 0.0

    @staticmethod
    def _take_postgresql(engine: Engine, key: str, rate: Rate) -> float:
        if rate.burst < 1.0:  # a bucket that never holds a whole token refuses everything
            return _wait_for_token(max(0.0, rate.burst), rate)
        moment = datetime.now(UTC)
        params = {"key": key, "burst": rate.burst, "per_second": rate.per_second, "now": moment}
        with engine.connect() as connection:
            if connection.execute(_PG_TAKE, params).first() is not None:
                return 0.0
            row = connection.execute(
                select(RateBucket.tokens, RateBucket.updated_at).where(RateBucket.key == key)
            ).first()
        if row is None:  # gone since (the table is swept): as a full bucket would be
            return 0.0
        elapsed = (moment - _aware(row.updated_at)).total_seconds()
        tokens = _refill(row.tokens, elapsed, rate)
        return 0.0 if tokens >= 1.0 else _wait_for_token(tokens, rate)


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def rate_limited(wait: float) -> Problem:
    """The 429 for a bucket that is empty for ``wait`` more seconds."""
    seconds = max(1, math.ceil(min(wait, 3600.0)))
    return Problem(
        429,
        status_title(429),
        _("Too many requests; try again in {seconds} s.").format(seconds=seconds),
        headers={"Retry-After": str(seconds)},
    )


def client_address(request: Request) -> str:
    """The client's address as the ASGI server saw it (``--proxy-headers`` behind a proxy)."""
    return request.client.host if request.client is not None else "unknown"


# -- signed cookies and CSRF --------------------------------------------------------------

SESSION_COOKIE = "deskready_hub_session"
LOGIN_CSRF_COOKIE = "deskready_hub_login_csrf"
#: how long an admin stays signed in without signing in again
ADMIN_SESSION_S = 8 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CookieSigner:
    """HMAC-SHA256 signed, expiring JSON values for cookies."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def dumps(self, value: dict[str, Any]) -> str:
        body = _b64(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        mac = hmac.new(self._secret, body.encode("ascii"), hashlib.sha256).digest()
        return f"{body}.{_b64(mac)}"

    def loads(self, token: str | None, *, now: float | None = None) -> dict[str, Any] | None:
        """The value if the signature matches and it has not expired (``exp``), else None."""
        if not token or len(token) > 4096 or token.count(".") != 1:
            return None
        body, mac = token.split(".")
        expected = hmac.new(self._secret, body.encode("ascii", "replace"), hashlib.sha256)
        try:
            if not hmac.compare_digest(_unb64(mac), expected.digest()):
                return None
            value = json.loads(_unb64(body))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(value, dict):
            return None
        expires = value.get("exp")
        if not isinstance(expires, int | float) or expires < (now or time.time()):
            return None
        return value


def cookie_secret_from_key(raw_private: bytes) -> bytes:
    """The cookie secret, derived from the signing key: every process that shares the key
    shares the secret, and nothing more has to be configured or kept."""
    return hmac.new(raw_private, b"deskready hub admin cookie v1", hashlib.sha256).digest()


def new_csrf_token() -> str:
    """A CSRF token: 128 random bits."""
    return secrets.token_urlsafe(16)


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of a form's token with the expected one."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


AsyncHandler = Callable[[Request], Awaitable[Response]]
