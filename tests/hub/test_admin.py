"""Admin: init, argon2 passwords, spec upload through the agent's loader, invites (bits,
expiry, uses, revoke, concurrent redemption), key rotation, audit entries — on SQLite and
on a real PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from deskready.hub import admin, keyring
from deskready.hub.config import HubConfig
from deskready.hub.db import now, utc
from deskready.hub.models import AuditEntry, HubKey, Invite, User
from deskready.trust.envelope import STATEMENT_TYPE, sign, verify
from deskready.trust.keys import key_id, load_private_key, public_from_text
from tests.hub.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PROFILES, HubEnv


def _audit(env: HubEnv) -> list[tuple[str, str, str]]:
    with env.sessions() as db:
        return [
            (a.actor, a.action, a.target)
            for a in db.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


# -- init ----------------------------------------------------------------------------------


def test_init_makes_private_files_and_a_hashed_admin(hub_db: HubEnv):
    config = hub_db.config
    for path in (config.config_path, config.key_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    if hub_db.kind == "sqlite":
        assert stat.S_IMODE((config.data_dir / "hub.db").stat().st_mode) == 0o600
    with hub_db.sessions() as db:
        user = db.scalar(select(User))
        assert user is not None
        assert user.email == ADMIN_EMAIL
        assert user.role == "admin"
        assert user.password_hash.startswith("$argon2id$")
        assert ADMIN_PASSWORD not in user.password_hash
        assert admin.authenticate(db, ADMIN_EMAIL, ADMIN_PASSWORD) is user
        assert admin.authenticate(db, ADMIN_EMAIL.upper(), ADMIN_PASSWORD) is user
        assert admin.authenticate(db, ADMIN_EMAIL, ADMIN_PASSWORD + "x") is None
        assert admin.authenticate(db, "nobody@hub.example", ADMIN_PASSWORD) is None
        # the key on disk is the one the database lists
        key = load_private_key(config.key_path)
        assert keyring.current_key_id(db) == key_id(key.public_key())
    assert _audit(hub_db)[-1][1] == "hub.init"
    assert ("admin@hub.example", "user.add", ADMIN_EMAIL) in _audit(hub_db)


def test_init_refuses_an_existing_hub_and_a_used_database(hub_db: HubEnv, tmp_path: Path):
    with pytest.raises(admin.AdminError, match="there is a hub here already"):
        admin.init_hub(hub_db.config.data_dir, admin_email="a@b.example", admin_password="x" * 12)
    with pytest.raises(admin.AdminError, match="already belongs to a hub"):
        admin.init_hub(
            tmp_path / "other",
            admin_email="a@b.example",
            admin_password="x" * 12,
            database_url=hub_db.url,
        )
    assert not (tmp_path / "other" / "signing-key.pem").exists()


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", "long enough password", "is not an email address"),
        ("a@b.example", "short", "at least 12 characters"),
    ],
)
def test_init_refuses_bad_credentials(tmp_path: Path, email: str, password: str, message: str):
    with pytest.raises(admin.AdminError, match=message):
        admin.init_hub(tmp_path / "h", admin_email=email, admin_password=password)
    assert not (tmp_path / "h").exists()


def test_users_roles_and_duplicates(hub_db: HubEnv):
    with hub_db.sessions() as db:
        admin.add_user(
            db, "Sup@Hub.Example", "another long password", role="supervisor", actor=ADMIN_EMAIL
        )
        db.commit()
        with pytest.raises(admin.AdminError, match="already a user"):
            admin.add_user(db, "sup@hub.example", "another long password", actor=ADMIN_EMAIL)
        with pytest.raises(admin.AdminError, match="unknown role"):
            admin.add_user(
                db, "x@hub.example", "another long password", role="root", actor=ADMIN_EMAIL
            )
        assert (
            admin.authenticate(db, "sup@hub.example", "another long password").role == "supervisor"
        )
    assert (ADMIN_EMAIL, "user.add", "sup@hub.example") in _audit(hub_db)


# -- specs ---------------------------------------------------------------------------------


def test_a_bundled_profile_uploads_byte_for_byte(hub_db: HubEnv):
    data = (PROFILES / "strict.toml").read_bytes()
    row = hub_db.upload_spec("strict")
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    with hub_db.sessions() as db:
        stored = admin.find_spec(db, "strict", row.sha256)
        assert stored is not None
        assert stored.content == data
        assert stored.employer
        # the same bytes again: nothing new, no second audit entry
        again, new = admin.upload_spec(db, "strict", data, actor=ADMIN_EMAIL)
        assert not new
        assert again.id == row.id
        # another version under the same name becomes the latest
        typical = (PROFILES / "typical.toml").read_bytes()
        newer, new = admin.upload_spec(db, "strict", typical, actor=ADMIN_EMAIL)
        db.commit()
        assert new
        assert admin.latest_spec(db, "strict").id == newer.id
        assert next(s.sha256 for s in admin.list_specs(db)) == newer.sha256
    uploads = [entry for entry in _audit(hub_db) if entry[1] == "spec.upload"]
    assert len(uploads) == 2


BROKEN_SPEC = b"""[employer]
name = "ACME"

[rules."network.nope"]
min = 3

[rules."system.ram_gb"]
min = "lots"

[checks.bandwidth]
colour = "red"
"""


def test_a_broken_spec_is_refused_with_every_problem_and_its_line(hub_db: HubEnv):
    with hub_db.sessions() as db, pytest.raises(admin.SpecRefused) as caught:
        admin.upload_spec(db, "broken", BROKEN_SPEC, actor=ADMIN_EMAIL, file_name="broken.toml")
    problems = caught.value.problems
    assert len(problems) >= 3
    lines = [p.split(":")[1] for p in problems]
    assert lines[:3] == ["4", "7", "11"], problems
    assert "network.nope" in problems[0]
    with hub_db.sessions() as db:
        assert admin.list_specs(db) == []


@pytest.mark.parametrize("name", ["", "Strict", "a/b", "../x", "x" * 65, "-x"])
def test_spec_names_fit_in_a_url(hub_db: HubEnv, name: str):
    with hub_db.sessions() as db, pytest.raises(admin.AdminError, match="spec name"):
        admin.upload_spec(db, name, (PROFILES / "strict.toml").read_bytes(), actor=ADMIN_EMAIL)


# -- invites -------------------------------------------------------------------------------


def test_invite_codes_have_160_random_bits_and_only_their_hash_is_kept(hub_db: HubEnv):
    codes = {hub_db.invite() for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        raw = base64.b32decode(code)
        assert len(raw) * 8 == 160 >= 128
        assert code == code.upper()
        assert "=" not in code
    code = next(iter(codes))
    with hub_db.sessions() as db:
        stored = [row.code_hash for row in db.scalars(select(Invite))]
    assert code not in "".join(stored)
    assert hashlib.sha256(code.encode()).hexdigest() in stored
    # a rough check that the letters are not biased: 20 codes x 32 characters
    letters = "".join(codes)
    assert len(set(letters)) >= 28


def test_redeem_accepts_the_link_lower_case_and_dashes(hub_db: HubEnv):
    code = hub_db.invite(uses=3)
    link = f"https://hub.example/join/{code}"
    grouped = "-".join(code[i : i + 4] for i in range(0, 32, 4)).lower()
    with hub_db.sessions() as db:
        for given in (code, link, grouped):
            invite = admin.redeem(db, given)
            assert invite.agent_id == "AG-7"
            assert invite.spec.name == "strict"
        db.commit()
        with pytest.raises(admin.InviteGone) as gone:
            admin.redeem(db, code)
        assert gone.value.reason == "used_up"


def test_uses_expiry_and_revocation_are_enforced(hub_db: HubEnv):
    once = hub_db.invite()
    short = hub_db.invite(expires=timedelta(minutes=30), uses=5)
    revoked = hub_db.invite(uses=5)
    with hub_db.sessions() as db:
        admin.redeem(db, once)
        db.commit()
        with pytest.raises(admin.InviteGone, match="has been used") as gone:
            admin.redeem(db, once)
        assert gone.value.reason == "used_up"

        admin.redeem(db, short, moment=now() + timedelta(minutes=29))
        with pytest.raises(admin.InviteGone, match="expired") as gone:
            admin.redeem(db, short, moment=now() + timedelta(minutes=31))
        assert gone.value.reason == "expired"

        invite = admin.revoke_invite(db, revoked, actor=ADMIN_EMAIL)
        db.commit()
        assert invite.revoked
        with pytest.raises(admin.InviteGone, match="revoked") as gone:
            admin.redeem(db, revoked)
        assert gone.value.reason == "revoked"
        for unknown in ("A" * 32, "not a code", "", "https://hub.example/join/"):
            with pytest.raises(admin.InviteUnknown):
                admin.redeem(db, unknown)
        with pytest.raises(admin.InviteUnknown):
            admin.revoke_invite(db, "B" * 32, actor=ADMIN_EMAIL)
    actions = [entry[1] for entry in _audit(hub_db)]
    assert actions.count("invite.create") == 3
    assert actions.count("invite.revoke") == 1


def test_a_single_use_code_cannot_be_used_twice_at_once(hub_db: HubEnv):
    """Eight threads, eight connections, one use: exactly one wins (conditional UPDATE)."""
    code = hub_db.invite(uses=1)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def join() -> None:
        with hub_db.sessions() as db:
            barrier.wait(timeout=10)
            try:
                admin.redeem(db, code)
                db.commit()
                results.append("ok")
            except admin.InviteGone as exc:
                db.rollback()
                results.append(exc.reason)

    threads = [threading.Thread(target=join) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["ok"] + ["used_up"] * 7
    assert hub_db.invite_row(code).uses_left == 0


def test_invite_rules(hub_db: HubEnv):
    hub_db.upload_spec("strict")
    with hub_db.sessions() as db:
        with pytest.raises(admin.AdminError, match="no spec named typo"):
            admin.create_invite(db, agent_id="AG-7", spec_name="typo", actor=ADMIN_EMAIL)
        with pytest.raises(admin.AdminError, match="agent id"):
            admin.create_invite(db, agent_id=" ", spec_name="strict", actor=ADMIN_EMAIL)
        with pytest.raises(admin.AdminError, match="uses"):
            admin.create_invite(db, agent_id="AG-7", spec_name="strict", uses=0, actor=ADMIN_EMAIL)
        made = admin.create_invite(
            db, agent_id="AG-7", spec_name="strict", expires=timedelta(hours=12), actor=ADMIN_EMAIL
        )
        db.commit()
        left = utc(made.invite.expires_at) - now()
        assert timedelta(hours=11, minutes=59) < left <= timedelta(hours=12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14d", timedelta(days=14)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        (" 2w ", timedelta(weeks=2)),
    ],
)
def test_durations(text: str, expected: timedelta):
    assert admin.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "14", "d", "1y", "-1d", "0d", "400d", "1.5h", "9999999d"])
def test_bad_durations(text: str):
    with pytest.raises(admin.AdminError):
        admin.parse_duration(text)


# -- keys ----------------------------------------------------------------------------------


def test_rotation_keeps_the_old_public_key_for_verification(hub_db: HubEnv):
    config: HubConfig = hub_db.config
    ring = keyring.Keyring(config, hub_db.sessions)
    old_id = ring.key_id()
    signed_before = sign({"type": STATEMENT_TYPE, "n": 1}, ring.signing_key())
    with hub_db.sessions() as db:
        rotated_old, new_id = keyring.rotate(config, db)
    assert rotated_old == old_id
    assert new_id != old_id
    assert stat.S_IMODE(config.key_path.stat().st_mode) == 0o600
    assert not config.key_path.with_name("signing-key.pem.new").exists()
    assert ring.key_id() == new_id  # the running keyring noticed the new file
    signed_after = sign({"type": STATEMENT_TYPE, "n": 2}, ring.signing_key())
    with hub_db.sessions() as db:
        published = keyring.public_keys(db)
        assert list(published) == [new_id, old_id]  # current first
        assert keyring.current_key_id(db) == new_id
        retired = db.get(HubKey, old_id)
        assert retired is not None
        assert retired.retired_at is not None
    keys: dict[str, Ed25519PublicKey] = {
        kid: public_from_text(text) for kid, text in published.items()
    }
    assert verify(signed_before, keys).key_id == old_id
    assert verify(signed_after, keys).key_id == new_id
    with hub_db.sessions() as db:
        keyring.rotate(config, db)
        assert len(keyring.public_keys(db)) == 3
        assert len(db.scalars(select(HubKey).where(HubKey.retired_at.is_(None))).all()) == 1


def test_source_addresses_are_forgotten_after_the_retention_period(hub_db: HubEnv) -> None:
    from datetime import timedelta

    from deskready.hub.db import now
    from deskready.hub.models import MeasureSession

    code = hub_db.invite()
    with hub_db.sessions() as db:
        invite = admin.redeem(db, code)
        old = MeasureSession(
            id="a" * 32, invite_id=invite.id, nonce="1" * 64,
            created_at=now() - timedelta(days=91), expires_at=now(),
            source={"family": "ipv4", "prefix": "203.0.113.0/24"},
        )  # fmt: skip
        fresh = MeasureSession(
            id="b" * 32, invite_id=invite.id, nonce="2" * 64,
            created_at=now() - timedelta(days=1), expires_at=now(),
            source={"family": "ipv4", "prefix": "198.51.100.0/24"},
        )  # fmt: skip
        db.add_all([old, fresh])
        db.commit()
        assert admin.purge_sources(db, 90) == 1
        assert db.get(MeasureSession, "a" * 32).source == {}
        assert db.get(MeasureSession, "b" * 32).source["prefix"] == "198.51.100.0/24"
        assert admin.purge_sources(db, 90) == 0  # nothing left to clear
