"""The stream's receive times: the kernel's arrival stamp where Linux gives one."""

from __future__ import annotations

import socket
import sys
import time

import pytest

from deskready.checks.network.stun_stream import _Receiver

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_TIMESTAMPNS")


def _pair() -> tuple[socket.socket, socket.socket]:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    return rx, tx


def test_an_answer_read_late_keeps_the_time_it_arrived() -> None:
    rx, tx = _pair()
    with rx, tx:
        receiver = _Receiver(rx)
        assert receiver.kernel
        sent = time.monotonic()
        tx.sendto(b"late", rx.getsockname())
        time.sleep(0.08)  # this process was busy: the datagram waited in the socket
        data, arrived = receiver.recv()
        read = time.monotonic()
    assert data == b"late"
    assert sent <= arrived + 0.001
    assert arrived - sent < 0.03  # when it arrived, not when it was read
    assert read - arrived > 0.05


def test_a_stamp_off_the_clock_falls_back_to_the_read_time() -> None:
    rx, tx = _pair()
    with rx, tx:
        receiver = _Receiver(rx)
        # as if the wall clock was stepped 30 s back after the offset was taken: the
        # kernel's stamp then reads 30 s before the datagram arrived (had the offset been
        # moved the other way, the stamp would land after ``before`` and a missing
        # fallback would go unnoticed)
        receiver.offset += 30.0
        tx.sendto(b"x", rx.getsockname())
        time.sleep(0.02)
        before = time.monotonic()
        _data, arrived = receiver.recv()
        after = time.monotonic()
    assert before <= arrived <= after
