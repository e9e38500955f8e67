"""Taking in a submitted report: check it, compare it with what the hub saw, store it, sign.

No HTTP here (the API calls :func:`accept`; tests call it directly). The order of the
checks is the protocol's (docs/hub-protocol.md §5), with one deliberate choice: a report
already stored for this session under the same digest is answered with the stored response
*before* the session's expiry is looked at, so an outbox that delivers a day later still
gets its attestation (§7).

Comparison (:func:`disputes`): a client figure more than :data:`DISPUTE_MARGIN` better than
the hub's own is **disputed**; its rules are judged again on the hub's value with the same
evaluator (:func:`deskready.evaluate.judge`) and the verdict is recomputed
(:func:`deskready.evaluate.verdict_of`). Every other rule keeps the outcome the report
recorded; that those outcomes give the report's verdict, and that no rule of the spec is
missing, is checked, so a report cannot drop a failed rule and reseal.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import bindparam, cast, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deskready.bounded_read import ReadProblem, decode_text, load_json
from deskready.checks.i18n import _
from deskready.evaluate import judge, verdict_of
from deskready.hub.alerts import events as alert_events
from deskready.hub.db import now as utc_now
from deskready.hub.db import utc
from deskready.hub.fleet import record as fleet
from deskready.hub.models import Invite, MeasureSession, Report, SpecFile
from deskready.outcomes import Outcome
from deskready.registry import CheckRegistry
from deskready.report import SCHEMA
from deskready.report.integrity import verify_digest
from deskready.session import metric_index
from deskready.spec.loader import load_spec_bytes
from deskready.spec.model import Rule, Spec
from deskready.trust.envelope import STATEMENT_TYPE, sign

#: a client figure this much better than the hub's own is disputed (issue 15 §4)
DISPUTE_MARGIN = 0.10


@dataclass(frozen=True)
class Comparison:
    """How one client metric is compared with one hub observation.

    ``higher``: larger is better (rates); else smaller is better (loss, jitter).
    ``slack``: an absolute difference below which nothing is disputed (a loss of 0.05 %
    against 0.06 % is noise, not a lie).
    """

    metric: str
    observed: str
    higher: bool
    slack: float = 0.0


#: the client's figures the hub can check, and against which of its own observations. The
#: client's round-trip loss and jitter cannot honestly be lower than the upstream part the
#: hub saw of the very same probes.
COMPARED: tuple[Comparison, ...] = (
    Comparison("network.download_mbps", "network.download_mbps", higher=True),
    Comparison("network.upload_mbps", "network.upload_mbps", higher=True),
    Comparison("network.loss_pct", "network.upstream_loss_pct", higher=False, slack=0.1),
    Comparison("network.upstream_loss_pct", "network.upstream_loss_pct", higher=False, slack=0.1),
    Comparison("network.jitter_ms", "network.upstream_jitter_ms", higher=False, slack=1.0),
    Comparison("network.upstream_jitter_ms", "network.upstream_jitter_ms", higher=False, slack=1.0),
)


class Refused(Exception):
    """A report the hub does not take: the HTTP status, a title and a one-line reason."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


@dataclass(frozen=True)
class Accepted:
    """The answer to a submission: 201 and a new attestation, or 200 and the stored one."""

    status: int
    body: dict[str, Any]


class SigningKeys(Protocol):
    """What intake needs of :class:`deskready.hub.keyring.Keyring`."""

    def signing_key(self) -> Ed25519PrivateKey: ...


Summarise = Callable[[Session, str], Mapping[str, Any]]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- parsing and shape --------------------------------------------------------------------


def _bad(detail: str) -> Refused:
    return Refused(400, _("Not a deskready report"), detail)


def parse_report(data: bytes) -> dict[str, Any]:
    """The report object in ``data`` (bounded depth, finite numbers), or :class:`Refused`."""
    try:
        value = load_json(decode_text(data))
    except ReadProblem as exc:
        raise _bad(exc.reason) from None
    if not isinstance(value, dict):
        raise _bad(_("the body is not a JSON object"))
    return value


def _member(report: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = report.get(key)
    if not isinstance(value, dict):
        raise _bad(_("'{field}' is missing or not an object").format(field=key))
    return value


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str):
        raise _bad(_("'{field}' is missing or not text").format(field=f"{where}.{key}"))
    return value


def check_shape(report: Mapping[str, Any]) -> None:
    """The schema and the digest (400)."""
    if report.get("schema") != SCHEMA:
        raise _bad(_("the schema is not {schema}").format(schema=SCHEMA))
    if not verify_digest(dict(report)):
        raise _bad(_("its integrity digest does not match its content: it was altered"))
    for key in ("hub", "spec", "scope"):
        _member(report, key)
    if not isinstance(report.get("rules"), list) or not isinstance(report.get("results"), list):
        raise _bad(_("'rules' and 'results' must be lists"))


def report_digest(report: Mapping[str, Any]) -> str:
    """``sha256:<hex>``: the report's integrity digest as the attestation names it."""
    return "sha256:" + str(_member(report, "integrity").get("digest", ""))


# -- comparison and re-judging ------------------------------------------------------------


def client_values(report: Mapping[str, Any]) -> dict[str, float]:
    """The report's numeric measurements, metric id → value."""
    values: dict[str, float] = {}
    for result in report.get("results", []):
        measured = result.get("measurements") if isinstance(result, dict) else None
        if isinstance(measured, dict):
            for metric, value in measured.items():
                if _is_number(value):
                    values[str(metric)] = float(value)
    return values


def disputes(
    client: Mapping[str, float], observed: Mapping[str, Any], margin: float = DISPUTE_MARGIN
) -> dict[str, float]:
    """Client metric → the hub's value, for each client figure more than ``margin`` better
    than the hub's."""
    found: dict[str, float] = {}
    for comparison in COMPARED:
        mine = client.get(comparison.metric)
        theirs = observed.get(comparison.observed)
        if mine is None or not _is_number(theirs):
            continue
        hub = float(theirs)  # type: ignore[arg-type]
        if comparison.higher:
            better = mine > hub * (1 + margin) and mine - hub > comparison.slack
        else:
            better = mine < hub * (1 - margin) and hub - mine > comparison.slack
        if better:
            found[comparison.metric] = hub
    return found


def rejudge(
    report: Mapping[str, Any],
    spec: Spec,
    registry: CheckRegistry,
    replaced: Mapping[str, float],
) -> str:
    """The verdict with each metric in ``replaced`` judged on the hub's value.

    Raises:
        Refused: the report's rules are not its spec's (one missing, one added), an outcome
            is not a known word, or its recorded outcomes do not give its own verdict.
    """
    index = metric_index(registry, spec)
    pending: dict[str, deque[Rule]] = defaultdict(deque)
    for rule in spec.rules:
        pending[rule.metric].append(rule)
    recorded: list[tuple[Rule, Outcome]] = []
    judged: list[tuple[Rule, Outcome]] = []
    for entry in report.get("rules", []):
        if not isinstance(entry, dict):
            raise _bad(_("a rule is not an object"))
        metric = str(entry.get("metric", ""))
        if not pending[metric]:
            raise _bad(
                _("it judges a rule its spec does not have ({metric})").format(metric=metric)
            )
        rule = pending[metric].popleft()
        try:
            outcome = Outcome(str(entry.get("outcome")))
        except ValueError:
            raise _bad(_("a rule's outcome is not a known word")) from None
        recorded.append((rule, outcome))
        if metric in replaced and outcome is not Outcome.NOT_CHECKED:
            outcome = judge(rule, replaced[metric])
        judged.append((rule, outcome))
    disabled = spec.disabled_checks
    for metric, left in pending.items():
        if left and metric in index and index[metric][0] not in disabled:
            raise _bad(_("it leaves out rules of its spec ({metric})").format(metric=metric))
    partial = not bool(report.get("scope", {}).get("complete"))
    if verdict_of(recorded, partial=partial).value != report.get("verdict"):
        raise _bad(_("its verdict does not follow from its own rule outcomes"))
    return verdict_of(judged, partial=partial).value


class SpecCache:
    """Specs by sha256, parsed from their stored bytes, and their rows by id.

    A stored spec never changes (a new upload is a new row), so both are kept for the
    process's life, bounded in count: a submission then reads no spec bytes and parses and
    validates no TOML (issue 15's profile: the spec row was loaded, content and all, and
    the spec re-read, for every report).
    """

    def __init__(self, registry: CheckRegistry, size: int = 64) -> None:
        self.registry = registry
        self._size = size
        self._specs: dict[str, Spec] = {}
        self._rows: dict[int, SpecFile] = {}
        self._lock = threading.Lock()

    def get(self, row: SpecFile) -> Spec:
        """The parsed spec of ``row``."""
        with self._lock:
            found = self._specs.get(row.sha256)
        if found is not None:
            return found
        spec = load_spec_bytes(row.content, self.registry, file_name=row.name, source=row.name)
        with self._lock:
            if len(self._specs) >= self._size:
                self._specs.pop(next(iter(self._specs)))
            self._specs[row.sha256] = spec
        return spec

    def row(self, db: Session, spec_id: int) -> SpecFile | None:
        """The stored spec ``spec_id``, detached from ``db`` (read-only, every column
        loaded), from memory after the first time."""
        with self._lock:
            found = self._rows.get(spec_id)
        if found is not None:
            return found
        loaded = db.get(SpecFile, spec_id)
        if loaded is None:
            return None
        db.expunge(loaded)
        with self._lock:
            if len(self._rows) >= self._size:
                self._rows.pop(next(iter(self._rows)))
            self._rows[spec_id] = loaded
        return loaded


# -- accept -------------------------------------------------------------------------------


def statement_of(envelope: Mapping[str, Any]) -> dict[str, Any]:
    payload = base64.b64decode(str(envelope.get("payload", "")))
    statement = json.loads(payload)
    return statement if isinstance(statement, dict) else {}


def stored_response(row: Report, public_url: str) -> dict[str, Any]:
    """§5's response for a report already stored."""
    statement = statement_of(row.attestation)
    return {
        "report_id": row.id,
        "verify_url": verify_url(public_url, row.id),
        "attestation": row.attestation,
        "observed": row.observed,
        "disputed": list(statement.get("disputed", [])),
    }


def verify_url(public_url: str, report_id: str) -> str:
    """Where anyone can look at what the hub observed for this report."""
    return f"{public_url.rstrip('/')}/verify/{report_id}"


def _stored_or_replay(db: Session, session_id: str, digest: str, public_url: str) -> Accepted:
    row = db.scalar(select(Report).where(Report.session_id == session_id))
    if row is not None and row.digest == digest:
        return Accepted(200, stored_response(row, public_url))
    raise Refused(
        409,
        _("Nonce already used"),
        _("This session's nonce was already used for another report: a replay."),
    )


@dataclass(frozen=True)
class _Bound:
    """A session's columns with its invite's agent id, team and spec id: one query."""

    id: str
    invite_id: int
    nonce: str
    expires_at: datetime
    used_by_digest: str | None
    source: dict[str, Any]
    agent_id: str
    team: str
    spec_id: int


_sessions = MeasureSession.__table__
_invites = Invite.__table__
#: built once: constructing a statement costs more than running it from the cache
_SESSION_QUERY = (
    select(
        _sessions.c.id,
        _sessions.c.invite_id,
        _sessions.c.nonce,
        _sessions.c.expires_at,
        _sessions.c.used_by_digest,
        _sessions.c.source,
        _invites.c.agent_id,
        _invites.c.team,
        _invites.c.spec_id,
    )
    .join(_invites, _invites.c.id == _sessions.c.invite_id)
    .where(_sessions.c.id == bindparam("session_id"))
)


#: the nonce consumed, only if no report has consumed it yet (the race's loser changes nothing)
_CONSUME = (
    _sessions.update()  # type: ignore[attr-defined]
    .where(_sessions.c.id == bindparam("session_id"), _sessions.c.used_by_digest.is_(None))
    .values(used_by_digest=bindparam("digest"))
)
#: a Core INSERT: the ORM's unit of work would add ~1 ms of bookkeeping per report for an
#: object nothing reads back (bench/hub_intake.py, docs/hub.md "Performance")
_INSERT_REPORT = Report.__table__.insert()  # type: ignore[attr-defined]
_reports = Report.__table__
_REPORT_COLUMNS = (
    "id", "session_id", "agent_id", "spec_id", "verdict", "disputed", "received_at", "digest",
    "body", "observed", "attestation",
)  # fmt: skip
#: PostgreSQL: the nonce consumed and the report stored in one statement (one round trip);
#: the INSERT takes its row from the UPDATE's, so when another submission consumed the
#: nonce first nothing is stored and no row comes back
_consumed = _CONSUME.returning(_sessions.c.id).cte("consumed")
_CONSUME_AND_STORE = (
    _reports.insert()  # type: ignore[attr-defined]
    .from_select(
        list(_REPORT_COLUMNS),
        select(
            *(
                cast(bindparam(f"r_{name}", type_=column.type), column.type)
                for name in _REPORT_COLUMNS
                for column in (_reports.c[name],)
            )
        ).select_from(_consumed),
    )
    .returning(_reports.c.id)
)


def _load_session(db: Session, session_id: str) -> _Bound | None:
    """The session and what intake needs of its invite (plain columns, no ORM objects)."""
    found = db.connection().execute(_SESSION_QUERY, {"session_id": session_id}).first()
    return None if found is None else _Bound(*found)


def _consume_and_store(db: Session, session_id: str, digest: str, values: dict[str, Any]) -> bool:
    """Consume the session's nonce and store the report; False when another submission had
    consumed it (nothing stored).

    Core statements built once, on the session's connection: through the Session an
    UPDATE of a mapped class takes the ORM's bulk path ("synchronize session" and all),
    the largest cost of a worker after the round trips (py-spy, docs/hub.md).
    """
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        params = {f"r_{name}": values[name] for name in _REPORT_COLUMNS}
        params.update(session_id=session_id, digest=digest)
        return connection.execute(_CONSUME_AND_STORE, params).first() is not None
    consumed = connection.execute(_CONSUME, {"session_id": session_id, "digest": digest})
    if getattr(consumed, "rowcount", 1) != 1:
        return False
    connection.execute(_INSERT_REPORT, values)
    return True


@dataclass
class Intake:
    """Everything :func:`accept` needs besides the request: the hub's identity and tools."""

    public_url: str
    keys: SigningKeys
    specs: SpecCache
    summarise: Summarise
    margin: float = DISPUTE_MARGIN
    clock: Callable[[], datetime] = field(default=utc_now)


def accept(
    db: Session,
    intake: Intake,
    session_id: str,
    data: bytes,
    *,
    limit: Callable[[str], None] | None = None,
) -> Accepted:
    """Check, compare, store and sign one submitted report (docs/hub-protocol.md §5, §6).

    ``limit`` is called with the session's invite id as soon as the session is found (the
    API's per-invite rate limit; it raises to refuse), so finding the session for the limit
    and for the checks is one query.

    Raises:
        Refused: with the protocol's status (400, 403, 404, 409, 410, 422).
    """
    report = parse_report(data)
    check_shape(report)
    digest = report_digest(report)
    bound = _load_session(db, session_id)
    if bound is None:
        raise Refused(404, _("Unknown session"), _("This hub has no such session."))
    session = bound
    if limit is not None:
        limit(str(session.invite_id))
    binding = _member(report, "hub")
    if binding.get("session") != session.id or binding.get("nonce") != session.nonce:
        raise Refused(
            403,
            _("Wrong session"),
            _("The report is bound to another session or nonce than this one."),
        )
    if session.used_by_digest is not None:
        return _stored_or_replay(db, session.id, digest, intake.public_url)
    received = intake.clock()
    if utc(session.expires_at) <= received:
        raise Refused(410, _("Session expired"), _("This session has expired; join again."))
    agent = report.get("agent")
    agent_id = agent.get("id") if isinstance(agent, dict) else None
    if agent_id != bound.agent_id:
        raise Refused(
            403, _("Wrong agent"), _("The report's agent id is not the one this invite is for.")
        )
    spec_row = intake.specs.row(db, bound.spec_id)
    if spec_row is None:  # a foreign key: only a database edited by hand gets here
        raise Refused(404, _("Unknown spec"), _("This session's spec is not on this hub."))
    if _member(report, "spec").get("sha256") != spec_row.sha256:
        raise Refused(
            403, _("Wrong spec"), _("The report was not made with the spec this invite names.")
        )
    if report["scope"].get("complete") is not True:
        raise Refused(
            422,
            _("Partial run"),
            _("The report is of a partial run; run the whole check and submit again."),
        )

    observed = {k: v for k, v in dict(intake.summarise(db, session.id)).items() if v is not None}
    if "source" not in observed and session.source:
        observed["source"] = dict(session.source)
    spec = intake.specs.get(spec_row)
    hub_values = disputes(client_values(report), observed, intake.margin)
    verdict = rejudge(report, spec, intake.specs.registry, hub_values)

    report_id = secrets.token_hex(16)
    statement = {
        "type": STATEMENT_TYPE,
        "hub": intake.public_url.rstrip("/"),
        "report_id": report_id,
        "report_digest": digest,
        "session": session.id,
        "nonce": session.nonce,
        "agent_id": bound.agent_id,
        "spec": {"name": spec_row.name, "sha256": spec_row.sha256},
        "received_at": received.isoformat(timespec="seconds"),
        "observed": observed,
        "disputed": sorted(hub_values),
        "verdict": verdict,
    }
    envelope = sign(statement, intake.keys.signing_key())
    body = {k: v for k, v in report.items() if k != "attestation"}
    values: dict[str, Any] = {
        "id": report_id,
        "session_id": session.id,
        "agent_id": bound.agent_id,
        "spec_id": spec_row.id,
        "verdict": verdict,
        "disputed": bool(hub_values),
        "received_at": received,
        "digest": digest,
        "body": body,
        "observed": observed,
        "attestation": envelope,
    }
    previous = (
        alert_events.previous_verdict(db, bound.agent_id, received)
        if verdict == alert_events.NOT_READY_VERDICT
        else None
    )
    try:
        if not _consume_and_store(db, session.id, digest, values):
            db.rollback()  # another submission won the race
            return _stored_or_replay(db, session.id, digest, intake.public_url)
    except IntegrityError:  # the same report stored by a concurrent submission
        db.rollback()
        return _stored_or_replay(db, session.id, digest, intake.public_url)
    stored = Report(**values)
    try:
        fleet.record_report(db, stored, team=bound.team, spec=spec_row)
        alert_events.on_report(
            db,
            stored,
            team=bound.team,
            disputed=sorted(hub_values),
            verify_url=verify_url(intake.public_url, report_id),
            previous=previous,
        )
        db.commit()
    except IntegrityError:  # the same report stored by a concurrent submission
        db.rollback()
        return _stored_or_replay(db, session.id, digest, intake.public_url)
    return Accepted(
        201,
        {
            "report_id": report_id,
            "verify_url": verify_url(intake.public_url, report_id),
            "attestation": envelope,
            "observed": observed,
            "disputed": sorted(hub_values),
        },
    )
