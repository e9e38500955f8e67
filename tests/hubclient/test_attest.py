"""Offline checks of a hub attestation, with envelopes signed here (no hub)."""

from __future__ import annotations

import copy
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deskready.hubclient.attest import check, keys_for
from deskready.hubclient.pins import PinStore
from deskready.report.integrity import compute_digest, seal
from deskready.trust.envelope import STATEMENT_TYPE, sign
from deskready.trust.keys import key_id

HUB = "https://hub.example"
SPEC_SHA = hashlib.sha256(b"spec").hexdigest()


def sealed_report(nonce: str = "a" * 64, agent: str = "AG-7") -> dict:
    return seal(
        {
            "schema": "deskready-report/2",
            "agent": {"id": agent, "name": "Ann"},
            "spec": {"source": "strict", "sha256": SPEC_SHA},
            "verdict": "ready",
            "rules": [
                {
                    "metric": "memory.total_gb",
                    "label": "Memory",
                    "actual": 16,
                    "actual_text": "16 GB",
                },
                {
                    "metric": "network.upload_mbps",
                    "label": "Upload",
                    "actual": 20,
                    "actual_text": "20 Mbps",
                },
            ],
            "hub": {"url": HUB, "session": "s1", "nonce": nonce, "stun_sent": 500},
        }
    )


def statement_for(report: dict, **changes) -> dict:
    statement = {
        "type": STATEMENT_TYPE,
        "hub": HUB,
        "report_id": "r1",
        "report_digest": "sha256:" + report["integrity"]["digest"],
        "session": report["hub"]["session"],
        "nonce": report["hub"]["nonce"],
        "agent_id": report["agent"]["id"],
        "spec": {"name": "strict", "sha256": SPEC_SHA},
        "received_at": "2026-12-01T21:40:00+00:00",
        "observed": {"network.upload_mbps": 9.7, "source": {"family": "ipv4"}},
        "disputed": ["network.upload_mbps"],
        "verdict": "not_ready",
    }
    statement.update(changes)
    return statement


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


@pytest.fixture
def keys(key):
    return {key_id(key.public_key()): key.public_key()}


def attested(key, report=None, **changes):
    report = report or sealed_report()
    report["attestation"] = sign(statement_for(report, **changes), key)
    return report


def test_a_genuine_attestation_holds(key, keys):
    result = check(attested(key), keys)
    assert result.ok, result.problems
    assert result.key_id == key_id(key.public_key())
    assert result.statement["disputed"] == ["network.upload_mbps"]


def test_a_report_without_attestation_has_nothing_to_check(keys):
    result = check(sealed_report(), keys)
    assert not result.present
    assert not result.problems
    assert not result.ok


def test_an_edited_report_no_longer_matches(key, keys):
    report = attested(key)
    report["rules"][0]["actual"] = 64  # the seal is left as it was
    assert any("not the one the hub signed" in p for p in check(report, keys).problems)


def test_a_resealed_report_no_longer_matches(key, keys):
    report = attested(key)
    edited = copy.deepcopy(report)
    edited["verdict"] = "ready"
    edited["rules"][1]["actual"] = 99
    edited = seal(edited)  # the checksum recomputed: the statement still names the old one
    assert edited["integrity"]["digest"] != report["integrity"]["digest"]
    problems = check(edited, keys).problems
    assert problems == [p for p in problems if "not the one the hub signed" in p]
    assert problems


def test_a_replayed_attestation_shows_the_nonce(key, keys):
    old = attested(key)
    new = sealed_report(nonce="b" * 64)
    new["attestation"] = old["attestation"]  # taken from another run
    problems = check(new, keys).problems
    assert any("nonce" in p and "replayed" in p for p in problems)


def test_another_invites_agent_id_is_named(key, keys):
    report = sealed_report(agent="AG-9")
    report["attestation"] = sign(statement_for(report, agent_id="AG-7"), key)
    assert check(report, keys).problems == [
        "the agent id differs from the invite's: the report was made under another invite"
    ]


def test_another_spec_and_another_hub_are_named(key, keys):
    report = sealed_report()
    report["attestation"] = sign(
        statement_for(report, spec={"name": "x", "sha256": "0" * 64}, hub="https://other.example"),
        key,
    )
    problems = check(report, keys).problems
    assert any("spec differs" in p for p in problems)
    assert any("another hub" in p for p in problems)


def test_an_unknown_key_is_refused(key):
    stranger = Ed25519PrivateKey.generate()
    problems = check(attested(key), {key_id(stranger.public_key()): stranger.public_key()}).problems
    assert problems == [
        "the attestation is signed by a key this computer does not know as the hub's (an unknown key)"
    ]
    assert "give it with --hub-key" in check(attested(key), {}).problems[0]


def test_an_altered_signature_is_refused(key, keys):
    report = attested(key)
    envelope = report["attestation"]
    sig = envelope["signatures"][0]["sig"]
    envelope["signatures"][0]["sig"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert "signature does not match" in check(report, keys).problems[0]


@pytest.mark.parametrize("junk", [None, 1, "x", [], {"payloadType": 5}, {"signatures": "x"}])
def test_junk_in_place_of_an_envelope_never_raises(junk, keys):
    report = sealed_report()
    report["attestation"] = junk
    result = check(report, keys)
    assert (junk is None and not result.present) or result.problems


def test_keys_come_from_hub_key_else_the_pins_of_the_reports_hub(key, tmp_path):
    report = attested(key)
    store = PinStore(tmp_path / "hubs.json")
    assert keys_for(report, {}, store) == {}
    store.add(HUB, {key_id(key.public_key()): key.public_key()})
    assert set(keys_for(report, {}, store)) == {key_id(key.public_key())}
    other = Ed25519PrivateKey.generate().public_key()
    assert set(keys_for(report, {key_id(other): other}, store)) == {key_id(other)}
    assert compute_digest(report) == report["integrity"]["digest"]  # attestation is unsealed
