"""The stream's receive times: the kernel's arrival stamp where Linux gives one."""

from __future__ import annotations

import socket
import sys
import threading
import time

import pytest

from deskready.checks.network.stun_stream import _Receiver

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_TIMESTAMPNS")


def _pair() -> tuple[socket.socket, socket.socket]:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    return rx, tx


def _wait_for_arrival_stamps(receiver: _Receiver, tx: socket.socket) -> None:
    """Wait (bounded) until the kernel stamps datagrams when they arrive.

    The first socket to ask for stamps turns them on for the whole system from a kernel
    work queue, a moment later; until then a datagram is stamped when it is read. On a
    busy machine that moment can outlast the test's sleep, so the test waits for it.
    """
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        tx.sendto(b"warm", receiver.sock.getsockname())
        time.sleep(0.02)
        _data, arrived = receiver.recv()
        if time.monotonic() - arrived > 0.01:
            return
    pytest.fail("the kernel never stamped a datagram on arrival")


def test_an_answer_read_late_keeps_the_time_it_arrived() -> None:
    rx, tx = _pair()
    with rx, tx:
        receiver = _Receiver(rx)
        assert receiver.kernel
        _wait_for_arrival_stamps(receiver, tx)
        sent = time.monotonic()
        tx.sendto(b"late", rx.getsockname())
        time.sleep(0.08)  # this process was busy: the datagram waited in the socket
        data, arrived = receiver.recv()
        read = time.monotonic()
    assert data == b"late"
    assert sent <= arrived + 0.001
    assert arrived - sent < 0.03  # when it arrived, not when it was read
    assert read - arrived > 0.05


def test_a_stamp_off_the_clock_falls_back_to_the_read_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from deskready.checks.network import stun_stream

    rx, tx = _pair()
    with rx, tx:
        receiver = _Receiver(rx)
        # as if the wall clock was stepped 30 s forward between arrival and read: the
        # offset read at the read is 30 s larger, so the kernel's stamp reads 30 s before
        # the datagram arrived (had it been moved the other way, the stamp would land
        # after ``before`` and a missing fallback would go unnoticed)
        real = stun_stream._wall_minus_monotonic
        monkeypatch.setattr(stun_stream, "_wall_minus_monotonic", lambda: real() + 30.0)
        tx.sendto(b"x", rx.getsockname())
        time.sleep(0.02)
        before = time.monotonic()
        _data, arrived = receiver.recv()
        after = time.monotonic()
    assert before <= arrived <= after


def _responder(sock: socket.socket, skip: set[int], stop: threading.Event) -> None:
    """Answer each Binding request with an empty success (the ``skip``-th ones not at all)."""
    from deskready.checks.network.stun import BINDING_SUCCESS, HEADER, MAGIC_COOKIE

    sock.settimeout(0.05)
    seen = 0
    while not stop.is_set():
        try:
            data, peer = sock.recvfrom(2048)
        except TimeoutError:
            continue
        _type, _length, _cookie, tid = HEADER.unpack_from(data)
        if seen not in skip:
            sock.sendto(HEADER.pack(BINDING_SUCCESS, 0, MAGIC_COOKIE, tid), peer)
        seen += 1


def _timed_stream(skip: set[int]) -> tuple[float, int]:
    from deskready.checks.network.stun_stream import stream

    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.setblocking(False)
    stop = threading.Event()
    thread = threading.Thread(target=_responder, args=(server, skip, stop), daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        result = stream(client, server.getsockname(), 10, 0.02, 1.5, lambda: False)
        return time.monotonic() - started, len(result.arrivals)
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()
        client.close()


def test_the_grace_wait_ends_once_every_answer_is_in() -> None:
    took, answered = _timed_stream(skip=set())
    assert answered == 10
    assert took < 1.0  # 10 × 20 ms, not the 1.5 s grace on top


def test_a_missing_answer_is_waited_for_the_whole_grace() -> None:
    took, answered = _timed_stream(skip={4})
    assert answered == 9
    assert took >= 1.5 + 0.18
