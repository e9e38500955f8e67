"""Reading a TCP connection's kernel accounting (Linux ``TCP_INFO``).

Why the hub reads the kernel and not its own counters: bytes written into a socket are only
queued (several MiB can sit in the send buffer); the bytes the *client's* TCP stack has
acknowledged are what really crossed the path. Linux reports them per connection in
``struct tcp_info`` (linux/include/uapi/linux/tcp.h), read with
``getsockopt(IPPROTO_TCP, TCP_INFO)``. The fields used here and their offsets in that
struct (the layout is append-only: a kernel only ever adds fields at the end, so an older
kernel returns a shorter struct and the newer fields are simply missing):

==================  ======  ========  ===================================================
field               offset  type      meaning
==================  ======  ========  ===================================================
tcpi_state          0       u8        TCP state (1 = ESTABLISHED)
tcpi_snd_mss        16      u32       the sender's segment size
tcpi_unacked        24      u32       segments sent and not yet acknowledged
tcpi_sacked         28      u32       of those, segments the peer SACKed (arrived)
tcpi_rtt            68      u32       smoothed RTT, microseconds
tcpi_total_retrans  100     u32       segments retransmitted over the connection's life
tcpi_bytes_acked    120     u64       RFC 4898 tcpEStatsAppHCThruOctetsAcked
tcpi_bytes_received 128     u64       RFC 4898 tcpEStatsAppHCThruOctetsReceived
tcpi_min_rtt        148     u32       lowest RTT seen (windowed), microseconds (4.6+)
tcpi_delivery_rate  160     u64       recent delivery rate, bytes per second (4.9+)
tcpi_rcv_ooopack    224     u32       packets received out of order (5.4+)
==================  ======  ========  ===================================================

Elsewhere (macOS, Windows) there is no such struct in this form: :func:`read` returns None
and the caller records bytes written instead, flagged ``tcp_info: false``.
"""

from __future__ import annotations

import socket
import struct
import sys
from dataclasses import dataclass

#: bytes asked for: the struct up to ``tcpi_snd_wnd`` (Linux 5.4+); shorter is fine
TCP_INFO_LEN = 232
_TCP_INFO = getattr(socket, "TCP_INFO", 11)  # 11 on Linux (linux/include/uapi/linux/tcp.h)
_U8 = struct.Struct("=B")
_U32 = struct.Struct("=I")
_U64 = struct.Struct("=Q")
#: available only on Linux
SUPPORTED = sys.platform.startswith("linux")


@dataclass(frozen=True)
class TcpInfo:
    """The fields of ``struct tcp_info`` the hub uses (None where the kernel is too old)."""

    state: int
    snd_mss: int
    unacked: int
    sacked: int
    rtt_us: int
    total_retrans: int
    bytes_acked: int | None
    bytes_received: int | None
    min_rtt_us: int | None
    delivery_rate_bps: int | None  # bytes per second
    rcv_ooopack: int | None = None

    def delivered(self) -> int | None:
        """Bytes the peer has: acknowledged plus SACKed (segments × MSS, exact for a bulk
        transfer's full-size segments); None on old kernels. Without the SACKed part,
        bytes that arrived behind a hole would join the count at once when it is filled,
        long after they crossed the link."""
        if self.bytes_acked is None:
            return None
        return self.bytes_acked + self.sacked * self.snd_mss


def _field(raw: bytes, offset: int, codec: struct.Struct) -> int | None:
    if len(raw) < offset + codec.size:
        return None
    return int(codec.unpack_from(raw, offset)[0])


def parse(raw: bytes) -> TcpInfo | None:
    """Unpack the bytes ``getsockopt`` returned; None when even the base struct is missing."""
    if len(raw) < 104:
        return None
    return TcpInfo(
        state=int(_U8.unpack_from(raw, 0)[0]),
        snd_mss=int(_U32.unpack_from(raw, 16)[0]),
        unacked=int(_U32.unpack_from(raw, 24)[0]),
        sacked=int(_U32.unpack_from(raw, 28)[0]),
        rtt_us=int(_U32.unpack_from(raw, 68)[0]),
        total_retrans=int(_U32.unpack_from(raw, 100)[0]),
        bytes_acked=_field(raw, 120, _U64),
        bytes_received=_field(raw, 128, _U64),
        min_rtt_us=_field(raw, 148, _U32),
        delivery_rate_bps=_field(raw, 160, _U64),
        rcv_ooopack=_field(raw, 224, _U32),
    )


def read(sock: socket.socket) -> TcpInfo | None:
    """The connection's ``TCP_INFO`` now; None off Linux or when the kernel refuses."""
    if not SUPPORTED:
        return None
    try:
        raw = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, TCP_INFO_LEN)
    except OSError:
        return None
    return parse(raw)
