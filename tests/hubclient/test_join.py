"""Invite codes and links, the loopback rule, key pinning and the join against a fake hub."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deskready.hubclient import pins
from deskready.hubclient.join import JoinError, hub_base, hub_settings, join, parse_invite
from deskready.hubclient.transport import HubError, check_url, is_loopback_host
from deskready.trust.keys import key_id, public_to_text
from tests.hubclient.fake_hub import SPEC, new_code

CODE = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"


# -- codes and links ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        CODE,
        CODE.lower(),
        f"  {CODE[:8]} {CODE[8:16]}-{CODE[16:]}\n",
        "mfrg gzdf mztw q2lk nnwg 23tp obyx e43u",
    ],
)
def test_a_code_is_read_whatever_its_case_and_spacing(text):
    assert parse_invite(text).code == CODE
    assert parse_invite(text).hub is None


def test_a_link_carries_the_hub_and_the_code():
    invite = parse_invite(f" HTTPS://Hub.Example/join/{CODE.lower()}/ ")
    assert invite.code == CODE
    assert invite.hub == "https://hub.example"
    assert parse_invite(f"https://hub.example/acme/join/{CODE}").hub == "https://hub.example/acme"


@pytest.mark.parametrize(
    "text", ["", "short", CODE[:20], CODE + "1", "https://hub.example/other/" + CODE]
)
def test_what_is_not_a_code_is_refused_in_words(text):
    with pytest.raises(JoinError, match="invite"):
        parse_invite(text)


# -- the loopback rule --------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host):
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "hub.example", "localhost.evil.example", "::2"])
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback_host(host)


def test_plain_http_only_to_loopback():
    check_url("http://127.0.0.1:8000/api/v1/info")
    check_url("http://[::1]:8000/")
    check_url("https://hub.example/")
    with pytest.raises(HubError, match="https://"):
        check_url("http://hub.example/api/v1/info")
    with pytest.raises(JoinError, match="plain http"):
        hub_base("http://192.168.1.5")
    with pytest.raises(JoinError, match="plain http"):
        parse_invite(f"http://hub.example/join/{CODE}")
    assert hub_base("hub.example/") == "https://hub.example"


# -- joining ------------------------------------------------------------------------------


def test_join_opens_a_session_checks_the_spec_and_pins_the_key(fake_hub, registry):
    joined = join(fake_hub.url, fake_hub.invite(), registry)
    assert joined.agent_id == "AG-7"
    assert len(joined.nonce) == 64
    assert joined.spec.sha256 == __import__("hashlib").sha256(SPEC).hexdigest()
    assert joined.trust is pins.Trust.FIRST_CONTACT
    assert fake_hub.key_id in joined.keys
    path = pins.pins_path()
    stored = json.loads(path.read_text())
    assert stored["hubs"][fake_hub.url]["keys"] == fake_hub.public_keys()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = join(None, f"{fake_hub.url}/join/{fake_hub.invite()}", registry)
    assert again.trust is pins.Trust.PINNED


def test_a_changed_key_is_refused_and_hub_key_overrides_it(fake_hub, registry):
    join(fake_hub.url, fake_hub.invite(), registry)
    first = fake_hub.key_id
    fake_hub.key = Ed25519PrivateKey.generate()
    with pytest.raises(JoinError, match=f"now signs with key {fake_hub.key_id}.*{first}"):
        join(fake_hub.url, fake_hub.invite(), registry)
    given = public_to_text(fake_hub.key.public_key())
    joined = join(fake_hub.url, fake_hub.invite(), registry, hub_keys=[given])
    assert joined.trust is pins.Trust.GIVEN
    assert set(pins.PinStore.load().keys(fake_hub.url) or {}) == {first, fake_hub.key_id}
    assert join(fake_hub.url, fake_hub.invite(), registry).trust is pins.Trust.PINNED


def test_a_hub_key_that_is_not_the_hubs_is_refused(fake_hub, registry):
    other = public_to_text(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(JoinError, match="not with the key given with --hub-key"):
        join(fake_hub.url, fake_hub.invite(), registry, hub_keys=[other])
    with pytest.raises(JoinError, match="--hub-key nonsense is not a hub key"):
        join(fake_hub.url, fake_hub.invite(), registry, hub_keys=["nonsense"])


def test_rotation_is_accepted_only_when_the_spec_vouches_for_the_new_key(fake_hub, registry):
    join(fake_hub.url, fake_hub.invite(), registry)
    old = fake_hub.key
    fake_hub.key = Ed25519PrivateKey.generate()
    fake_hub.old_keys = [old]  # the hub still lists the pinned key: a rotation
    with pytest.raises(JoinError, match="now signs with key"):
        join(fake_hub.url, fake_hub.invite(), registry)
    new_text = public_to_text(fake_hub.key.public_key())
    fake_hub.spec = SPEC + f'\n[hub]\npublic_key = "{new_text}"\n'.encode()
    joined = join(fake_hub.url, fake_hub.invite(), registry)
    assert joined.trust is pins.Trust.NEEDS_SPEC
    assert key_id(fake_hub.key.public_key()) in (pins.PinStore.load().keys(fake_hub.url) or {})


def test_the_spec_alone_does_not_vouch_for_a_replaced_hub(fake_hub, registry):
    join(fake_hub.url, fake_hub.invite(), registry)
    fake_hub.key = Ed25519PrivateKey.generate()  # the old key is not listed any more
    new_text = public_to_text(fake_hub.key.public_key())
    fake_hub.spec = SPEC + f'\n[hub]\npublic_key = "{new_text}"\n'.encode()
    with pytest.raises(JoinError, match="now signs with key"):
        join(fake_hub.url, fake_hub.invite(), registry)


def test_a_corrupt_pin_file_is_never_overwritten(fake_hub, registry):
    path = pins.pins_path()
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(JoinError, match=r"trusted hub keys .* cannot be read"):
        join(fake_hub.url, fake_hub.invite(), registry)
    assert path.read_text() == "{not json"


def test_refused_invites_say_why(fake_hub, registry):
    with pytest.raises(JoinError, match="does not know this invite code"):
        join(fake_hub.url, new_code(), registry)
    code = fake_hub.invite(uses=0)
    with pytest.raises(JoinError, match=r"can no longer be used .*Invite used up"):
        join(fake_hub.url, code, registry)


def test_a_spec_that_is_not_the_named_one_is_refused(fake_hub, registry):
    fake_hub.served_spec = SPEC + b"# changed\n"
    with pytest.raises(JoinError, match="not the one it named"):
        join(fake_hub.url, fake_hub.invite(), registry)


def test_an_unreachable_hub_is_worded(registry):
    import socket

    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(JoinError, match=r"hub at http://127.0.0.1:\d+ could not be reached"):
        join(f"http://127.0.0.1:{port}", CODE, registry)


def test_a_link_for_another_hub_than_hub_is_refused(fake_hub, registry):
    with pytest.raises(JoinError, match=r"is for https://hub\.example"):
        join(fake_hub.url, f"https://hub.example/join/{CODE}", registry)


def test_hub_settings_point_only_the_checks_that_run_at_the_hub(fake_hub, registry):
    joined = join(fake_hub.url, fake_hub.invite(), registry)
    spec = hub_settings(joined.spec, joined, {"bandwidth", "call_quality"})
    assert spec.check_settings["bandwidth"] == {
        "backend": "librespeed",
        "server": joined.endpoints.librespeed,
    }
    assert spec.check_settings["call_quality"]["stun_username"] == joined.session
    assert spec.check_settings["call_quality"]["stun_servers"] == ["127.0.0.1:3478"]
    assert "bandwidth" not in hub_settings(joined.spec, joined, set()).check_settings
