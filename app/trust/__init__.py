"""Signatures an employer can trust: the hub's Ed25519 keys and its DSSE attestations.

Used by both sides: the hub signs (``deskready.hub``), the agent's deskready verifies
(``report verify``, key pinning). Only ``cryptography`` is needed, so the agent's bundle
can verify without any server dependency. See docs/hub-protocol.md §6.
"""
