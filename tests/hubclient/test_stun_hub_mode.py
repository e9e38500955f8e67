"""The call-quality check's hub mode: each stream request carries USERNAME and a
transaction id that starts with its sequence number (docs/hub-protocol.md §4)."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from deskready.checks.api import CheckContext
from deskready.checks.network.adapters import UdpAdapter
from deskready.checks.network.call_quality_check import CallQualityCheck
from deskready.checks.network.stun import (
    ATTR_USERNAME,
    BINDING_REQUEST,
    BINDING_SUCCESS,
    HEADER,
    MAGIC_COOKIE,
    binding_request,
    sequenced_transaction_id,
)


def username_of(packet: bytes) -> str | None:
    _type, length, _cookie, _tid = HEADER.unpack_from(packet)
    pos, end = HEADER.size, HEADER.size + length
    while pos + 4 <= end:
        kind, size = struct.unpack_from("!HH", packet, pos)
        if kind == ATTR_USERNAME:
            return packet[pos + 4 : pos + 4 + size].decode()
        pos += 4 + size + (-size % 4)
    return None


class HubStun:
    """Answers every Binding request on 127.0.0.1 and records (sequence, USERNAME)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.seen: list[tuple[int, str | None]] = []
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while self.running:
            try:
                packet, peer = self.sock.recvfrom(2048)
            except OSError:
                continue
            kind, _length, cookie, tid = HEADER.unpack_from(packet)
            if kind != BINDING_REQUEST or cookie != MAGIC_COOKIE:
                continue
            self.seen.append((struct.unpack("!I", tid[:4])[0], username_of(packet)))
            self.sock.sendto(HEADER.pack(BINDING_SUCCESS, 0, MAGIC_COOKIE, tid), peer)

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def hub_stun():
    server = HubStun()
    yield server
    server.close()


def test_a_request_with_username_is_padded_and_counted_in_its_length():
    request = binding_request(sequenced_transaction_id(7), "abcde")
    msg_type, length, cookie, tid = HEADER.unpack_from(request)
    assert (msg_type, cookie, length) == (BINDING_REQUEST, MAGIC_COOKIE, 12)
    assert len(request) == 20 + 12
    assert tid[:4] == b"\x00\x00\x00\x07"
    assert username_of(request) == "abcde"
    assert len(binding_request(sequenced_transaction_id(1))) == 20
    with pytest.raises(ValueError, match="USERNAME"):
        binding_request(sequenced_transaction_id(1), "x" * 600)


def test_the_hub_mode_stream_names_the_session_and_counts_its_probes(hub_stun):
    ctx = CheckContext(
        settings={
            "stun_servers": [f"127.0.0.1:{hub_stun.port}"],
            "duration_s": 1.0,
            "stun_username": "session-1",
        },
        adapters={UdpAdapter: UdpAdapter()},
        time_budget_s=20.0,
    )
    measured = CallQualityCheck().run(ctx)
    sent = measured.details["stun_sent"]
    assert sent == measured.details["probes_sent"] >= 45
    counted = [seq for seq, name in hub_stun.seen if name == "session-1"]
    assert counted == list(range(sent))  # the pings before the stream carry no USERNAME
    assert measured.values["network.loss_pct"] == 0.0


def test_without_the_hub_no_username_and_no_count(hub_stun):
    ctx = CheckContext(
        settings={"stun_servers": [f"127.0.0.1:{hub_stun.port}"], "duration_s": 1.0},
        adapters={UdpAdapter: UdpAdapter()},
        time_budget_s=20.0,
    )
    measured = CallQualityCheck().run(ctx)
    assert "stun_sent" not in measured.details
    assert all(name is None for _seq, name in hub_stun.seen)
