"""Direction-specific UDP loss and byte counters in a netlab namespace (nftables).

netlab.Lab.udp_loss_every drops UDP *leaving* the namespace; with the server inside, that
is the way back to the client (downstream). These helpers name the direction, and count
what crosses the namespace's border each way with the bytes on the wire, so a test can
check loss read in the right direction and the packets' size. Each helper uses its own
nftables table, so they combine with one another and with netlab's own rules.

Directions are the client's (the root namespace's) view: ``"upstream"`` is UDP arriving
in the namespace, ``"downstream"`` UDP leaving it.
"""

from __future__ import annotations

import re
import subprocess

from tests.checks.network.netlab import Lab


def _nft(lab: Lab, ruleset: str) -> None:
    subprocess.run(
        ["ip", "netns", "exec", lab.ns, "nft", "-f", "-"],
        input=ruleset, text=True, check=True, capture_output=True, timeout=15,
    )  # fmt: skip


def drop_udp_every(lab: Lab, n: int, direction: str) -> None:
    """Drop every ``n``-th UDP packet going ``direction`` (deterministic: numgen inc).

    Upstream: at the namespace's ``input`` hook (the server never sees the request).
    Downstream: at the ``egress`` hook of the namespace's veth (netdev family, Linux 5.16+),
    *after* the server's ``sendto`` returned: a drop in the ``output`` hook would fail
    that ``sendto`` (EPERM), so the server would know its answer never left, which is not
    what a loss on the way back looks like.
    """
    _drop(lab, direction, f"numgen inc mod {n} 0")


def drop_udp_random(lab: Lab, pct: float, direction: str) -> None:
    """Drop ``pct`` % of the UDP packets going ``direction`` at random, counting them
    (read with :func:`udp_dropped`)."""
    _drop(lab, direction, f"numgen random mod 1000 < {round(pct * 10)}")


def udp_dropped(lab: Lab, direction: str) -> int:
    """Packets the drop rule of ``direction`` has dropped so far."""
    family = "inet" if direction == "upstream" else "netdev"
    listing = subprocess.run(
        ["ip", "netns", "exec", lab.ns, "nft", "list", "table", family, f"drudp_{direction}"],
        capture_output=True, text=True, check=True, timeout=15,
    ).stdout  # fmt: skip
    found = re.search(r"counter packets (\d+)", listing)
    return int(found.group(1)) if found else 0


def _drop(lab: Lab, direction: str, which: str) -> None:
    if direction == "upstream":
        head = "table inet drudp_upstream {\n chain c {\n  type filter hook input priority 0;\n"
        match = "meta l4proto udp"
    else:
        head = (
            "table netdev drudp_downstream {\n chain c {\n"
            f'  type filter hook egress device "{lab.ns_if}" priority 0;\n'
        )
        match = "ip protocol udp"
    _nft(lab, f"{head}  {match} {which} counter drop\n }}\n}}\n")


def count_udp(lab: Lab) -> None:
    """Count UDP packets and their bytes each way, before any drop (priority -10).

    The byte count is the IP datagram (IP + UDP headers + payload): nftables counts from
    the network header in the inet family's input and output hooks.
    """
    _nft(
        lab,
        "table inet drudp_count {\n"
        " chain in {\n  type filter hook input priority -10;\n"
        '  meta l4proto udp counter comment "upstream"\n }\n'
        " chain out {\n  type filter hook output priority -10;\n"
        '  meta l4proto udp counter comment "downstream"\n }\n}\n',
    )


def udp_counts(lab: Lab) -> dict[str, tuple[int, int]]:
    """``{"upstream": (packets, bytes), "downstream": (packets, bytes)}`` so far."""
    listing = subprocess.run(
        ["ip", "netns", "exec", lab.ns, "nft", "list", "table", "inet", "drudp_count"],
        capture_output=True, text=True, check=True, timeout=15,
    ).stdout  # fmt: skip
    found: dict[str, tuple[int, int]] = {}
    for line in listing.splitlines():
        counter = re.search(r"counter packets (\d+) bytes (\d+)", line)
        name = re.search(r'comment "(\w+)"', line)
        if counter and name:
            found[name.group(1)] = (int(counter.group(1)), int(counter.group(2)))
    return found
