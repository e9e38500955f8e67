"""Ed25519 keys: ids, encoding, and the private key file the hub keeps (mode 0600)."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_ID_PREFIX = "ed25519:"


class KeyProblem(ValueError):
    """A key that cannot be used (wrong length, not base64, unreadable file)."""


def key_id(public: Ed25519PublicKey) -> str:
    """``ed25519:`` + the first 16 hex digits of sha256 of the raw public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_ID_PREFIX + hashlib.sha256(raw).hexdigest()[:16]


def public_to_text(public: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64 (how ``/api/v1/info`` and specs carry it)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_from_text(text: str) -> Ed25519PublicKey:
    """A public key from its base64 text (``--hub-key``, a pin, a spec).

    Raises:
        KeyProblem: not base64 of 32 bytes.
    """
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (ValueError, TypeError):
        raise KeyProblem("not base64") from None
    if len(raw) != 32:
        raise KeyProblem("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def new_private_key(path: Path) -> Ed25519PrivateKey:
    """Create a key and write it to ``path`` (PEM, PKCS#8) readable by its owner only.

    The file is created with mode 0600 from the start (never world-readable, not even for
    a moment) and is never overwritten.
    """
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The hub's signing key from its PEM file.

    Raises:
        KeyProblem: missing, unreadable or not an Ed25519 key.
    """
    try:
        data = path.read_bytes()
        key = serialization.load_pem_private_key(data, password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyProblem(f"{path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(f"{path}: not an Ed25519 key")
    return key
