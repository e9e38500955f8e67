"""The hub's pages: report verification, the join page, admin sign-in and the invite list.

Rendered by Jinja2 with autoescaping on every template: whatever an agent or an admin
typed (names, agent ids, an employer's advice) is data in the page, never markup. Sign-in
and every state-changing form carry a CSRF token (:mod:`deskready.hub.security`); every
admin action is written to ``audit_log``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from deskready.checks.i18n import _
from deskready.checks.language import active_language
from deskready.hub import admin
from deskready.hub.db import now as utc_now
from deskready.hub.db import utc
from deskready.hub.intake import COMPARED, client_values, statement_of
from deskready.hub.models import Invite, Report
from deskready.hub.security import (
    ADMIN_SESSION_S,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Problem,
    client_address,
    new_csrf_token,
    same_token,
)

if TYPE_CHECKING:
    from deskready.hub.api import HubState

_ENV = Environment(
    loader=PackageLoader("deskready.hub", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_ENV.globals["_"] = _
#: the fields a form of the hub has at most (csrf_token, email, password)
MAX_FORM_FIELDS = 8


def _page(state: HubState, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(
        lang=active_language(), hub_name=state.config.name, **values
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )


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

    @app.get("/verify/{report_id}", response_class=HTMLResponse, include_in_schema=False)
    def verify_page(report_id: Annotated[str, Path(max_length=64)]) -> Response:
        with state.sessions() as db:
            row = db.get(Report, report_id)
            if row is None:
                raise Problem(404, _("Unknown report"), _("This hub has no such report."))
            body, observed, envelope = row.body, row.observed, row.attestation
        statement = statement_of(envelope)
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
        words = {
            "ready": _("ready"),
            "not_ready": _("not ready"),
            "incomplete": _("incomplete"),
        }
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
        done: Response = RedirectResponse("/admin/invites", status_code=303)
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

    @app.get("/admin/invites", response_class=HTMLResponse, include_in_schema=False)
    def invites_page(request: Request) -> Response:
        admin = admin_of(state, request)
        if admin is None:
            return RedirectResponse("/login", status_code=303)
        moment = utc_now()
        with state.sessions() as db:
            rows = db.scalars(select(Invite).order_by(Invite.created_at.desc()).limit(500)).all()
            invites = []
            for invite in rows:
                expired = utc(invite.expires_at) <= moment
                invites.append(
                    {
                        "id": invite.id,
                        "agent_id": invite.agent_id,
                        "spec": invite.spec.name,
                        "expires_at": utc(invite.expires_at).isoformat(timespec="minutes"),
                        "uses_left": invite.uses_left,
                        "revoked": invite.revoked,
                        "state": _("revoked")
                        if invite.revoked
                        else _("expired")
                        if expired
                        else _("used up")
                        if invite.uses_left <= 0
                        else _("open"),
                    }
                )
        return _page(
            state,
            "invites.html",
            title=_("Invites"),
            invites=invites,
            email=admin.get("email", ""),
            csrf_token=admin.get("csrf", ""),
            can_revoke=admin.get("role") == "admin",
        )

    @app.post("/admin/invites/{invite_id}/revoke", include_in_schema=False)
    async def revoke(invite_id: int, request: Request) -> Response:
        admin = admin_of(state, request)
        if admin is None:
            raise Problem(401, _("Not signed in"), _("Sign in as an admin first."))
        form = await _form(request)
        if not same_token(form.get("csrf_token"), admin.get("csrf")):
            raise _csrf_refused()
        if admin.get("role") != "admin":
            raise Problem(403, _("Forbidden"), _("Only an admin may revoke invites."))
        with state.sessions() as db:
            invite = db.get(Invite, invite_id)
            if invite is None:
                raise Problem(404, _("Unknown invite"), _("This hub has no such invite."))
            invite.revoked = True
            agent = invite.agent_id
            db.commit()
        _audit(state, str(admin.get("email")), "invite.revoke", f"invite:{invite_id}", agent=agent)
        return RedirectResponse("/admin/invites", status_code=303)
