"""The dashboard's routes: overview, agents, one agent, exports, invites, specs, audit.

Each page is one view that reads what it shows from :mod:`.queries` and renders one
template (Healthchecks' ``hc/front/views.py`` is the model). Every page asks for a signed-in
user (:func:`deskready.hub.web.admin_of`); a *supervisor* reads everything, only an *admin*
changes anything. Every form carries the session's CSRF token and every change writes an
``audit_log`` row in the transaction that makes it. Admin pages are never cached
(``Cache-Control: no-store``): an invite code is shown once, on the page that made it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from deskready.checks.i18n import _
from deskready.hub import admin
from deskready.hub.db import now as utc_now
from deskready.hub.db import utc
from deskready.hub.fleet import charts, export, history, queries
from deskready.hub.fleet.pdf import PdfUnavailable, report_pdf
from deskready.hub.intake import statement_of
from deskready.hub.models import AuditEntry, FleetAgent, Invite, Report
from deskready.hub.security import Problem, same_token

if TYPE_CHECKING:
    from deskready.hub.api import HubState

NO_STORE = {"Cache-Control": "no-store"}
MAX_AUDIT_ROWS = 200
MAX_INVITE_ROWS = 500
#: the largest row id a path may name: PostgreSQL's ``integer`` (SQLite refuses larger
#: Python ints with an OverflowError, which would be a 500 for a typed URL)
MAX_ROW_ID = 2**31 - 1
InviteId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
_SAFE_FILE = re.compile(r"[^A-Za-z0-9._-]+")


def verdict_words() -> dict[str, str]:
    """Each verdict in the reader's language (the dashboard and the verify page alike)."""
    return {"ready": _("ready"), "not_ready": _("not ready"), "incomplete": _("incomplete")}


def _signed_in(state: HubState, request: Request) -> dict[str, Any] | None:
    from deskready.hub.web import admin_of

    return admin_of(state, request)


def _must_sign_in() -> Response:
    return RedirectResponse("/login", status_code=303)


def _view(
    state: HubState, request: Request, user: dict[str, Any], template: str, **values: Any
) -> HTMLResponse:
    from deskready.hub.web import render

    status = int(values.pop("status", 200))
    response = render(
        state,
        template,
        status,
        user=user,
        is_admin=user.get("role") == "admin",
        csrf_token=user.get("csrf", ""),
        email=user.get("email", ""),
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        words=verdict_words(),
        **values,
    )
    response.headers.update(NO_STORE)
    return response


def _signed_in_or_401(state: HubState, request: Request) -> dict[str, Any]:
    """The signed-in user of a POST (a form has no page to redirect to)."""
    user = _signed_in(state, request)
    if user is None:
        raise Problem(401, _("Not signed in"), _("Sign in as an admin first."))
    return user


def _allowed_to_change(user: dict[str, Any], token: object) -> None:
    """Refuse a change without the session's CSRF token, or by a read-only supervisor: the
    one check every POST route makes, whatever its form's encoding."""
    from deskready.hub.web import _csrf_refused

    if not isinstance(token, str) or not same_token(token, user.get("csrf")):
        raise _csrf_refused()
    if user.get("role") != "admin":
        raise Problem(403, _("Forbidden"), _("A supervisor can read the dashboard, not change it."))


async def _admin_form(state: HubState, request: Request) -> tuple[dict[str, Any], dict[str, str]]:
    """The signed-in admin and the posted form, after the CSRF and role checks."""
    from deskready.hub.web import _form

    user = _signed_in_or_401(state, request)
    form = await _form(request)
    _allowed_to_change(user, form.get("csrf_token"))
    return user, form


def _time(moment: datetime | None) -> str:
    return utc(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else "—"


def _agent_row(agent: FleetAgent, moment: datetime) -> dict[str, Any]:
    due = utc(agent.overdue_at) if agent.overdue_at is not None else None
    return {
        "agent_id": agent.agent_id,
        "team": agent.team,
        "spec": agent.spec_name,
        "verdict": agent.verdict,
        "disputed": agent.disputed,
        "received_at": _time(agent.received_at),
        "overdue": due is not None and due <= moment,
        "overdue_at": _time(due) if due else "",
        "reports": agent.reports,
        "link": "/admin/agent?" + urlencode({"id": agent.agent_id}),
    }


def printable(text: str) -> str:
    """``text`` without control characters: every id and name the hub stores is printable
    (:func:`deskready.hub.admin.check_agent_id`), and PostgreSQL refuses a NUL in a
    parameter with an error, which a typed ``%00`` must not turn into a 500."""
    return text if text.isprintable() else "".join(c for c in text if c.isprintable())


def _params(request: Request) -> dict[str, str]:
    """The first 20 query parameters, each printable and at most 200 characters."""
    return {k: printable(v)[:200] for k, v in list(request.query_params.items())[:20]}


def add_fleet_pages(app: FastAPI, state: HubState) -> None:
    """Add the dashboard's pages to ``app``."""

    @app.get("/admin", include_in_schema=False)
    def home(request: Request) -> Response:
        if _signed_in(state, request) is None:
            return _must_sign_in()
        return RedirectResponse("/admin/overview", status_code=303)

    @app.get("/admin/overview", response_class=HTMLResponse, include_in_schema=False)
    def overview_page(request: Request) -> Response:
        user = _signed_in(state, request)
        if user is None:
            return _must_sign_in()
        moment = utc_now()
        with state.sessions() as db:
            found = queries.overview(db, moment)
        words = {**verdict_words(), "overdue": _("overdue")}
        return _view(
            state,
            request,
            user,
            "overview.html",
            title=_("Overview"),
            nav="overview",
            o=found,
            chart=charts.readiness_chart(found.standings, words),
            colours=charts.VERDICT_COLOURS,
            most_failed=max((n for _m, _l, n in found.failed), default=1),
        )

    @app.get("/admin/agents", response_class=HTMLResponse, include_in_schema=False)
    def agents_page(request: Request) -> Response:
        user = _signed_in(state, request)
        if user is None:
            return _must_sign_in()
        params = _params(request)
        filters = queries.Filters.parse(params)
        moment = utc_now()
        with state.sessions() as db:
            page = queries.agents_page(db, filters, moment, after=params.get("after", ""))
            specs = queries.distinct_values(db, FleetAgent.spec_name)
            teams = queries.distinct_values(db, FleetAgent.team)
        query = filters.query()
        return _view(
            state,
            request,
            user,
            "agents.html",
            title=_("Agents"),
            nav="agents",
            f=filters,
            rows=[_agent_row(a, moment) for a in page.rows],
            total=page.total,
            next_link=(
                "/admin/agents?" + urlencode({**query, "after": page.next_cursor})
                if page.next_cursor
                else ""
            ),
            first_link="/admin/agents?" + urlencode(query) if params.get("after") else "",
            export_query=urlencode(query),
            specs=specs,
            teams=teams,
            sorts={
                "agent": _("agent id"),
                "latest": _("newest report first"),
                "oldest": _("oldest report first"),
                "verdict": _("verdict"),
            },
        )

    def _export(request: Request, kind: str) -> Response:
        user = _signed_in(state, request)
        if user is None:
            raise Problem(401, _("Not signed in"), _("Sign in first."))
        filters = queries.Filters.parse(_params(request))
        moment = utc_now()
        stamp = moment.strftime("%Y%m%d-%H%M")
        if kind == "csv":
            chunks = export.csv_chunks(state.sessions, filters, moment)
            media = "text/csv; charset=utf-8"
        else:
            chunks = export.json_chunks(state.sessions, filters, moment)
            media = "application/json"
        return StreamingResponse(
            chunks,
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="agents-{stamp}.{kind}"',
                **NO_STORE,
                "X-Content-Type-Options": "nosniff",
            },
        )

    @app.get("/admin/agents.csv", include_in_schema=False)
    def agents_csv(request: Request) -> Response:
        return _export(request, "csv")

    @app.get("/admin/agents.json", include_in_schema=False)
    def agents_json(request: Request) -> Response:
        return _export(request, "json")

    @app.get("/admin/agent", response_class=HTMLResponse, include_in_schema=False)
    def agent_page(request: Request, id: Annotated[str, Query(max_length=64)] = "") -> Response:
        user = _signed_in(state, request)
        if user is None:
            return _must_sign_in()
        from deskready.hub.web import comparison

        moment = utc_now()
        with state.sessions() as db:
            agent = db.get(FleetAgent, id) if id.isprintable() else None
            if agent is None:
                raise Problem(
                    404, _("Unknown agent"), _("No report of this agent has reached the hub.")
                )
            reports = queries.agent_reports(db, id)
            row = _agent_row(agent, moment)
        entries = []
        previous: dict[str, Any] | None = None
        for report in reports:
            scope = report.body.get("scope", {}) if isinstance(report.body, dict) else {}
            entries.append(
                {
                    "id": report.id,
                    "received_at": _time(report.received_at),
                    "verdict": report.verdict,
                    "disputed": report.disputed,
                    "complete": bool(scope.get("complete")),
                    "ran": len(scope.get("ran", []) or []),
                    "changes": history.changes(previous, report.body) if previous else [],
                }
            )
            previous = report.body
        entries.reverse()  # newest first on the page
        series = history.trends(reports)
        latest = reports[-1] if reports else None
        compared: list[dict[str, Any]] = []
        labels: dict[str, str] = {}
        if latest is not None:
            compared = comparison(latest.body, latest.observed, statement_of(latest.attestation))
            labels = {
                str(r.get("metric")): str(r.get("label"))
                for r in latest.body.get("rules", [])
                if isinstance(r, dict) and r.get("label")
            }
        return _view(
            state,
            request,
            user,
            "agent.html",
            title=_("Agent {agent}").format(agent=id),
            nav="agents",
            agent=row,
            reports=entries,
            charts=[
                {"series": s, "svg": charts.trend_chart(s, f"trend{i}"), "title": _(s.trend.title)}
                for i, s in enumerate(series)
                if not s.empty
            ],
            compared=compared,
            labels=labels,
            latest_id=latest.id if latest else "",
            colours={"reported": charts.REPORTED_COLOUR, "observed": charts.OBSERVED_COLOUR},
        )

    def _report_for(request: Request, report_id: str) -> Report:
        if _signed_in(state, request) is None:
            raise Problem(401, _("Not signed in"), _("Sign in first."))
        with state.sessions() as db:
            row = db.get(Report, report_id) if report_id.isprintable() else None
        if row is None:
            raise Problem(404, _("Unknown report"), _("This hub has no such report."))
        return row

    def _filename(row: Report, suffix: str) -> str:
        agent = _SAFE_FILE.sub("_", row.agent_id)[:40] or "agent"
        return f"deskready-{agent}-{utc(row.received_at).strftime('%Y%m%d')}.{suffix}"

    @app.get("/admin/reports/{report_id}.json", include_in_schema=False)
    def report_json(report_id: Annotated[str, Path(max_length=32)], request: Request) -> Response:
        """The report as the agent sealed it, with the hub's signed attestation: what
        ``deskready report verify`` checks offline."""
        import json

        row = _report_for(request, report_id)
        signed = {**row.body, "attestation": row.attestation}
        return Response(
            json.dumps(signed, ensure_ascii=False, indent=2).encode("utf-8"),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="{_filename(row, "json")}"',
                **NO_STORE,
            },
        )

    @app.get("/admin/reports/{report_id}.pdf", include_in_schema=False)
    async def report_pdf_file(
        report_id: Annotated[str, Path(max_length=32)], request: Request
    ) -> Response:
        row = await run_in_threadpool(_report_for, request, report_id)
        signed = {**row.body, "attestation": row.attestation}
        try:
            data = await run_in_threadpool(report_pdf, state.config.data_dir, row.id, signed)
        except PdfUnavailable as exc:
            raise Problem(503, _("No PDF"), str(exc)) from None
        return Response(
            data,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{_filename(row, "pdf")}"',
                **NO_STORE,
            },
        )

    # -- invites ---------------------------------------------------------------------------

    def _invites_view(
        request: Request, user: dict[str, Any], status: int = 200, **extra: Any
    ) -> Response:
        moment = utc_now()
        with state.sessions() as db:
            rows = db.scalars(
                select(Invite).order_by(Invite.created_at.desc()).limit(MAX_INVITE_ROWS)
            ).all()
            invites = []
            for invite in rows:
                expired = utc(invite.expires_at) <= moment
                invites.append(
                    {
                        "id": invite.id,
                        "agent_id": invite.agent_id,
                        "team": invite.team,
                        "spec": invite.spec.name,
                        "expires_at": _time(invite.expires_at),
                        "uses_left": invite.uses_left,
                        "revoked": invite.revoked,
                        "open": not (invite.revoked or expired or invite.uses_left <= 0),
                        "state": _("revoked")
                        if invite.revoked
                        else _("expired")
                        if expired
                        else _("used up")
                        if invite.uses_left <= 0
                        else _("open"),
                    }
                )
            specs = queries.spec_names(db)
        return _view(
            state,
            request,
            user,
            "invites.html",
            status=status,
            title=_("Invites"),
            nav="invites",
            invites=invites,
            specs=specs,
            can_revoke=user.get("role") == "admin",
            **extra,
        )

    @app.get("/admin/invites", response_class=HTMLResponse, include_in_schema=False)
    def invites_page(request: Request) -> Response:
        user = _signed_in(state, request)
        if user is None:
            return _must_sign_in()
        return _invites_view(request, user)

    @app.post("/admin/invites", include_in_schema=False)
    async def create_invite(request: Request) -> Response:
        user, form = await _admin_form(state, request)

        def make() -> tuple[str, str, str] | str:
            try:
                lifetime = admin.parse_duration(form.get("expires", "14d") or "14d")
                uses = int(form.get("uses", "1") or "1")
            except admin.AdminError as exc:
                return str(exc)
            except ValueError:
                return _("the number of uses must be a whole number")
            with state.sessions() as db:
                try:
                    made = admin.create_invite(
                        db,
                        agent_id=form.get("agent_id", ""),
                        spec_name=form.get("spec", ""),
                        expires=lifetime,
                        uses=uses,
                        team=form.get("team", ""),
                        actor=str(user.get("email")),
                    )
                except admin.AdminError as exc:
                    return str(exc)
                db.commit()
                link = f"{state.config.public_url.rstrip('/')}/join/{made.code}"
                return made.code, link, made.invite.agent_id

        result = await run_in_threadpool(make)
        if isinstance(result, str):
            return _invites_view(request, user, status=422, error=result, form=form)
        code, link, agent = result
        return _invites_view(
            request, user, status=201, made={"code": code, "link": link, "agent": agent}
        )

    async def _change_invite(request: Request, invite_id: int, action: str) -> Response:
        user, _form_values = await _admin_form(state, request)

        def change() -> None:  # off the event loop, as every other write of these pages
            with state.sessions() as db:
                invite = db.get(Invite, invite_id)
                if invite is None:
                    raise Problem(404, _("Unknown invite"), _("This hub has no such invite."))
                if action == "revoke":
                    invite.revoked = True
                else:
                    invite.expires_at = min(utc(invite.expires_at), utc_now())
                admin.audit(
                    db,
                    str(user.get("email")),
                    f"invite.{action}",
                    f"invite:{invite_id}",
                    {"agent": invite.agent_id},
                )
                db.commit()

        await run_in_threadpool(change)
        return RedirectResponse("/admin/invites", status_code=303)

    @app.post("/admin/invites/{invite_id}/revoke", include_in_schema=False)
    async def revoke(invite_id: InviteId, request: Request) -> Response:
        return await _change_invite(request, invite_id, "revoke")

    @app.post("/admin/invites/{invite_id}/expire", include_in_schema=False)
    async def expire(invite_id: InviteId, request: Request) -> Response:
        return await _change_invite(request, invite_id, "expire")

    # -- specs -----------------------------------------------------------------------------

    def _specs_view(
        request: Request, user: dict[str, Any], status: int = 200, **extra: Any
    ) -> Response:
        from deskready.hub.fleet.record import every_days

        with state.sessions() as db:
            specs = [
                {
                    "name": s.name,
                    "sha256": s.sha256,
                    "employer": s.employer,
                    "uploaded_at": _time(s.uploaded_at),
                    "bytes": len(s.content),
                    "every_days": every_days(s),
                }
                for s in queries.spec_versions(db)
            ]
        return _view(
            state, request, user, "specs.html", status=status, title=_("Specs"), nav="specs",
            specs=specs, **extra,
        )  # fmt: skip

    @app.get("/admin/specs", response_class=HTMLResponse, include_in_schema=False)
    def specs_page(request: Request) -> Response:
        user = _signed_in(state, request)
        if user is None:
            return _must_sign_in()
        return _specs_view(request, user)

    @app.post("/admin/specs", include_in_schema=False)
    async def upload_spec(request: Request) -> Response:
        from deskready.spec.loader import MAX_SPEC_BYTES

        user = _signed_in_or_401(state, request)
        try:
            form = await request.form(max_files=1, max_fields=4)
        except Problem:
            raise
        except Exception:  # a malformed multipart body: the client's fault
            raise Problem(400, _("Bad request"), _("The form could not be read.")) from None
        _allowed_to_change(user, form.get("csrf_token"))
        name = form.get("name")
        upload = form.get("file")
        if not isinstance(name, str) or upload is None or isinstance(upload, str):
            return _specs_view(
                request, user, status=422, error=_("Give the spec a name and choose its file.")
            )
        data = await upload.read(MAX_SPEC_BYTES + 1)
        file_name = (upload.filename or "spec.toml")[-100:]

        def store() -> tuple[str, list[str]] | None:
            with state.sessions() as db:
                try:
                    admin.upload_spec(
                        db, name.strip(), data, actor=str(user.get("email")), file_name=file_name
                    )
                except admin.SpecRefused as exc:
                    return str(exc).splitlines()[0], exc.problems
                except admin.AdminError as exc:
                    return str(exc), []
                db.commit()
            return None

        refused = await run_in_threadpool(store)
        if refused is not None:
            heading, problems = refused
            return _specs_view(request, user, status=422, error=heading, problems=problems)
        return _specs_view(request, user, status=201, uploaded=name.strip())

    # -- audit -----------------------------------------------------------------------------

    @app.get("/admin/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request) -> Response:
        user = _signed_in(state, request)
        if user is None:
            return _must_sign_in()
        with state.sessions() as db:
            entries = [
                {
                    "at": _time(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "target": e.target,
                    "detail": ", ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))[:300],
                }
                for e in db.scalars(
                    select(AuditEntry)
                    .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                    .limit(MAX_AUDIT_ROWS)
                )
            ]
        return _view(
            state, request, user, "audit.html", title=_("Audit log"), nav="audit", entries=entries
        )


__all__ = ["add_fleet_pages"]
