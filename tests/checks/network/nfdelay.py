"""A fixed delay for a namespace's packets, from user space: NFQUEUE over raw netlink.

This kernel has no ``netem`` qdisc (CONFIG_NET_SCH_NETEM is off), so a lab link gets its
round-trip time here instead: an nftables rule (:meth:`netlab.Lab.delay`) queues the
packets leaving the namespace to NFQUEUE queue ``--queue``; this process receives only
their metadata (``NFQNL_COPY_META``: no payload is copied) and gives the verdict
``NF_ACCEPT`` ``--delay-ms`` after each arrived, in order, with one *batch* verdict for
all the packets that are due (``NFQNL_MSG_VERDICT_BATCH`` accepts every id up to the one
given; linux/include/uapi/linux/netfilter/nfnetlink_queue.h). ``NFQA_CFG_F_GSO`` keeps
GSO bursts whole, so a gigabit link is a few thousand messages a second, not 80,000.

Run inside the namespace: ``python nfdelay.py --queue 7 --delay-ms 50``; prints
``READY 0`` once bound; stops on SIGTERM or after ``--max-s`` (bounded).
"""

from __future__ import annotations

import argparse
import collections
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG, NFQNL_MSG_VERDICT_BATCH = 0, 1, 2, 3
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQA_CFG_MASK, NFQA_CFG_FLAGS = 4, 5
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_GSO = 1, 4
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NF_ACCEPT = 1
#: packets the kernel may hold for us: a gigabit link's 300 ms of GSO bursts, and more
QUEUE_MAXLEN = 200_000


def _attr(kind: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def _message(msg_type: int, queue: int, attrs: bytes, seq: int, flags: int) -> bytes:
    nfgen = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue))
    body = nfgen + attrs
    kind = (NFNL_SUBSYS_QUEUE << 8) | msg_type
    return struct.pack("=IHHII", 16 + len(body), kind, flags, seq, 0) + body


class Queue:
    def __init__(self, queue: int) -> None:
        self.queue = queue
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
        self.sock.bind((0, 0))
        self.seq = 0
        self._config(_attr(NFQA_CFG_CMD, struct.pack("=BxH", NFQNL_CFG_CMD_BIND, 0)))
        self._config(_attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)))
        self._config(_attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", QUEUE_MAXLEN)))
        self._config(
            _attr(NFQA_CFG_FLAGS, struct.pack("!I", NFQA_CFG_F_GSO))
            + _attr(NFQA_CFG_MASK, struct.pack("!I", NFQA_CFG_F_GSO))
        )

    def _config(self, attrs: bytes) -> None:
        self.seq += 1
        self.sock.send(
            _message(NFQNL_MSG_CONFIG, self.queue, attrs, self.seq, NLM_F_REQUEST | NLM_F_ACK)
        )
        reply = self.sock.recv(65536)
        _length, kind, _flags, _seq, _pid = struct.unpack_from("=IHHII", reply)
        if kind == NLMSG_ERROR:
            (error,) = struct.unpack_from("=i", reply, 16)
            if error:
                raise OSError(-error, os.strerror(-error))

    def accept_upto(self, packet_id: int) -> None:
        self.seq += 1
        attrs = _attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id))
        self.sock.send(
            _message(NFQNL_MSG_VERDICT_BATCH, self.queue, attrs, self.seq, NLM_F_REQUEST)
        )

    def packets(self) -> list[int]:
        """Ids of the packets in one receive (each message is one packet)."""
        data = self.sock.recv(1 << 16)
        ids = []
        offset = 0
        while offset + 16 <= len(data):
            length, kind, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, offset)
            if length < 16:
                break
            if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                pos = offset + 20  # nlmsghdr + nfgenmsg
                end = offset + length
                while pos + 4 <= end:
                    alen, akind = struct.unpack_from("=HH", data, pos)
                    if alen < 4:
                        break
                    if akind & 0x7FFF == NFQA_PACKET_HDR:
                        ids.append(struct.unpack_from("!I", data, pos + 4)[0])
                        break
                    pos += (alen + 3) & ~3
            offset += (length + 3) & ~3
        return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queue", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--max-s", type=float, default=600.0)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    queue = Queue(args.queue)
    delay = args.delay_ms / 1000.0
    waiting: collections.deque[tuple[float, int]] = collections.deque()
    print("READY 0", flush=True)
    stop_at = time.monotonic() + args.max_s
    while time.monotonic() < stop_at:
        timeout = 0.05 if not waiting else max(0.0, waiting[0][0] - time.monotonic())
        ready, _w, _x = select.select([queue.sock], [], [], timeout)
        now = time.monotonic()
        if ready:
            for _ in range(64):  # drain what is there, bounded
                for packet_id in queue.packets():
                    waiting.append((now + delay, packet_id))
                if not select.select([queue.sock], [], [], 0)[0]:
                    break
        due = None
        now = time.monotonic()
        while waiting and waiting[0][0] <= now:
            due = waiting.popleft()[1]
        if due is not None:
            queue.accept_upto(due)


if __name__ == "__main__":
    main()
