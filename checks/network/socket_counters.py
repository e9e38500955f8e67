"""What the kernel says has *arrived* on a TCP socket: the inputs of the rate method.

A rate must count bytes when they crossed the link (:mod:`rate_estimator`), and user-space
counters do not know that moment:

* **received, not yet read** — ``FIONREAD`` (``SIOCINQ``, tcp(7)): bytes the kernel holds
  readable. ``read + FIONREAD`` is what had arrived when the sample was taken, so a reader
  that fell behind (a busy CPU, the GIL) and drains a backlog in one read does not make
  the backlog look like a burst of link speed.
* **sent and acknowledged** — Linux ``TCP_INFO.tcpi_bytes_acked`` (RFC 4898
  tcpEStatsAppHCThruOctetsAcked; offset 120 of ``struct tcp_info``,
  linux/include/uapi/linux/tcp.h; Linux 4.1+): bytes the peer's TCP has confirmed, which
  for an upload is what arrived. Bytes written into the socket are only queued there.

Elsewhere these return None and callers fall back (download: bytes read; upload: the
server's per-request confirmations), which is coarser but still never counts early.
"""

from __future__ import annotations

import array
import socket
import struct
import sys

#: ``TCP_INFO`` (11 on Linux) and the offset of ``tcpi_bytes_acked`` in ``struct tcp_info``
_TCP_INFO = getattr(socket, "TCP_INFO", 11)
_BYTES_ACKED = struct.Struct("=Q")
_BYTES_ACKED_AT = 120
_LINUX = sys.platform.startswith("linux")


def readable(sock: socket.socket | None) -> int | None:
    """Bytes received by the kernel and not yet read (``FIONREAD``); None if unknown."""
    if sock is None or sys.platform == "win32":
        return None
    import fcntl
    import termios

    buf = array.array("i", [0])
    try:
        fcntl.ioctl(sock.fileno(), termios.FIONREAD, buf, True)
    except (OSError, ValueError):  # closed meanwhile (fileno -1) or not a socket
        return None
    return int(buf[0])


def acked(sock: socket.socket | None) -> int | None:
    """Bytes sent on ``sock`` that the peer acknowledged (Linux only); None if unknown."""
    if sock is None or not _LINUX:
        return None
    try:
        raw = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _BYTES_ACKED_AT + 8)
    except (OSError, ValueError):
        return None
    if len(raw) < _BYTES_ACKED_AT + 8:
        return None  # a kernel older than 4.1
    return int(_BYTES_ACKED.unpack_from(raw, _BYTES_ACKED_AT)[0])
