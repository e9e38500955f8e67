"""An integrity digest over the report's canonical JSON, so any edit is detected.

This is a checksum, not a signature: it proves the file was not changed after
deskready wrote it *unless* whoever changed it also recomputed the digest, which anyone
with this code can do. It stops casual edits (the common "I'll just fix the number"),
and it names exactly which report an employer received. See docs/report.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

ALGORITHM = "sha256"
#: Members outside the seal: the digest itself, and an employer hub's attestation, which
#: signs the digest (docs/hub-protocol.md §6) and so is added after sealing, with the
#: verification link the hub answered with (printed in the PDF, with its QR code).
UNSEALED = ("integrity", "attestation", "verify_url")


def canonical_bytes(report: dict[str, Any]) -> bytes:
    """The bytes the digest is computed over: sorted keys, no spaces, UTF-8, without the
    members outside the seal."""
    body = {k: v for k, v in report.items() if k not in UNSEALED}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def compute_digest(report: dict[str, Any]) -> str:
    """Hex digest of the report's canonical form."""
    return hashlib.sha256(canonical_bytes(report)).hexdigest()


def seal(report: dict[str, Any]) -> dict[str, Any]:
    """Return ``report`` with its ``integrity`` entry set (last key, for readability)."""
    sealed = {k: v for k, v in report.items() if k != "integrity"}
    sealed["integrity"] = {"algorithm": ALGORITHM, "digest": compute_digest(sealed)}
    return sealed


def verify_digest(report: dict[str, Any]) -> bool:
    """True when the report carries a digest and it matches its content."""
    integrity = report.get("integrity")
    if not isinstance(integrity, dict) or integrity.get("algorithm") != ALGORITHM:
        return False
    digest = integrity.get("digest")
    if not isinstance(digest, str):
        return False
    return hmac.compare_digest(digest, compute_digest(report))
