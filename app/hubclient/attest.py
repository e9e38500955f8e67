"""Checking an employer hub's attestation on a report, offline (docs/hub-protocol.md §6).

:func:`check` answers: is the ``attestation`` signed by one of the hub's keys, and is it
about *this* report? The signed statement must name this report's digest (computed from
the report's content, so an edit shows whether or not the seal was recomputed), and the
report's own ``hub``, ``agent`` and ``spec`` fields must be those the hub saw: the same
session and nonce (not an attestation taken from another run), the invite's agent id and
the spec's sha256. Every mismatch is one line for the agent.

Only ``cryptography`` and the standard library: this runs on the agent's computer and on
the employer's, with no server.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from deskready.checks.i18n import _
from deskready.hubclient import pins as pinning
from deskready.report.integrity import ALGORITHM, compute_digest
from deskready.trust.envelope import EnvelopeError, verify


@dataclass
class AttestationResult:
    """What :func:`check` found.

    Attributes:
        present: the report carries an ``attestation`` at all.
        problems: one line per failure; empty when it holds.
        statement: the signed statement when the signature checked out (even if a field
            then did not match), else None.
        key_id: the key that signed it.
    """

    present: bool
    problems: list[str] = field(default_factory=list)
    statement: dict[str, Any] | None = None
    key_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.present and not self.problems and self.statement is not None


def _member(report: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = report.get(key)
    return value if isinstance(value, Mapping) else {}


def unverified_hub(report: Mapping[str, Any]) -> str | None:
    """The hub a report says it was measured by (its sealed ``hub.url``, else what the
    unverified attestation names): where to look for pinned keys, nothing more."""
    url = _member(report, "hub").get("url")
    if isinstance(url, str) and url:
        return url
    envelope = report.get("attestation")
    if not isinstance(envelope, Mapping):
        return None
    try:
        statement = json.loads(base64.b64decode(str(envelope.get("payload", "")), validate=True))
    except (binascii.Error, ValueError, RecursionError):
        return None
    hub = statement.get("hub") if isinstance(statement, dict) else None
    return hub if isinstance(hub, str) else None


def keys_for(
    report: Mapping[str, Any],
    given: Mapping[str, Ed25519PublicKey],
    store: pinning.PinStore | None,
    spec_key: Ed25519PublicKey | None = None,
) -> dict[str, Ed25519PublicKey]:
    """The keys to check ``report`` against: ``--hub-key`` when given (only those), else
    the pins of the report's hub and the spec's ``[hub] public_key``."""
    if given:
        return dict(given)
    keys: dict[str, Ed25519PublicKey] = {}
    hub = unverified_hub(report)
    if store is not None and hub:
        keys.update(store.keys(pinning.origin_of(hub)) or {})
    if spec_key is not None:
        from deskready.trust.keys import key_id

        keys[key_id(spec_key)] = spec_key
    return keys


def check(report: Mapping[str, Any], keys: Mapping[str, Ed25519PublicKey]) -> AttestationResult:
    """Verify the report's attestation against ``keys``; never raises."""
    envelope = report.get("attestation")
    if envelope is None:
        return AttestationResult(present=False)
    result = AttestationResult(present=True)
    if not keys:
        result.problems.append(
            _(
                "no key of the employer's hub is known on this computer to check its "
                "signature; give it with --hub-key"
            )
        )
        return result
    try:
        verified = verify(envelope, keys)
    except EnvelopeError as exc:
        result.problems.append(_signature_words(str(exc)))
        return result
    statement = verified.statement
    result.statement = statement
    result.key_id = verified.key_id
    result.problems.extend(mismatches(report, statement))
    return result


def _signature_words(reason: str) -> str:
    """The envelope's reason (English, from deskready.trust) in the agent's language."""
    words = {
        "the attestation is not a signed envelope": _("the attestation is not a signed envelope"),
        "the attestation has an unknown payload type": _(
            "the attestation has an unknown payload type"
        ),
        "the attestation's payload is not base64": _("the attestation's payload is not base64"),
        "the attestation carries no signature": _("the attestation carries no signature"),
        "the attestation's statement is not JSON": _("the attestation's statement is not JSON"),
        "the attestation's statement is of an unknown type": _(
            "the attestation's statement is of an unknown type"
        ),
        "the attestation is signed by a key this hub is not known by": _(
            "the attestation is signed by a key this computer does not know as the hub's "
            "(an unknown key)"
        ),
        "the attestation's signature does not match: it was altered": _(
            "the attestation's signature does not match: it was altered"
        ),
    }
    return words.get(reason, reason)


def mismatches(report: Mapping[str, Any], statement: Mapping[str, Any]) -> list[str]:
    """Where a verified statement and the report disagree, one line each."""
    problems: list[str] = []
    digest = f"{ALGORITHM}:{compute_digest(dict(report))}"
    if statement.get("report_digest") != digest:
        problems.append(
            _(
                "the report is not the one the hub signed: its content differs from what the "
                "hub received (edited or resealed after the hub's signature)"
            )
        )
    hub = _member(report, "hub")
    agent = _member(report, "agent")
    spec = _member(report, "spec")
    signed_spec = statement.get("spec")
    signed_spec = signed_spec if isinstance(signed_spec, Mapping) else {}
    pairs: Sequence[tuple[str, Any, Any]] = (
        (
            _(
                "the nonce differs from the hub's session: the attestation belongs to another "
                "run (replayed)"
            ),
            statement.get("nonce"),
            hub.get("nonce"),
        ),
        (
            _("the session differs from the one the hub signed"),
            statement.get("session"),
            hub.get("session"),
        ),
        (
            _("the agent id differs from the invite's: the report was made under another invite"),
            statement.get("agent_id"),
            agent.get("id"),
        ),
        (
            _("the spec differs from the one the hub handed out (sha256)"),
            signed_spec.get("sha256"),
            spec.get("sha256"),
        ),
    )
    for words, signed, own in pairs:
        if signed is None or signed != own:
            problems.append(words)
    signed_hub = statement.get("hub")
    own_hub = hub.get("url")
    if (
        not isinstance(signed_hub, str)
        or not isinstance(own_hub, str)
        or (pinning.origin_of(signed_hub) != pinning.origin_of(own_hub))
    ):
        problems.append(_("the report names another hub than the one that signed it"))
    return problems
