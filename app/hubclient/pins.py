"""The hub keys this computer trusts: pinned on first contact, in ``hubs.json``.

Trust on first use, like SSH's ``known_hosts``: the first time deskready talks to a hub
(by its origin, ``scheme://host:port``) it stores every key the hub lists; later, a hub
that signs with a key this computer has not seen is refused, unless the agent was given
that key. The file::

    {"version": 1,
     "hubs": {"https://hub.example": {"name": "ACME Calls hub", "pinned_at": "…",
                                      "keys": {"ed25519:3f9a…": "<base64>"}}}}

**Rotation.** A hub that rotates its key keeps listing the old one in ``public_keys``
(docs/hub-protocol.md §1). Listing it proves nothing, though: public keys are public, and
whoever took over the hub's address could list the old key next to their own. So a new
key id is accepted only when both hold:

1. the hub still lists a pinned key, with the same bytes (a rotation, not a different
   hub), and
2. the new key is vouched for by the employer outside the hub's own answer: the spec's
   ``[hub] public_key`` names it, or the agent gave it with ``--hub-key``.

``--hub-key`` alone is enough (the agent's explicit word overrides the pin, as when an
employer re-installed its hub); the spec alone is not when no pinned key is listed any
more (the spec comes from the same hub). The accepted key is added to the pins; the old
ones stay, so earlier reports still verify.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from deskready.checks.i18n import _
from deskready.hubclient.store import ReadProblem, StoreError, config_dir, read_json, write_private
from deskready.trust.keys import KeyProblem, key_id, public_from_text, public_to_text

FILE_NAME = "hubs.json"
VERSION = 1


def pins_path() -> Path:
    """``<user config dir>/deskready/hubs.json``."""
    return config_dir() / FILE_NAME


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a hub URL, lower-cased, default ports left out."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def parse_keys(text_keys: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """Key id → key from ``{"ed25519:…": "<base64>"}``; an entry whose id is not its key's
    id is dropped (an id names exactly one key)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for kid, text in text_keys.items():
        try:
            public = public_from_text(str(text))
        except KeyProblem:
            continue
        if key_id(public) == kid:
            keys[kid] = public
    return keys


def given_keys(texts: list[str] | tuple[str, ...]) -> dict[str, Ed25519PublicKey]:
    """Key id → key of the ``--hub-key`` values.

    Raises:
        StoreError: a value that is not an Ed25519 public key in base64.
    """
    keys: dict[str, Ed25519PublicKey] = {}
    for text in texts:
        try:
            public = public_from_text(text)
        except KeyProblem as exc:
            raise StoreError(
                _("--hub-key {key} is not a hub key ({reason}).").format(key=text, reason=exc)
            ) from None
        keys[key_id(public)] = public
    return keys


@dataclass
class PinStore:
    """``hubs.json`` in memory; :meth:`save` writes it back atomically."""

    path: Path
    hubs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> PinStore:
        """The pins (none yet when the file does not exist).

        Raises:
            StoreError: the file exists but cannot be read or is not a pin file; it is
                never overwritten then (it may be the only record of a hub's key).
        """
        where = path or pins_path()
        try:
            data = read_json(where)
        except FileNotFoundError:
            return cls(where)
        except ReadProblem as exc:
            raise StoreError(_bad_file(where, exc.reason)) from None
        hubs = data.get("hubs") if isinstance(data, dict) else None
        if not isinstance(hubs, dict) or not all(isinstance(v, dict) for v in hubs.values()):
            raise StoreError(_bad_file(where, _("it is not a list of hubs")))
        return cls(where, {str(k): dict(v) for k, v in hubs.items()})

    def keys(self, origin: str) -> dict[str, Ed25519PublicKey] | None:
        """The pinned keys of a hub, None when this computer never talked to it."""
        entry = self.hubs.get(origin)
        if entry is None:
            return None
        keys = entry.get("keys")
        return parse_keys(keys) if isinstance(keys, dict) else {}

    def pinned_at(self, origin: str) -> str:
        return str(self.hubs.get(origin, {}).get("pinned_at", ""))

    def add(self, origin: str, keys: Mapping[str, Ed25519PublicKey], name: str = "") -> None:
        """Pin ``keys`` for ``origin`` (added to what is already pinned)."""
        entry = self.hubs.setdefault(
            origin, {"pinned_at": datetime.now(UTC).isoformat(timespec="seconds")}
        )
        stored = entry.get("keys") if isinstance(entry.get("keys"), dict) else {}
        stored = dict(stored or {})
        stored.update({kid: public_to_text(k) for kid, k in keys.items()})
        entry["keys"] = stored
        if name:
            entry["name"] = name[:200]

    def save(self) -> None:
        """Write the pins back (atomically, mode 0600).

        Raises:
            StoreError: the file cannot be written.
        """
        try:
            write_private(self.path, {"version": VERSION, "hubs": self.hubs})
        except OSError as exc:
            raise StoreError(
                _("Cannot save the hub's key in {path}: {reason}").format(
                    path=self.path, reason=exc.strerror or exc
                )
            ) from None


def _bad_file(path: Path, reason: str) -> str:
    return _(
        "The file of trusted hub keys {path} cannot be read ({reason}); repair or remove it."
    ).format(path=path, reason=reason)


class Trust(enum.Enum):
    """What :func:`decide` concluded about the key a hub signs with now."""

    PINNED = "pinned"  #: the key was pinned before
    FIRST_CONTACT = "first_contact"  #: this computer never saw the hub: its keys get pinned
    GIVEN = "given"  #: the agent gave it with --hub-key
    NEEDS_SPEC = "needs_spec"  #: a rotation; accepted only if the spec names the new key
    REFUSED = "refused"


@dataclass(frozen=True)
class Decision:
    trust: Trust
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.trust in (Trust.PINNED, Trust.FIRST_CONTACT, Trust.GIVEN)


def decide(
    hub: str,
    current: str,
    offered: Mapping[str, Ed25519PublicKey],
    pinned: Mapping[str, Ed25519PublicKey] | None,
    given: Mapping[str, Ed25519PublicKey],
) -> Decision:
    """Whether to trust the key ``current`` a hub offers (see the module's rules).

    ``offered``: the hub's ``public_keys`` (ids already checked against their keys);
    ``pinned``: None on first contact; ``given``: the ``--hub-key`` keys.
    """
    key = offered.get(current)
    if key is None:
        return Decision(Trust.REFUSED, _("the hub does not list the key it says it signs with"))
    if given:
        if current in given and _same(given[current], key):
            return Decision(Trust.GIVEN)
        return Decision(
            Trust.REFUSED,
            _(
                "The employer's hub at {hub} signs with key {key}, not with the key given "
                "with --hub-key ({given}). Check the key with your employer."
            ).format(hub=hub, key=current, given=", ".join(given)),
        )
    if pinned is None:
        return Decision(Trust.FIRST_CONTACT)
    if current in pinned:
        if _same(pinned[current], key):
            return Decision(Trust.PINNED)
    elif any(kid in offered and _same(offered[kid], k) for kid, k in pinned.items()):
        return Decision(Trust.NEEDS_SPEC, _refused(hub, current, pinned))
    return Decision(Trust.REFUSED, _refused(hub, current, pinned))


def _refused(hub: str, current: str, pinned: Mapping[str, Ed25519PublicKey]) -> str:
    return _(
        "The employer's hub at {hub} now signs with key {key}, which this computer has not "
        "seen (it trusts {known}). If your employer changed the hub's key, ask them for the "
        "new key and give it with --hub-key."
    ).format(hub=hub, key=current, known=", ".join(pinned) or "-")


def _same(first: Ed25519PublicKey, second: Ed25519PublicKey) -> bool:
    return public_to_text(first) == public_to_text(second)
