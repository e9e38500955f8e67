"""The webhook signature: HMAC-SHA256 over the timestamp and the body.

The scheme Stripe and GitHub use, so receivers know it: ``X-Deskready-Timestamp`` carries
the Unix time of the attempt, ``X-Deskready-Signature`` is
``sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``. Signing the timestamp with the
body lets a receiver refuse a replayed request once it is older than a few minutes
(:data:`TOLERANCE_S`); comparing in constant time (``hmac.compare_digest``, RFC 2104 MACs)
leaks nothing of the expected value. docs/hub-alerts.md shows the same verifier.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "X-Deskready-Signature"
TIMESTAMP_HEADER = "X-Deskready-Timestamp"
EVENT_HEADER = "X-Deskready-Event"
DELIVERY_HEADER = "X-Deskready-Delivery"
#: how old (or how far ahead) a signed request may be before a receiver refuses it
TOLERANCE_S = 300


def new_secret() -> str:
    """A webhook secret: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` for ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str | None,
    signed: str | None,
    body: bytes,
    *,
    now: float | None = None,
    tolerance_s: float = TOLERANCE_S,
) -> bool:
    """True when ``signed`` is the signature of ``body`` at ``timestamp`` and that time is
    within ``tolerance_s`` of ``now`` (what a receiver checks). ``isascii`` as well as
    ``isdigit``: ``"²".isdigit()`` is true, and ``int("²")`` raises."""
    if not timestamp or not signed or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), signed)
