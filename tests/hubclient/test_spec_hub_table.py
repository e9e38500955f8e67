"""The spec's ``[hub]`` table: the hub's public key."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deskready.spec import SpecError
from deskready.spec.loader import load_spec_text
from deskready.trust.keys import public_to_text
from tests.hubclient.fake_hub import SPEC

BASE = SPEC.decode()


def test_the_hub_key_is_read(registry):
    key = public_to_text(Ed25519PrivateKey.generate().public_key())
    spec = load_spec_text(BASE + f'\n[hub]\npublic_key = "{key}"\n', registry)
    assert spec.hub_key == key
    assert load_spec_text(BASE, registry).hub_key is None


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('public_key = "not a key"', "hub.public_key.*base64"),
        ("public_key = 5", "hub.public_key.*base64"),
        ('pubkey = "x"', "unknown setting 'pubkey'.*public_key"),
    ],
)
def test_a_bad_hub_table_is_refused_with_its_line(registry, table, words):
    with pytest.raises(SpecError, match=words) as caught:
        load_spec_text(BASE + f"\n[hub]\n{table}\n", registry)
    assert "spec:8: hub." in str(caught.value)  # the line of the bad key
