"""What an administrator does to a hub: users, specs, invites, keys; each act audited.

The CLI (``deskready hub …``) and the API's dashboard both call these functions, so the
rules live in one place:

- **Passwords** are hashed with Argon2id (RFC 9106; argon2-cffi's ``PasswordHasher``
  defaults are RFC 9106's second recommended option, 64 MiB and 3 passes). The hash is
  upgraded on the next sign-in when those parameters change (``check_needs_rehash``).
- **Specs** are checked by the very loader the agent's deskready uses
  (:func:`deskready.spec.loader.load_spec_bytes` with the installed checks), so a spec the
  hub accepts is one every agent can load; a refused one lists every problem with its line.
  The bytes are stored as uploaded: their sha256 is the spec's identity in its URL.
- **Invite codes** are 160 random bits (``secrets.token_bytes(20)``), written in base32
  without padding (RFC 4648 §6: 32 letters and digits, no look-alike 0/1/8, case does not
  matter). The hub stores only their sha256: the code has far more entropy than a
  password, so a fast hash cannot be brute-forced, and it lets :func:`redeem` find the
  invite by an index lookup. A code expires, has a number of uses, and can be revoked.
- **Audit**: every change an administrator makes writes an ``audit_log`` row in the same
  transaction, so there is no change without its entry.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import String, cast, select, update
from sqlalchemy.orm import Session

from deskready.checks.i18n import N_, _
from deskready.hub.config import HubConfig, load_config, save_config, sqlite_url
from deskready.hub.db import make_engine, migrate, now, session_factory, utc
from deskready.hub.models import AuditEntry, Invite, MeasureSession, SpecFile, User

ROLES = ("admin", "supervisor")
#: NIST SP 800-63B §5.1.1.2 asks for at least 8; a hub's admin can sign every agent's
#: report off, so ask for more.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
INVITE_BYTES = 20
SPEC_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([mhdw])\s*$")
_DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
#: the longest an invite may live: a year
MAX_INVITE_LIFETIME = timedelta(days=366)
MAX_INVITE_USES = 10_000
_BASE32 = re.compile(r"^[A-Z2-7]+$")


class AdminError(ValueError):
    """A request the hub refuses; the message says why, for the person who asked."""


class SpecRefused(AdminError):
    """An uploaded spec the loader refused; ``problems`` holds one line per problem."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


class InviteUnknown(AdminError):
    """No invite has this code (the API answers 404)."""


class InviteGone(AdminError):
    """The invite existed but cannot be used any more (the API answers 410).

    ``reason`` is one of ``expired``, ``revoked``, ``used_up``.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


# -- audit ---------------------------------------------------------------------------------


def audit(
    db: Session, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None
) -> None:
    """Add an audit entry to the caller's transaction (committed with the change it records)."""
    db.add(AuditEntry(actor=actor, action=action, target=target, detail=detail or {}, at=now()))


# -- users ---------------------------------------------------------------------------------


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def check_email(email: str) -> str:
    """``email`` trimmed and lower-cased, or :class:`AdminError`."""
    cleaned = email.strip().lower()
    if not _EMAIL.match(cleaned):
        raise AdminError(_("{email} is not an email address").format(email=email))
    return cleaned


def check_password(password: str) -> None:
    """Refuse a password too short to protect a hub (or absurdly long)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(
            _("the password must have at least {count} characters").format(
                count=MIN_PASSWORD_LENGTH
            )
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AdminError(
            _("the password must have at most {count} characters").format(count=MAX_PASSWORD_LENGTH)
        )


def hash_password(password: str) -> str:
    """An Argon2id hash in PHC string form (``$argon2id$v=19$m=…``)."""
    return str(_hasher().hash(password))


def add_user(db: Session, email: str, password: str, *, role: str = "admin", actor: str) -> User:
    """A new user; the caller commits.

    Raises:
        AdminError: a bad email, a weak password, an unknown role, or the email is taken.
    """
    address = check_email(email)
    if role not in ROLES:
        raise AdminError(
            _("unknown role {role} (known: {known})").format(role=role, known=", ".join(ROLES))
        )
    check_password(password)
    if db.scalar(select(User.id).where(User.email == address)) is not None:
        raise AdminError(_("there is already a user {email}").format(email=address))
    user = User(email=address, password_hash=hash_password(password), role=role, created_at=now())
    db.add(user)
    audit(db, actor, "user.add", address, {"role": role})
    db.flush()
    return user


#: Verified when the email is unknown, so that an unknown email takes as long as a wrong
#: password (no user enumeration by timing).
_DUMMY_HASH: str | None = None


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (same time for an unknown email).

    A hash made with older Argon2 parameters is replaced with a current one; the caller
    commits.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    global _DUMMY_HASH
    hasher = _hasher()
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hasher.hash(secrets.token_hex(16))
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


# -- specs ---------------------------------------------------------------------------------


def check_spec_name(name: str) -> str:
    """``name`` if it can be part of the spec's URL, else :class:`AdminError`."""
    if not SPEC_NAME.match(name):
        raise AdminError(
            _(
                "the spec name {name} must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
            ).format(name=name)
        )
    return name


def upload_spec(
    db: Session, name: str, data: bytes, *, actor: str, file_name: str = "spec.toml"
) -> tuple[SpecFile, bool]:
    """Store a spec after the agent's own loader accepted it; the caller commits.

    Returns the stored row and whether it is new (uploading the same bytes under the same
    name again returns the existing one and changes nothing).

    Raises:
        SpecRefused: the loader found problems (all of them, each with its line).
        AdminError: a bad name.
    """
    from deskready.registry import discover_checks
    from deskready.spec import SpecError
    from deskready.spec.loader import load_spec_bytes

    check_spec_name(name)
    try:
        spec = load_spec_bytes(data, discover_checks(), file_name=file_name)
    except SpecError as exc:
        raise SpecRefused(
            exc.render(), [problem.render(exc.file_name) for problem in exc.problems]
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    existing = db.scalar(select(SpecFile).where(SpecFile.name == name, SpecFile.sha256 == digest))
    if existing is not None:
        return existing, False
    user_id = db.scalar(select(User.id).where(User.email == actor))
    row = SpecFile(
        name=name,
        sha256=digest,
        content=data,
        employer=spec.employer.name[:200],
        uploaded_at=now(),
        uploaded_by=user_id,
    )
    db.add(row)
    audit(db, actor, "spec.upload", name, {"sha256": digest, "bytes": len(data)})
    db.flush()
    return row, True


def list_specs(db: Session) -> list[SpecFile]:
    """Every uploaded spec, by name, newest version first."""
    return list(
        db.scalars(
            select(SpecFile).order_by(
                SpecFile.name, SpecFile.uploaded_at.desc(), SpecFile.id.desc()
            )
        )
    )


def latest_spec(db: Session, name: str) -> SpecFile | None:
    """The newest upload under ``name`` (what a new invite binds to)."""
    return db.scalar(
        select(SpecFile)
        .where(SpecFile.name == name)
        .order_by(SpecFile.uploaded_at.desc(), SpecFile.id.desc())
        .limit(1)
    )


def find_spec(db: Session, name: str, sha256: str) -> SpecFile | None:
    """The spec at its stable URL ``/api/v1/specs/<name>/<sha256>``."""
    return db.scalar(select(SpecFile).where(SpecFile.name == name, SpecFile.sha256 == sha256))


# -- invites -------------------------------------------------------------------------------


def parse_duration(text: str) -> timedelta:
    """``30m``, ``12h``, ``14d``, ``2w`` → a timedelta (at most a year).

    Raises:
        AdminError: anything else.
    """
    match = _DURATION.match(text)
    if not match:
        raise AdminError(
            _(
                "{text} is not a duration; write a number and m, h, d or w, such as 14d or 12h"
            ).format(text=text)
        )
    amount, unit = int(match.group(1)), match.group(2)
    duration = timedelta(**{_DURATION_UNITS[unit]: amount})
    if duration <= timedelta(0) or duration > MAX_INVITE_LIFETIME:
        raise AdminError(_("an invite lasts more than 0 and at most 366 days"))
    return duration


def new_invite_code() -> str:
    """160 random bits as 32 base32 characters (no padding: 160 is a multiple of 5)."""
    return base64.b32encode(secrets.token_bytes(INVITE_BYTES)).decode("ascii").rstrip("=")


def normalise_code(text: str) -> str | None:
    """The code inside what an agent typed or pasted, or None if it cannot be one.

    Accepts the link (``…/join/<code>``), lower case, spaces and dashes (people group
    long codes when they read them out).
    """
    candidate = text.strip()
    if "/join/" in candidate:
        candidate = candidate.rsplit("/join/", 1)[1].split("?", 1)[0].split("#", 1)[0]
    candidate = re.sub(r"[\s-]", "", candidate).upper()
    if not 26 <= len(candidate) <= 64 or not _BASE32.match(candidate):
        return None
    try:
        padded = candidate + "=" * (-len(candidate) % 8)
        base64.b32decode(padded)
    except (binascii.Error, ValueError):
        return None
    return candidate


def code_hash(code: str) -> str:
    """The sha256 hex of a normalised code (what the ``invites`` table stores)."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def check_agent_id(agent_id: str) -> str:
    """``agent_id`` trimmed, if it is 1 to 64 printable characters."""
    cleaned = agent_id.strip()
    if not 1 <= len(cleaned) <= 64 or not cleaned.isprintable():
        raise AdminError(_("the agent id must be 1 to 64 printable characters"))
    return cleaned


@dataclass(frozen=True)
class NewInvite:
    """What ``hub invite`` prints: the code (shown once, never stored) and the row."""

    code: str
    invite: Invite


def create_invite(
    db: Session,
    *,
    agent_id: str,
    spec_name: str,
    expires: timedelta = timedelta(days=14),
    uses: int = 1,
    team: str = "",
    actor: str,
) -> NewInvite:
    """An invite bound to ``agent_id`` and the newest spec named ``spec_name``; the caller
    commits.

    Raises:
        AdminError: no such spec, a bad agent id, team, lifetime or use count.
    """
    agent = check_agent_id(agent_id)
    if not 1 <= uses <= MAX_INVITE_USES:
        raise AdminError(_("an invite has 1 to {count} uses").format(count=MAX_INVITE_USES))
    if len(team) > 64 or not team.isprintable():
        raise AdminError(_("the team must be at most 64 printable characters"))
    if expires <= timedelta(0) or expires > MAX_INVITE_LIFETIME:
        raise AdminError(_("an invite lasts more than 0 and at most 366 days"))
    spec = latest_spec(db, spec_name)
    if spec is None:
        raise AdminError(
            _(
                "no spec named {name}; upload it first: deskready hub spec upload FILE --name {name}"
            ).format(name=spec_name)
        )
    code = new_invite_code()
    invite = Invite(
        code_hash=code_hash(code),
        agent_id=agent,
        team=team.strip(),
        spec_id=spec.id,
        spec=spec,
        expires_at=now() + expires,
        uses_left=uses,
        revoked=False,
        created_at=now(),
    )
    db.add(invite)
    db.flush()
    audit(
        db,
        actor,
        "invite.create",
        agent,
        {
            "invite_id": invite.id,
            "spec": spec.name,
            "sha256": spec.sha256,
            "expires_at": utc(invite.expires_at).isoformat(),
            "uses": uses,
            "team": invite.team,
        },
    )
    return NewInvite(code, invite)


def find_invite(db: Session, code: str) -> Invite | None:
    """The invite with this code (given as typed or as the link), or None."""
    normal = normalise_code(code)
    if normal is None:
        return None
    return db.scalar(select(Invite).where(Invite.code_hash == code_hash(normal)))


def _gone_reason(invite: Invite, moment: datetime) -> str | None:
    if invite.revoked:
        return "revoked"
    if utc(invite.expires_at) <= moment:
        return "expired"
    if invite.uses_left <= 0:
        return "used_up"
    return None


_GONE_MESSAGES = {
    "revoked": N_("this invite was revoked; ask your employer for a new one"),
    "expired": N_("this invite has expired; ask your employer for a new one"),
    "used_up": N_("this invite has been used; ask your employer for a new one"),
}


def redeem(db: Session, code: str, *, moment: datetime | None = None) -> Invite:
    """Use the invite with ``code`` once (what joining does); the caller commits.

    The use is taken by one conditional ``UPDATE`` (``uses_left > 0``, not revoked, not
    expired), so two agents joining at the same instant with a single-use code cannot both
    succeed, on SQLite or across PostgreSQL connections.

    Raises:
        InviteUnknown: no invite has this code (HTTP 404).
        InviteGone: expired, revoked or used up (HTTP 410); ``reason`` says which.
    """
    when = moment or now()
    invite = find_invite(db, code)
    if invite is None:
        raise InviteUnknown(_("there is no invite with this code; check it, or ask your employer"))
    reason = _gone_reason(invite, when)
    if reason is None:
        taken = db.execute(
            update(Invite)
            .where(
                Invite.id == invite.id,
                Invite.uses_left > 0,
                Invite.revoked.is_(False),
                Invite.expires_at > when,
            )
            .values(uses_left=Invite.uses_left - 1)
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) == 1:
            db.refresh(invite)
            return invite
        db.refresh(invite)
        reason = _gone_reason(invite, when) or "used_up"
    raise InviteGone(_(_GONE_MESSAGES[reason]), reason)


def revoke_invite(db: Session, code: str, *, actor: str) -> Invite:
    """Revoke the invite with ``code``; the caller commits.

    Raises:
        InviteUnknown: no invite has this code.
    """
    invite = find_invite(db, code)
    if invite is None:
        raise InviteUnknown(_("there is no invite with this code"))
    if not invite.revoked:
        invite.revoked = True
        audit(db, actor, "invite.revoke", invite.agent_id, {"invite_id": invite.id})
    return invite


# -- the whole hub ---------------------------------------------------------------------------


def init_hub(
    data_dir: Path,
    *,
    admin_email: str,
    admin_password: str,
    database_url: str | None = None,
    public_url: str = "https://hub.example",
    name: str = "deskready hub",
) -> HubConfig:
    """Create a hub in ``data_dir``: its config, schema, signing key and first admin.

    Raises:
        AdminError: a hub is already there, or a bad email or password.
        ConfigError: a bad URL.
    """
    from deskready.hub.keyring import create_key

    email = check_email(admin_email)
    check_password(admin_password)
    data_dir = data_dir.expanduser().resolve()
    config = HubConfig(
        data_dir=data_dir,
        database_url=database_url or sqlite_url(data_dir / "hub.db"),
        public_url=public_url.rstrip("/"),
        name=name,
    ).with_overrides()
    for existing in (config.config_path, config.key_path):
        if existing.exists():
            raise AdminError(_("{path} exists: there is a hub here already").format(path=existing))
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _private_sqlite_file(config.database_url)
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
        with session_factory(engine)() as db:
            if db.scalar(select(User.id).limit(1)) is not None:
                raise AdminError(
                    _("the database already belongs to a hub; give each hub its own --db")
                )
            kid = create_key(config, db)
            try:
                add_user(db, email, admin_password, role="admin", actor=email)
                audit(db, email, "hub.init", config.public_url, {"key_id": kid})
                db.commit()
            except BaseException:
                config.key_path.unlink(missing_ok=True)  # so that init can be run again
                raise
    finally:
        engine.dispose()
    save_config(config)
    return load_config(data_dir)


def _private_sqlite_file(url: str) -> None:
    """Create a new SQLite database file with mode 0600 (before SQLite creates it 0644):
    it holds password hashes and every report. SQLite gives its ``-wal`` and ``-shm``
    files the database file's mode (https://www.sqlite.org/tempfiles.html)."""
    from sqlalchemy.engine import make_url

    from deskready.hub.db import is_sqlite

    if is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:" and not Path(path).exists():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


# -- privacy -------------------------------------------------------------------------------
def purge_sources(db: Session, days: int, *, moment: datetime | None = None) -> int:
    """Forget where sessions older than ``days`` came from; returns how many were cleared.

    The source address class (and prefix) helps an employer notice a report measured from
    another network, for as long as such a question can come up; after the retention
    period (``[privacy] source_retention_days``) it is deleted, keeping only what the
    signed reports themselves carry.
    """
    cutoff = (moment or now()) - timedelta(days=days)
    result = db.execute(
        update(MeasureSession)
        # JSON has no equality on PostgreSQL; its text form does, on both databases
        .where(MeasureSession.created_at < cutoff, cast(MeasureSession.source, String) != "{}")
        .values(source={})
    )
    db.commit()
    return int(getattr(result, "rowcount", 0) or 0)
