"""The hub's HTTP API (docs/hub-protocol.md §1, §2, §3, §5) and its pages (verify, join,
sign-in, admin), as one FastAPI app: :func:`create_app`.

Every error is an RFC 9457 problem detail; every body is capped and bounded in time; every
endpoint is rate limited per address, and per invite where one is named
(:mod:`deskready.hub.security`). The OpenAPI document is at ``/api/openapi.json``.
"""

from __future__ import annotations

import hashlib
import importlib
import ipaddress
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Protocol
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from deskready import __version__
from deskready.checks.i18n import _
from deskready.hub import intake as intake_module
from deskready.hub.config import HubConfig
from deskready.hub.db import POOL_SIZE, make_engine, session_factory, utc
from deskready.hub.db import now as utc_now
from deskready.hub.intake import Intake, Refused, SpecCache
from deskready.hub.models import MeasureSession, SpecFile
from deskready.hub.security import (
    SMALL_BODY_MAX_BYTES,
    BodyLimitMiddleware,
    CookieSigner,
    DbBuckets,
    MemoryBuckets,
    Problem,
    Rate,
    TokenBuckets,
    client_address,
    cookie_secret_from_key,
    problem_response,
    rate_limited,
    status_title,
)
from deskready.registry import CheckRegistry, discover_checks
from deskready.trust.keys import key_id as key_id_of

log = logging.getLogger("deskready.hub")

API = "/api/v1"
REPORT_PATH_SUFFIX = "/report"
#: seconds ``/api/v1/info`` reuses the key list it read (a key rotated in by another
#: process is listed within this time; the process's own new key at once)
PUBLIC_KEYS_CACHE_S = 5.0


class Keys(Protocol):
    """What the API needs of :class:`deskready.hub.keyring.Keyring`."""

    def signing_key(self) -> Ed25519PrivateKey: ...

    def key_id(self) -> str: ...


class StaticKeys:
    """A fixed signing key (tests, benchmarks): what :class:`Keyring` is, without a file."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key

    def signing_key(self) -> Ed25519PrivateKey:
        return self.key

    def key_id(self) -> str:
        return key_id_of(self.key.public_key())


# -- models (the OpenAPI document) --------------------------------------------------------


class ProblemDetail(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = Field(examples=["about:blank"])
    title: str
    status: int
    detail: str


class HubInfo(BaseModel):
    name: str
    version: str
    key_id: str = Field(description="The key the hub signs with now.")
    public_keys: dict[str, str] = Field(
        description="Key id → base64 of the raw Ed25519 public key, rotated-out keys included."
    )


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invite: str = Field(min_length=1, max_length=200, description="The invite code.")


class SpecRef(BaseModel):
    name: str
    sha256: str
    url: str


class Endpoints(BaseModel):
    librespeed: str
    stun: str
    stun_username: str


class JoinResponse(BaseModel):
    session: str
    nonce: str
    agent_id: str
    spec: SpecRef
    key_id: str
    expires_at: str
    endpoints: Endpoints


class Signature(BaseModel):
    keyid: str
    sig: str


class Envelope(BaseModel):
    payloadType: str
    payload: str
    signatures: list[Signature]


class SubmitResponse(BaseModel):
    report_id: str
    verify_url: str
    attestation: Envelope
    observed: dict[str, Any]
    disputed: list[str]


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses an operation may give."""
    common = (400, 408, 413, 422, 429)
    return {
        status: {
            "model": ProblemDetail,
            "description": status_title(status),
            "content": {"application/problem+json": {}},
        }
        for status in sorted({*common, *statuses})
    }


# -- app ----------------------------------------------------------------------------------


@dataclass
class HubState:
    """What every request handler shares."""

    config: HubConfig
    sessions: sessionmaker[Session]
    keys: Keys
    buckets: TokenBuckets
    intake: Intake
    signer: CookieSigner
    address_rate: Rate
    invite_rate: Rate
    login_rate: Rate

    def limit_login(self, request: Request) -> None:
        wait = self.buckets.take(f"login:{client_address(request)}", self.login_rate)
        if wait > 0:
            raise rate_limited(wait)

    def limit_invite(self, key: str) -> None:
        wait = self.buckets.take(f"invite:{key}", self.invite_rate)
        if wait > 0:
            raise rate_limited(wait)


def _summariser() -> intake_module.Summarise:
    """``deskready.hub.measure.summarise`` (hub-measure) where it exists; else nothing
    observed (every figure stays self-reported)."""
    for name in ("deskready.hub.measure", "deskready.hub.measure.record"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        found = getattr(module, "summarise", None)
        if callable(found):
            return found  # type: ignore[no-any-return]
    return lambda _db, _session: {}


def source_of(address: str) -> dict[str, str]:
    """The source address class the hub keeps: family and /24 or /48 prefix."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return {"family": "unknown", "prefix": ""}
    if ip.version == 4:
        return {"family": "ipv4", "prefix": str(ipaddress.ip_network(f"{ip}/24", strict=False))}
    return {"family": "ipv6", "prefix": str(ipaddress.ip_network(f"{ip}/48", strict=False))}


class _AddressLimit:
    """Per-address token bucket on every request (ASGI, before any body is read)."""

    def __init__(self, app: ASGIApp, state: HubState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            address = client[0] if client else "unknown"
            rate = self.state.address_rate
            take = self.state.buckets.take
            if isinstance(self.state.buckets, MemoryBuckets):  # no I/O: no thread needed
                wait = take(f"addr:{address}", rate)
            else:
                wait = await run_in_threadpool(take, f"addr:{address}", rate)
            if wait > 0:
                problem = rate_limited(wait)
                response = problem_response(
                    429, problem.title, str(problem.detail), problem.headers
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(
    config: HubConfig,
    *,
    sessions: sessionmaker[Session] | None = None,
    keys: Keys | None = None,
    registry: CheckRegistry | None = None,
    buckets: TokenBuckets | str = "memory",
) -> FastAPI:
    """The hub's ASGI app.

    Args:
        config: the hub's settings (public URL, limits, ports).
        sessions: database sessions (default: an engine on ``config.database_url``).
        keys: the signing key (default: :class:`deskready.hub.keyring.Keyring` on the key
            file in the data folder).
        registry: the checks specs are validated against (default: the installed ones).
        buckets: ``"memory"`` (per process), ``"db"`` (the ``rate_buckets`` table, shared
            by every process) or a :class:`TokenBuckets`.
    """
    if sessions is None:
        sessions = session_factory(make_engine(config.database_url))
    if keys is None:
        from deskready.hub.keyring import Keyring

        keys = Keyring(config, sessions)
    if registry is None:
        registry = discover_checks()
    if buckets == "memory":
        store: TokenBuckets = MemoryBuckets()
    elif buckets == "db":
        store = DbBuckets(sessions)
    else:
        assert not isinstance(buckets, str), buckets
        store = buckets
    limits = config.limits
    raw_key = keys.signing_key().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    state = HubState(
        config=config,
        sessions=sessions,
        keys=keys,
        buckets=store,
        intake=Intake(
            public_url=config.public_url,
            keys=keys,
            specs=SpecCache(registry),
            summarise=_summariser(),
        ),
        signer=CookieSigner(cookie_secret_from_key(raw_key)),
        address_rate=Rate(limits.rate_per_address_per_minute, limits.rate_per_address_per_minute),
        invite_rate=Rate(limits.rate_per_invite_per_minute, limits.rate_per_invite_per_minute),
        login_rate=Rate(limits.rate_login_per_minute, limits.rate_login_per_minute),
    )

    app = FastAPI(
        lifespan=_thread_cap,
        title="deskready hub",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.hub = state
    _install_handlers(app)
    _api_routes(app, state)
    from deskready.hub.web import SPEC_UPLOAD_MAX_BYTES, SPEC_UPLOAD_PATH, add_pages

    add_pages(app, state)

    def limit_for(path: str) -> int:
        if path.startswith(f"{API}/sessions/") and path.endswith(REPORT_PATH_SUFFIX):
            return limits.body_max_bytes
        if path == SPEC_UPLOAD_PATH:  # a spec file posted from the dashboard
            return SPEC_UPLOAD_MAX_BYTES
        return SMALL_BODY_MAX_BYTES

    app.add_middleware(_AddressLimit, state=state)
    app.add_middleware(
        BodyLimitMiddleware, limit_for=limit_for, idle_timeout_s=limits.read_timeout_s
    )
    return app


@asynccontextmanager
async def _thread_cap(_app: FastAPI) -> AsyncIterator[None]:
    """The request threads (sync routes, ``run_in_threadpool``) of this process capped at
    the database pool's kept connections (:data:`deskready.hub.db.POOL_SIZE`; AnyIO's
    default is 40): a thread beyond the pool would open a connection of its own and close
    it again, and on 2 cores more threads only wait for each other's GIL."""
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = POOL_SIZE
    yield


def _install_handlers(app: FastAPI) -> None:
    async def http_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        title = exc.title if isinstance(exc, Problem) else status_title(exc.status_code)
        detail = str(exc.detail) if isinstance(exc, Problem) else _plain_detail(exc)
        return problem_response(exc.status_code, title, detail, exc.headers)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem_response(400, status_title(400), _("The body is not valid JSON."))
        where = ", ".join(
            ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body" for e in errors[:5]
        )
        return problem_response(
            422,
            status_title(422),
            _("The request does not have the expected fields: {where}.").format(where=where),
        )

    async def last_resort(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            500, status_title(500), _("The hub could not complete this request.")
        )

    app.add_exception_handler(StarletteHTTPException, http_problem)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, last_resort)


def _plain_detail(exc: StarletteHTTPException) -> str:
    if exc.status_code == 404:
        return _("There is nothing at this address.")
    if exc.status_code == 405:
        return _("This address does not take this method.")
    return status_title(exc.status_code)


# -- API routes ---------------------------------------------------------------------------


def _measure_endpoints(config: HubConfig, session_id: str) -> Endpoints:
    host = urlsplit(config.public_url).hostname or config.host
    shown = f"[{host}]" if ":" in host else host
    return Endpoints(
        librespeed=f"http://{shown}:{config.measure_port}/m/{session_id}/",
        stun=f"{shown}:{config.stun_port}",
        stun_username=session_id,
    )


def _session_from_header(db: Session, authorization: str | None) -> MeasureSession:
    scheme, _sep, token = (authorization or "").partition(" ")
    if scheme != "Session" or not token.strip():
        raise Problem(
            401,
            status_title(401),
            _("Asking for a spec needs the header 'Authorization: Session <session id>'."),
            headers={"WWW-Authenticate": "Session"},
        )
    session = db.get(MeasureSession, token.strip()[:64])
    if session is None:
        raise Problem(
            401,
            status_title(401),
            _("This hub has no such session."),
            headers={"WWW-Authenticate": "Session"},
        )
    return session


def _api_routes(app: FastAPI, state: HubState) -> None:
    config = state.config
    key_cache: dict[str, tuple[float, dict[str, str]]] = {}

    @app.get(f"{API}/info", response_model=HubInfo, responses=_problems())
    def info() -> HubInfo:
        """The hub's name and the public keys its attestations verify with (§1)."""
        from deskready.hub.keyring import public_keys

        current = state.keys.key_id()
        cached = key_cache.get("keys")
        if cached is not None and cached[0] > time.monotonic() and current in cached[1]:
            keys = cached[1]
        else:
            with state.sessions() as db:
                keys = public_keys(db)
            key_cache["keys"] = (time.monotonic() + PUBLIC_KEYS_CACHE_S, keys)
        if current not in keys:
            from deskready.trust.keys import public_to_text

            keys = {current: public_to_text(state.keys.signing_key().public_key()), **keys}
        return HubInfo(name=config.name, version=__version__, key_id=current, public_keys=keys)

    @app.post(
        f"{API}/sessions",
        status_code=201,
        response_model=JoinResponse,
        responses=_problems(404, 410),
    )
    def join(body: JoinRequest, request: Request) -> JoinResponse:
        """Open a measurement session with an invite code (§2)."""
        from deskready.hub import admin

        normal = admin.normalise_code(body.invite)
        state.limit_invite(admin.code_hash(normal) if normal else "malformed")
        moment = utc_now()
        with state.sessions() as db:
            try:
                invite = admin.redeem(db, body.invite, moment=moment)
            except admin.InviteUnknown as exc:
                raise Problem(404, _("Unknown invite"), str(exc)) from None
            except admin.InviteGone as exc:
                db.rollback()
                raise Problem(410, _("Invite no longer valid"), str(exc)) from None
            session_id = secrets.token_hex(16)
            expires = moment + timedelta(seconds=config.limits.session_lifetime_s)
            session = MeasureSession(
                id=session_id,
                invite_id=invite.id,
                nonce=secrets.token_hex(32),
                created_at=moment,
                expires_at=expires,
                source=source_of(client_address(request)),
            )
            db.add(session)
            spec = invite.spec
            answer = JoinResponse(
                session=session_id,
                nonce=session.nonce,
                agent_id=invite.agent_id,
                spec=SpecRef(
                    name=spec.name,
                    sha256=spec.sha256,
                    url=f"{API}/specs/{spec.name}/{spec.sha256}",
                ),
                key_id=state.keys.key_id(),
                expires_at=expires.isoformat(timespec="seconds"),
                endpoints=_measure_endpoints(config, session_id),
            )
            db.commit()
        return answer

    @app.get(
        f"{API}/specs/{{name}}/{{sha256}}",
        response_class=Response,
        responses={
            200: {"content": {"application/toml": {"schema": {"type": "string"}}}},
            **_problems(401, 403, 404, 410),
        },
    )
    def spec_file(
        name: Annotated[str, Path(max_length=64)],
        sha256: Annotated[str, Path(max_length=64)],
        authorization: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Response:
        """The exact spec bytes this session's invite names (§3)."""
        with state.sessions() as db:
            session = _session_from_header(db, authorization)
            state.limit_invite(str(session.invite_id))
            if utc(session.expires_at) <= utc_now():
                raise Problem(410, _("Session expired"), _("This session has expired; join again."))
            spec = db.scalar(
                select(SpecFile).where(
                    SpecFile.name == name,
                    SpecFile.sha256 == sha256,
                    SpecFile.id == session.invite.spec_id,
                )
            )
            if spec is None:
                raise Problem(
                    404, _("Unknown spec"), _("This session has no spec at this address.")
                )
            content = spec.content
        return Response(content, media_type="application/toml")

    @app.get(
        f"{API}/sessions/{{session}}/observed",
        response_model=ObservedResponse,
        response_model_exclude_none=True,
        responses=_problems(401, 403, 410),
    )
    def observed(
        session: Annotated[str, Path(max_length=64)],
        authorization: Annotated[str | None, Header(max_length=200)] = None,
        stun: bool = False,
    ) -> ObservedResponse:
        """What the hub counted in this session so far (§4): the agent's ``upstream``
        check reads its upstream loss and jitter here, before the report is built. With
        ``?stun=true`` also which call-test probes the hub answered, and when each arrived
        (the call-quality check splits its loss and jitter by direction with them)."""
        with state.sessions() as db:
            own = _session_from_header(db, authorization)
            if own.id != session:
                raise Problem(403, status_title(403), _("This is not your session."))
            state.limit_invite(str(own.invite_id))
            if utc(own.expires_at) <= utc_now():
                raise Problem(410, _("Session expired"), _("This session has expired; join again."))
            figures = state.intake.summarise(db, session)
            answered = None
            if stun:
                from deskready.hub.measure.summary import answered_probes

                answered = AnsweredProbes(**answered_probes(db, session))
        shown = {
            key: value
            for key, value in (figures or {}).items()
            if key in OBSERVED_FOR_AGENT and isinstance(value, int | float)
        }
        return ObservedResponse(observed=shown, stun=answered)

    @app.post(
        f"{API}/sessions/{{session}}/report",
        status_code=201,
        response_model=SubmitResponse,
        responses={
            200: {"model": SubmitResponse, "description": _("Already stored (idempotent)")},
            **_problems(403, 404, 409, 410),
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    )
    async def submit(session: Annotated[str, Path(max_length=64)], request: Request) -> Response:
        """Submit the sealed report; the hub answers with its attestation (§5, §6)."""
        body = await request.body()
        return await run_in_threadpool(_submit, state, session, body)


#: The figures the agent may read back during its run (the rest is for the attestation).
OBSERVED_FOR_AGENT = (
    "network.download_mbps",
    "network.upload_mbps",
    "network.upstream_loss_pct",
    "network.upstream_jitter_ms",
)


class AnsweredProbes(BaseModel):
    """The call-test probes the hub answered: sequence numbers, arrival times and when each
    answer left (ms after ``first_arrival``, epoch seconds on the hub's clock), in order."""

    sequences: list[int]
    arrivals_ms: list[float]
    answered_ms: list[float]
    first_arrival: float


class ObservedResponse(BaseModel):
    """What the hub counted in a session (hub-protocol §4)."""

    observed: dict[str, float]
    stun: AnsweredProbes | None = None


def _submit(state: HubState, session_id: str, body: bytes) -> Response:
    with state.sessions() as db:
        try:
            accepted = intake_module.accept(
                db, state.intake, session_id, body, limit=state.limit_invite
            )
        except Refused as exc:
            raise Problem(exc.status, exc.title, exc.detail) from None
    return JSONResponse(accepted.body, status_code=accepted.status)


def spec_digest(content: bytes) -> str:
    """The sha256 a spec is stored and served under."""
    return hashlib.sha256(content).hexdigest()


__all__ = ["HubState", "StaticKeys", "create_app", "source_of", "spec_digest"]
