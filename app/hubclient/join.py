"""Joining an employer's hub with an invite code (docs/hub-protocol.md §1–3).

``join(hub, invite)``: parse the code or link, ``GET /api/v1/info`` and decide whether to
trust the hub's key (:mod:`deskready.hubclient.pins`), ``POST /api/v1/sessions``, fetch
the spec the session names, check its sha256 and load it with the same loader as any spec.
Every problem is a :class:`JoinError` with one line for the agent (the CLI exits 2).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from deskready.checks.i18n import _
from deskready.hubclient import pins as pinning
from deskready.hubclient.store import StoreError
from deskready.hubclient.transport import HubError, check_url, get_json, post_json, request
from deskready.registry import CheckRegistry
from deskready.spec import SpecError
from deskready.spec.loader import MAX_SPEC_BYTES, load_spec_bytes
from deskready.spec.model import Spec
from deskready.trust.keys import KeyProblem, key_id, public_from_text

API = "/api/v1"
#: base32 (RFC 4648) without padding; 128 bits are 26 characters.
_CODE = re.compile(r"^[A-Z2-7]{26,128}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SESSION = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_JOIN_PATH = "/join/"


class JoinError(Exception):
    """Joining failed; ``str()`` is one line for the agent."""


@dataclass(frozen=True)
class Invite:
    """An invite as the agent gave it: the code, and the hub when it came as a link."""

    code: str
    hub: str | None = None


def normalize_code(text: str) -> str:
    """The code without spaces or hyphens, upper-cased (base32 has neither)."""
    return re.sub(r"[\s\-]+", "", text).upper()


def parse_invite(text: str) -> Invite:
    """An invite code, or a link ``https://hub.example/join/<code>``.

    Whitespace anywhere and the code's case do not matter.

    Raises:
        JoinError: neither a code nor a join link.
    """
    raw = "".join(text.split())
    if "://" in raw:
        parts = urlsplit(raw)
        path = parts.path
        where = path.rfind(_JOIN_PATH)
        if where < 0 or not parts.netloc:
            raise JoinError(
                _(
                    "{link} is not an invite link (https://…/join/CODE); give the link or the "
                    "code your employer sent."
                ).format(link=raw)
            )
        hub = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path[:where], "", ""))
        code = normalize_code(path[where + len(_JOIN_PATH) :].strip("/"))
        _check_code(code, raw)
        return Invite(code, hub_base(hub))
    code = normalize_code(raw)
    _check_code(code, text.strip())
    return Invite(code)


def _check_code(code: str, shown: str) -> None:
    if not _CODE.match(code):
        raise JoinError(
            _(
                "{code} is not an invite code: a code has at least 26 letters A–Z and "
                "digits 2–7. Check it against what your employer sent."
            ).format(code=shown or "''")
        )


def hub_base(url: str) -> str:
    """The hub's address without a trailing slash (the API is under ``<base>/api/v1``).

    Raises:
        JoinError: not https (or http to loopback), or not a web address at all.
    """
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        check_url(text)
    except HubError as exc:
        raise JoinError(str(exc)) from None
    parts = urlsplit(text)
    path = parts.path.rstrip("/")
    if path.endswith(API):
        path = path[: -len(API)]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


@dataclass(frozen=True)
class Endpoints:
    """Where the hub measures this session (docs/hub-protocol.md §2, §4)."""

    librespeed: str
    stun: str
    stun_username: str


@dataclass
class Joined:
    """An open measurement session and the spec it is judged by."""

    hub: str
    origin: str
    name: str
    session: str
    nonce: str
    agent_id: str
    key_id: str
    expires_at: str
    endpoints: Endpoints
    spec: Spec
    #: the keys an attestation of this hub may be signed with (pinned, given, the spec's)
    keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    trust: pinning.Trust = pinning.Trust.PINNED

    def hub_binding(self, stun_sent: int | None = None) -> dict[str, Any]:
        """What goes into ``session.hub`` (sealed into the report)."""
        return {
            "url": self.hub,
            "session": self.session,
            "nonce": self.nonce,
            "stun_sent": stun_sent,
        }


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise JoinError(
            _("The employer's hub sent an answer without {field} ({where}).").format(
                field=key, where=where
            )
        )
    return value.strip()


def _hub_keys(info: dict[str, Any]) -> tuple[str, dict[str, Ed25519PublicKey]]:
    current = _text(info, "key_id", "/api/v1/info")
    listed = info.get("public_keys")
    if not isinstance(listed, dict) or len(listed) > 64:
        raise JoinError(_("The employer's hub lists no public keys (/api/v1/info)."))
    offered: dict[str, Ed25519PublicKey] = {}
    for kid, text in listed.items():
        try:
            public = public_from_text(str(text))
        except KeyProblem:
            raise JoinError(
                _("The employer's hub lists a key that is not an Ed25519 key: {key}.").format(
                    key=kid
                )
            ) from None
        if key_id(public) != kid:
            raise JoinError(
                _("The employer's hub lists key {key} under an id that is not its own.").format(
                    key=kid
                )
            )
        offered[kid] = public
    return current, offered


def join(
    hub: str | None,
    invite: str,
    registry: CheckRegistry,
    *,
    hub_keys: Sequence[str] = (),
    pins: pinning.PinStore | None = None,
) -> Joined:
    """Open a measurement session on the hub with ``invite`` (a code or a link).

    Raises:
        JoinError: any problem, worded (unreachable hub, refused invite, unknown key…).
    """
    parsed = parse_invite(invite)
    base = hub_base(hub) if hub else parsed.hub
    if base is None:
        raise JoinError(
            _("Give the employer's hub with --hub URL, or the whole invite link with --invite.")
        )
    if parsed.hub is not None and hub and pinning.origin_of(parsed.hub) != pinning.origin_of(base):
        raise JoinError(
            _("The invite link is for {link_hub}, not for --hub {hub}.").format(
                link_hub=parsed.hub, hub=base
            )
        )
    origin = pinning.origin_of(base)
    try:
        store = pins or pinning.PinStore.load()
        given = pinning.given_keys(tuple(hub_keys))
    except StoreError as exc:
        raise JoinError(str(exc)) from None
    try:
        info = get_json(base + API + "/info")
        current, offered = _hub_keys(info)
        pinned = store.keys(origin)
        decision = pinning.decide(base, current, offered, pinned, given)
        if decision.trust is pinning.Trust.REFUSED:
            raise JoinError(decision.message)
        _status, body = post_json(base + API + "/sessions", {"invite": parsed.code})
        fields = _session(base, origin, info, body, current)
        spec = _fetch_spec(base, origin, fields["session"], body, registry)
        joined = Joined(**fields, spec=spec)
    except HubError as exc:
        raise JoinError(_invite_words(exc)) from None
    if decision.trust is pinning.Trust.NEEDS_SPEC and (
        joined.spec.hub_key is None or _kid(joined.spec.hub_key) != current
    ):
        raise JoinError(decision.message)
    keys = dict(pinned or {})
    if decision.trust is pinning.Trust.FIRST_CONTACT:
        store.add(origin, offered, str(info.get("name", "")))
        keys.update(offered)
    elif decision.trust is not pinning.Trust.PINNED:
        store.add(origin, {current: offered[current]}, str(info.get("name", "")))
        keys[current] = offered[current]
    if decision.trust is not pinning.Trust.PINNED:
        try:
            store.save()
        except StoreError as exc:
            raise JoinError(str(exc)) from None
    keys.update(given)
    if joined.spec.hub_key is not None:
        spec_key = public_from_text(joined.spec.hub_key)
        keys.setdefault(key_id(spec_key), spec_key)
    joined.keys = keys
    joined.trust = decision.trust
    return joined


def _kid(text: str) -> str:
    try:
        return key_id(public_from_text(text))
    except KeyProblem:
        return ""


def _invite_words(exc: HubError) -> str:
    """The hub's refusal of an invite, said for the agent."""
    if exc.status == 404:
        return _("The employer's hub does not know this invite code ({problem}).").format(
            problem=exc.title
        )
    if exc.status == 410:
        return _(
            "This invite code can no longer be used ({problem}); ask your employer for a new one."
        ).format(problem=exc.title)
    if exc.status == 429:
        return _("The employer's hub is busy or limits tries ({problem}); try again later.").format(
            problem=exc.title
        )
    return str(exc)


def _session(
    base: str, origin: str, info: dict[str, Any], body: dict[str, Any], current: str
) -> dict[str, Any]:
    """The fields of :class:`Joined` the session's answer gives, checked."""
    where = "/api/v1/sessions"
    session = _text(body, "session", where)
    if not _SESSION.match(session):
        raise JoinError(_("The employer's hub sent a malformed session id."))
    nonce = _text(body, "nonce", where).lower()
    if not _HEX64.match(nonce):
        raise JoinError(_("The employer's hub sent a malformed nonce."))
    if body.get("key_id", current) != current:
        raise JoinError(
            _("The employer's hub named two different keys ({first} and {second}).").format(
                first=current, second=body.get("key_id")
            )
        )
    endpoints = body.get("endpoints")
    if not isinstance(endpoints, dict):
        raise JoinError(_("The employer's hub sent no measurement endpoints."))
    librespeed = urljoin(base + "/", _text(endpoints, "librespeed", where))
    if urlsplit(librespeed).scheme not in ("http", "https") or not urlsplit(librespeed).hostname:
        raise JoinError(_("The employer's hub sent a measurement address that is not a web one."))
    from deskready.checks.network.stun import parse_server

    stun = _text(endpoints, "stun", where)
    try:
        parse_server(stun)
    except ValueError:
        raise JoinError(_("The employer's hub sent a malformed STUN address.")) from None
    return dict(
        hub=base,
        origin=origin,
        name=str(info.get("name") or origin)[:200],
        session=session,
        nonce=nonce,
        agent_id=_text(body, "agent_id", where),
        key_id=current,
        expires_at=str(body.get("expires_at") or ""),
        endpoints=Endpoints(librespeed, stun, _text(endpoints, "stun_username", where)),
    )


def _fetch_spec(
    base: str, origin: str, session: str, body: dict[str, Any], registry: CheckRegistry
) -> Spec:
    named = body.get("spec")
    if not isinstance(named, dict):
        raise JoinError(_("The employer's hub named no spec for this invite."))
    name = _text(named, "name", "spec")
    sha256 = _text(named, "sha256", "spec").lower()
    if not _HEX64.match(sha256):
        raise JoinError(_("The employer's hub named its spec with a malformed sha256."))
    url = urljoin(base + "/", named.get("url") or f"{API}/specs/{name}/{sha256}")
    if pinning.origin_of(url) != origin:
        # The session id goes along as a credential: never to another server.
        raise JoinError(
            _("The employer's hub names a spec on another server ({url}).").format(url=url)
        )
    answer = request(
        "GET",
        url,
        headers={"Authorization": f"Session {session}", "Accept": "application/toml"},
        limit=MAX_SPEC_BYTES,
    )
    if hashlib.sha256(answer.body).hexdigest() != sha256:
        raise JoinError(
            _(
                "The spec the employer's hub sent is not the one it named (its sha256 differs); "
                "it was not used."
            )
        )
    try:
        return load_spec_bytes(
            answer.body, registry, file_name=f"{name}.toml", source=f"{name} ({origin})"
        )
    except SpecError as exc:
        raise JoinError(
            _("The spec from the employer's hub cannot be used: {problems}").format(
                problems=" ".join(str(exc).split())
            )
        ) from None


def hub_settings(spec: Spec, joined: Joined, wanted: set[str]) -> Spec:
    """``spec`` with its network checks pointed at the hub (only those it runs anyway):
    ``bandwidth`` and ``responsiveness`` on the hub's LibreSpeed endpoint, ``call_quality``
    on its STUN server with the session's USERNAME (the hub mode, docs/hub-protocol.md §4)."""
    settings = {k: dict(v) for k, v in spec.check_settings.items()}
    for check in ("bandwidth", "responsiveness"):  # both load the hub's LibreSpeed port
        if check in wanted:
            settings.setdefault(check, {}).update(
                backend="librespeed", server=joined.endpoints.librespeed
            )
    if "upstream" in wanted:
        # the hub counts the call-quality stream's requests; the upstream check reads the
        # count back, so the stream must run too (a settings table plans it)
        settings.setdefault("upstream", {}).update(hub_url=joined.hub, session=joined.session)
        settings.setdefault("call_quality", {})
    if "call_quality" in wanted or "upstream" in wanted:
        # hub_url: the stream then asks the hub which packets it answered, and reports
        # loss and jitter by direction (checks/network/hub_directions.py)
        settings.setdefault("call_quality", {}).update(
            stun_servers=[joined.endpoints.stun],
            stun_username=joined.endpoints.stun_username,
            hub_url=joined.hub,
        )
    return replace(spec, check_settings=settings)
