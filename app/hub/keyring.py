"""The hub's signing key: one Ed25519 private key on disk, every public key in the database.

Why this split: the private key never enters the database (a database dump or a read-only
replica must not let anyone sign attestations), while every public key the hub ever
signed with stays in the ``keys`` table, so an attestation made before a rotation still
verifies afterwards (``/api/v1/info`` lists them all; hub-protocol §1).

The private key is ``<data dir>/signing-key.pem`` (PKCS#8 PEM, mode 0600, written by
:func:`deskready.trust.keys.new_private_key`). Several hub processes share it: copy the
file to each machine. :meth:`Keyring.signing_key` notices when the file is replaced (by a
rotation in another process on the same machine) and loads the new key.

Rotation order (:func:`rotate`): the new key is written beside the old one, then its
public half is stored and the old one marked ``retired_at`` in one transaction, and only
then is the file swapped in. A crash in between leaves the old key signing, with both
public keys listed: every signature still verifies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from deskready.hub.config import HubConfig
from deskready.hub.db import now
from deskready.hub.models import HubKey
from deskready.trust.keys import (
    KeyProblem,
    key_id,
    load_private_key,
    new_private_key,
    public_to_text,
)


def register(db: Session, key: Ed25519PrivateKey) -> str:
    """Store ``key``'s public half as the current key (no-op if already stored)."""
    public = key.public_key()
    kid = key_id(public)
    if db.get(HubKey, kid) is None:
        db.add(HubKey(key_id=kid, public_key=public_to_text(public), created_at=now()))
    return kid


def create_key(config: HubConfig, db: Session) -> str:
    """The hub's first key: written to ``config.key_path`` (0600) and registered.

    Raises:
        FileExistsError: there is a key already (never overwritten).
    """
    key = new_private_key(config.key_path)
    return register(db, key)


def rotate(config: HubConfig, db: Session) -> tuple[str, str]:
    """Make a new key current; the old public key stays, marked retired.

    Returns ``(old key id, new key id)``. The caller commits nothing: this function
    commits its own transaction, because the file swap must follow the commit.

    Raises:
        KeyProblem: the current key file is missing or unreadable.
    """
    old = load_private_key(config.key_path)
    old_id = key_id(old.public_key())
    staged = config.key_path.with_name(config.key_path.name + ".new")
    staged.unlink(missing_ok=True)  # left by a rotation that crashed before its commit
    new = new_private_key(staged)
    try:
        new_id = register(db, new)
        register(db, old)  # a hub whose key row was lost still lists the old key
        db.execute(
            update(HubKey)
            .where(HubKey.key_id != new_id, HubKey.retired_at.is_(None))
            .values(retired_at=now())
        )
        db.commit()
    except BaseException:
        db.rollback()
        staged.unlink(missing_ok=True)
        raise
    os.replace(staged, config.key_path)
    return old_id, new_id


def public_keys(db: Session) -> dict[str, str]:
    """Every key id the hub has signed with → its base64 public key (current first)."""
    rows = db.scalars(
        select(HubKey).order_by(HubKey.retired_at.is_not(None), HubKey.created_at.desc())
    ).all()
    return {row.key_id: row.public_key for row in rows}


def current_key_id(db: Session) -> str | None:
    """The key id not yet retired (None before ``hub init``)."""
    return db.scalar(
        select(HubKey.key_id)
        .where(HubKey.retired_at.is_(None))
        .order_by(HubKey.created_at.desc())
        .limit(1)
    )


@dataclass
class _Loaded:
    stamp: tuple[int, int, int]
    key: Ed25519PrivateKey
    key_id: str


class Keyring:
    """The key a hub process signs with, reloaded when its file is replaced.

    One ``stat`` per call: cheap next to an Ed25519 signature, and it lets a rotation
    done by ``deskready hub key rotate`` reach a running hub without a restart.
    """

    def __init__(self, config: HubConfig, sessions: sessionmaker[Session] | None = None) -> None:
        self.path: Path = config.key_path
        self._sessions = sessions
        self._loaded: _Loaded | None = None

    def _load(self) -> _Loaded:
        try:
            info = os.stat(self.path)
        except OSError as exc:
            raise KeyProblem(f"{self.path}: {exc.strerror or exc}") from None
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        if self._loaded is None or self._loaded.stamp != stamp:
            key = load_private_key(self.path)
            kid = key_id(key.public_key())
            if self._sessions is not None:
                # A key file copied in by hand is made verifiable before it signs anything.
                with self._sessions() as db:
                    register(db, key)
                    db.commit()
            self._loaded = _Loaded(stamp, key, kid)
        return self._loaded

    def signing_key(self) -> Ed25519PrivateKey:
        """The current private key.

        Raises:
            KeyProblem: the key file is missing or not an Ed25519 key.
        """
        return self._load().key

    def key_id(self) -> str:
        """The current key's id (``ed25519:`` + 16 hex digits)."""
        return self._load().key_id
