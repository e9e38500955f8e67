"""DSSE envelopes signed with Ed25519: the hub's attestation on a report.

DSSE (secure-systems-lab/dsse, ``envelope.md`` and ``protocol.md``) signs the
*pre-authentication encoding* (PAE) of the payload type and the payload bytes, so a
signature cannot be moved to another payload type. The payload is canonical JSON (sorted
keys, no spaces, UTF-8), so the same statement always gives the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from deskready.trust.keys import key_id

PAYLOAD_TYPE = "application/vnd.deskready.attestation+json"
STATEMENT_TYPE = "deskready-attestation/1"


class EnvelopeError(ValueError):
    """An envelope that does not verify; the message says why in one line."""


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that is signed."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def sign(statement: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """An envelope over ``statement`` signed by ``key``."""
    payload = canonical_json(dict(statement))
    signature = key.sign(pae(PAYLOAD_TYPE, payload))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [
            {"keyid": key_id(key.public_key()), "sig": base64.b64encode(signature).decode("ascii")}
        ],
    }


@dataclass(frozen=True)
class Verified:
    """A statement whose signature checked out, and the key that signed it."""

    statement: dict[str, Any]
    key_id: str


def verify(envelope: object, keys: Mapping[str, Ed25519PublicKey]) -> Verified:
    """The statement inside ``envelope`` if one of its signatures is by one of ``keys``.

    Never raises anything but :class:`EnvelopeError`, whatever ``envelope`` holds.
    """
    if not isinstance(envelope, Mapping):
        raise EnvelopeError("the attestation is not a signed envelope")
    if envelope.get("payloadType") != PAYLOAD_TYPE:
        raise EnvelopeError("the attestation has an unknown payload type")
    try:
        payload = base64.b64decode(str(envelope.get("payload", "")), validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError("the attestation's payload is not base64") from None
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise EnvelopeError("the attestation carries no signature")
    known = False
    for entry in signatures:
        if not isinstance(entry, Mapping):
            continue
        kid = str(entry.get("keyid", ""))
        public = keys.get(kid)
        if public is None:
            continue
        known = True
        try:
            signature = base64.b64decode(str(entry.get("sig", "")), validate=True)
            public.verify(signature, pae(PAYLOAD_TYPE, payload))
        except (binascii.Error, ValueError, InvalidSignature):
            continue
        try:
            statement = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise EnvelopeError("the attestation's statement is not JSON") from None
        if not isinstance(statement, dict) or statement.get("type") != STATEMENT_TYPE:
            raise EnvelopeError("the attestation's statement is of an unknown type")
        return Verified(statement, kid)
    if not known:
        raise EnvelopeError("the attestation is signed by a key this hub is not known by")
    raise EnvelopeError("the attestation's signature does not match: it was altered")
