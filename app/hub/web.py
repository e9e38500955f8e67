"""The hub's pages: report verification, the join page, admin sign-in and the invite list;
the fleet dashboard's pages are :mod:`deskready.hub.fleet.pages`.

Rendered by Jinja2 with autoescaping on every template: whatever an agent or an admin
typed (names, agent ids, an employer's advice) is data in the page, never markup. Sign-in
and every state-changing form carry a CSRF token (:mod:`deskready.hub.security`); every
admin action is written to ``audit_log``.
"""

from __future__ import annotations

import time
from importlib.resources import files
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from deskready.checks.i18n import _, ngettext
from deskready.checks.language import (
    LANGUAGE_NAMES,
    SOURCE_LANGUAGE,
    active_language,
    normalise_language,
    using_language,
)
from deskready.hub import admin
from deskready.hub.fleet.pages import verdict_words
from deskready.hub.intake import COMPARED, client_values, statement_of
from deskready.hub.models import Report
from deskready.hub.security import (
    ADMIN_SESSION_S,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Problem,
    client_address,
    new_csrf_token,
    same_token,
)
from deskready.spec.loader import MAX_SPEC_BYTES

if TYPE_CHECKING:
    from deskready.hub.api import HubState

_ENV = Environment(
    loader=PackageLoader("deskready.hub", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_ENV.globals["_"] = _
_ENV.globals["ngettext"] = ngettext
_ENV.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
#: the fields a form of the hub has at most (csrf_token, email, password; an invite's five)
MAX_FORM_FIELDS = 8
#: where the dashboard posts a spec file, and the largest body it may be (the spec loader's
#: own cap plus the multipart envelope)
SPEC_UPLOAD_PATH = "/admin/specs"
SPEC_UPLOAD_MAX_BYTES = MAX_SPEC_BYTES + 64 * 1024
#: the cookie that keeps the language a signed-in person chose (else Accept-Language)
LANGUAGE_COOKIE = "deskready_lang"
_STATIC = files("deskready.hub") / "static"
#: every page: only the hub's own style sheet and inline SVG; no script, no frames
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def language_of(cookie: str | None, accept: str | None) -> str:
    """The page language: the person's choice (cookie), else the browser's first supported
    language in ``Accept-Language`` (RFC 9110 §12.5.4, by q-value), else English."""
    chosen = normalise_language(cookie)
    if chosen:
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept or "")[:500].split(",")[:20]):
        tag, _sep, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        code = normalise_language(tag.strip())
        if code and weight > 0:
            ranked.append((-weight, position, code))
    return sorted(ranked)[0][2] if ranked else SOURCE_LANGUAGE


class PageLanguage:
    """Pure ASGI middleware: every page (not the API) is produced in the reader's language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        code = language_of(
            request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
        )
        with using_language(code):
            await self.app(scope, receive, send)


def local_path(target: str) -> bool:
    """True for a path on this hub (what a redirect may go to)."""
    return (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    )


def comparison(
    body: dict[str, Any], observed: dict[str, Any], statement: dict[str, Any]
) -> list[dict[str, Any]]:
    """What the hub observed itself beside what the agent's computer reported, per metric
    (the verify page and the dashboard's agent page show the same rows)."""
    disputed = set(statement.get("disputed", []))
    reported = client_values(body)
    compared = [
        {
            "metric": c.metric,
            "observed": observed[c.observed],
            "reported": reported.get(c.metric, "—"),
            "disputed": c.metric in disputed,
        }
        for c in COMPARED
        if c.observed in observed and c.metric in reported
    ]
    seen = {row["metric"] for row in compared}
    compared += [
        {"metric": key, "observed": value, "reported": "—", "disputed": False}
        for key, value in observed.items()
        if key != "source" and key not in seen and key.startswith("network.")
    ]
    return compared


def _page(state: HubState, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(
        lang=active_language(), hub_name=state.config.name, **values
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def render(state: HubState, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """A page of the hub (the dashboard's pages use this too)."""
    return _page(state, template, status, **values)


def _secure(state: HubState) -> bool:
    return state.config.public_url.startswith("https://")


def _authenticate(state: HubState, email: str, password: str) -> tuple[int, str, str] | None:
    with state.sessions() as db:
        user = admin.authenticate(db, email, password)
        found = (user.id, user.email, user.role) if user else None
        db.commit()  # a rehashed password
    return found


def _audit(state: HubState, actor: str, action: str, target: str = "", **detail: Any) -> None:
    with state.sessions() as db:
        admin.audit(db, actor, action, target, detail)
        db.commit()


async def _form(request: Request) -> dict[str, str]:
    try:
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    except Problem:
        raise
    except Exception:  # a malformed form body: the client's fault
        raise Problem(400, _("Bad request"), _("The form could not be read.")) from None
    return {key: value for key, value in form.items() if isinstance(value, str)}


def admin_of(state: HubState, request: Request) -> dict[str, Any] | None:
    """The signed-in admin's cookie value (``uid``, ``email``, ``role``, ``csrf``), or None."""
    return state.signer.loads(request.cookies.get(SESSION_COOKIE))


def _csrf_refused() -> Problem:
    return Problem(
        403,
        _("Forbidden"),
        _("The form's security token is missing or does not match; reload the page and retry."),
    )


def add_pages(app: FastAPI, state: HubState) -> None:
    """Add the verify, join, sign-in and admin pages to ``app``."""
    from deskready.hub.fleet.pages import add_fleet_pages

    app.add_middleware(PageLanguage)
    stylesheet = (_STATIC / "hub.css").read_bytes()

    @app.get("/static/hub.css", include_in_schema=False)
    def style() -> Response:
        return Response(
            stylesheet,
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    @app.get("/language/{code}", include_in_schema=False)
    def choose_language(
        code: Annotated[str, Path(max_length=10)],
        next: Annotated[str, Query(max_length=2000)] = "/admin",
    ) -> Response:
        """Keep the chosen language in a cookie, then go back to the page: a path on this
        hub only (``/x``, never ``//host`` or a URL), so the link cannot send anyone away."""
        target = next if local_path(next) else "/admin"
        response = RedirectResponse(target, status_code=303)
        chosen = normalise_language(code)
        if chosen:
            response.set_cookie(
                LANGUAGE_COOKIE, chosen, max_age=365 * 86400, samesite="lax", secure=_secure(state)
            )
        return response

    add_fleet_pages(app, state)

    @app.get("/verify/{report_id}", response_class=HTMLResponse, include_in_schema=False)
    def verify_page(report_id: Annotated[str, Path(max_length=64)]) -> Response:
        with state.sessions() as db:
            # a NUL in a parameter is an error on PostgreSQL: no id the hub made has one
            row = db.get(Report, report_id) if report_id.isprintable() else None
            if row is None:
                raise Problem(404, _("Unknown report"), _("This hub has no such report."))
            body, observed, envelope = row.body, row.observed, row.attestation
        statement = statement_of(envelope)
        compared = comparison(body, observed, statement)
        words = verdict_words()
        source = observed.get("source")
        rules = [
            {
                "label": r.get("label", r.get("metric", "")),
                "expected": r.get("expected_text", ""),
                "actual": r.get("actual_text", ""),
                "outcome": r.get("outcome", ""),
            }
            for r in body.get("rules", [])
            if isinstance(r, dict)
        ]
        signatures = envelope.get("signatures") or [{}]
        return _page(
            state,
            "verify.html",
            title=_("Report verification"),
            verdict=statement.get("verdict", row.verdict),
            verdict_text=words.get(str(statement.get("verdict")), str(statement.get("verdict"))),
            agent_id=statement.get("agent_id", row.agent_id),
            spec_name=statement.get("spec", {}).get("name", ""),
            spec_sha256=statement.get("spec", {}).get("sha256", ""),
            received_at=statement.get("received_at", ""),
            digest=statement.get("report_digest", row.digest),
            key_id=signatures[0].get("keyid", ""),
            source=(
                f"{source.get('family', '')} {source.get('prefix', '')}"
                if isinstance(source, dict)
                else ""
            ),
            compared=compared,
            rules=rules,
        )

    @app.get("/join/{code}", response_class=HTMLResponse, include_in_schema=False)
    def join_page(code: Annotated[str, Path(max_length=200)]) -> Response:
        return _page(
            state,
            "join.html",
            title=_("Check your home office"),
            code=code,
            hub_url=state.config.public_url,
        )

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> Response:
        token = new_csrf_token()
        response = _page(state, "login.html", title=_("Sign in"), csrf_token=token, error="")
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            max_age=3600,
            httponly=True,
            samesite="lax",
            secure=_secure(state),
        )
        return response

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        state.limit_login(request)
        form = await _form(request)
        if not same_token(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
            raise _csrf_refused()
        email = form.get("email", "").strip().lower()[:254]
        password = form.get("password", "")
        found = await run_in_threadpool(_authenticate, state, email, password)
        if found is None:
            _audit(state, email or "?", "login.failed", address=client_address(request))
            token = new_csrf_token()
            response = _page(
                state,
                "login.html",
                status=401,
                title=_("Sign in"),
                csrf_token=token,
                error=_("The email or the password is wrong."),
            )
            response.set_cookie(
                LOGIN_CSRF_COOKIE,
                token,
                max_age=3600,
                httponly=True,
                samesite="lax",
                secure=_secure(state),
            )
            return response
        uid, user_email, role = found
        _audit(state, user_email, "login", address=client_address(request))
        cookie = state.signer.dumps(
            {
                "uid": uid,
                "email": user_email,
                "role": role,
                "csrf": new_csrf_token(),
                "exp": int(time.time()) + ADMIN_SESSION_S,
            }
        )
        done: Response = RedirectResponse("/admin", status_code=303)
        done.set_cookie(
            SESSION_COOKIE,
            cookie,
            max_age=ADMIN_SESSION_S,
            httponly=True,
            samesite="lax",
            secure=_secure(state),
        )
        done.delete_cookie(LOGIN_CSRF_COOKIE)
        return done

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        admin = admin_of(state, request)
        form = await _form(request)
        if admin is None or not same_token(form.get("csrf_token"), admin.get("csrf")):
            raise _csrf_refused()
        _audit(state, str(admin.get("email")), "logout")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response
