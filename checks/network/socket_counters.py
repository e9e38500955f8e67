"""What the kernel says has *arrived* on a TCP socket: the inputs of the rate method.

A rate must count bytes when they crossed the link (:mod:`rate_estimator`), and user-space
counters do not know that moment:

* **received, not yet read** — ``FIONREAD`` (``SIOCINQ``, tcp(7)): bytes the kernel holds
  readable. ``read + FIONREAD`` is what had arrived when the sample was taken, so a reader
  that fell behind (a busy CPU, the GIL) and drains a backlog in one read does not make
  the backlog look like a burst of link speed.
* **received in order** — Linux ``TCP_INFO.tcpi_bytes_received`` (read or not), with
  ``tcpi_rcv_ooopack`` telling whether data is waiting behind a hole (see :func:`received`);
  where that is missing, ``read + FIONREAD``;
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

#: ``TCP_INFO`` (11 on Linux) and the offsets used in ``struct tcp_info``
#: (linux/include/uapi/linux/tcp.h; append-only, so an older kernel returns less)
_TCP_INFO = getattr(socket, "TCP_INFO", 11)
_U32 = struct.Struct("=I")
_U64 = struct.Struct("=Q")
_SND_MSS_AT = 16  # tcpi_snd_mss: the sender's segment size
_SACKED_AT = 28  # tcpi_sacked: segments SACKed, not yet cumulatively acknowledged
_BYTES_ACKED_AT = 120  # tcpi_bytes_acked (4.1+)
_BYTES_RECEIVED_AT = 128  # tcpi_bytes_received (4.1+): in order, read or not
_RCV_OOOPACK_AT = 224  # tcpi_rcv_ooopack (5.4+): packets that arrived out of order
_INFO_LEN = 232
_LINUX = sys.platform.startswith("linux")


def _tcp_info(sock: socket.socket | None) -> bytes | None:
    if sock is None or not _LINUX:
        return None
    try:
        return sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _INFO_LEN)
    except (OSError, ValueError):  # closed meanwhile (fileno -1)
        return None


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


def received(sock: socket.socket | None) -> tuple[int, int] | None:
    """``(bytes received in order, packets that arrived out of order)`` on ``sock``, both
    cumulative (Linux 5.4+); None if unknown.

    While a hole is open, every later packet arrives out of order and waits in the
    out-of-order queue; so when the second count has not grown since the previous
    sample, the newest data came in order and nothing is held back.
    """
    raw = _tcp_info(sock)
    if raw is None or len(raw) < _RCV_OOOPACK_AT + 4:
        return None
    return (
        int(_U64.unpack_from(raw, _BYTES_RECEIVED_AT)[0]),
        int(_U32.unpack_from(raw, _RCV_OOOPACK_AT)[0]),
    )


def acked(sock: socket.socket | None) -> tuple[int, bool] | None:
    """``(bytes the peer has, clean)`` on ``sock`` (Linux 4.1+); None if unknown.

    The bytes the peer has are those it acknowledged plus those it SACKed (segments that
    arrived behind a hole; counted as ``tcpi_sacked × tcpi_snd_mss``, exact for a bulk
    transfer's full-size segments). Without the SACKed part, they would join the count
    all at once when the hole is filled, long after they crossed the link. So the count
    holds nothing back and every sample is clean (a stream that is in loss recovery half
    the time must still be able to open the window).
    """
    raw = _tcp_info(sock)
    if raw is None or len(raw) < _BYTES_ACKED_AT + 8:
        return None
    sacked = int(_U32.unpack_from(raw, _SACKED_AT)[0])
    mss = int(_U32.unpack_from(raw, _SND_MSS_AT)[0])
    return int(_U64.unpack_from(raw, _BYTES_ACKED_AT)[0]) + sacked * mss, True
