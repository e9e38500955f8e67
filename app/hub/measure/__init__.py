"""The hub measures the network from its own side (issue 15 item 3, docs/hub-protocol.md §4).

Two servers share one :class:`~deskready.hub.measure.record.Recorder`:

* :mod:`.httpserver` — the LibreSpeed backend protocol on the measurement port, reading
  each connection's Linux ``TCP_INFO`` (:mod:`.tcpinfo`) so a download counts the bytes the
  client's TCP stack acknowledged;
* :mod:`.stunserver` — an RFC 8489 Binding responder on UDP that records each probe's
  sequence and arrival time per session (upstream loss and jitter).

:func:`start` runs both in threads and returns a :class:`MeasureHandle`;
:func:`summarise` turns what they recorded into the ``observed`` figures the API signs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from deskready.hub.measure.httpserver import MeasureHTTPServer
from deskready.hub.measure.record import Recorder, SessionFactory
from deskready.hub.measure.stunserver import StunResponder
from deskready.hub.measure.summary import summarise

__all__ = ["MeasureHandle", "start", "summarise"]

log = logging.getLogger("deskready.hub.measure")

#: used when the configuration names no cap (the hub's own default, 1 GiB)
DEFAULT_BYTE_CAP = 1024 * 1024 * 1024


@dataclass
class MeasureHandle:
    """Both running servers; :meth:`stop` ends them and writes what they saw."""

    http: MeasureHTTPServer
    stun: StunResponder
    recorder: Recorder

    @property
    def measure_port(self) -> int:
        """The HTTP port actually bound (useful with port 0)."""
        return self.http.port

    @property
    def stun_port(self) -> int:
        """The UDP port actually bound."""
        return self.stun.port

    def flush(self) -> None:
        """Write everything recorded so far now (tests; the writer does it every 0.5 s)."""
        self.recorder.flush()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both servers; every connection's record is written before this returns."""
        self.http.stop(timeout)
        self.stun.stop(timeout)
        self.recorder.stop(timeout)


def _byte_cap(config: Any) -> int:
    cap = getattr(config, "session_byte_cap", None)
    if cap is None:
        cap = getattr(getattr(config, "limits", None), "session_max_bytes", None)
    return int(cap) if cap is not None else DEFAULT_BYTE_CAP


def _prefix_only(config: Any) -> bool:
    privacy = getattr(config, "privacy", None)
    return bool(getattr(privacy, "source_prefix_only", True))


def start(config: Any, session_factory: SessionFactory) -> MeasureHandle:
    """Start the measurement HTTP server and the STUN responder on ``config``'s addresses.

    ``config`` is a :class:`deskready.hub.config.HubConfig` or anything with ``host``,
    ``measure_port``, ``stun_port`` and ``session_byte_cap`` (or ``limits.session_max_bytes``)
    attributes; port 0 binds any free port (see :attr:`MeasureHandle.measure_port`).

    Raises:
        OSError: a port cannot be bound (in use, no permission).
    """
    recorder = Recorder(session_factory, _byte_cap(config))
    prefix_only = _prefix_only(config)
    http = MeasureHTTPServer(
        config.host, int(config.measure_port), recorder, prefix_only=prefix_only
    )
    try:
        stun = StunResponder(config.host, int(config.stun_port), recorder, prefix_only=prefix_only)
    except OSError:
        http.listener.close()
        raise
    recorder.start()
    http.start()
    stun.start()
    log.info("measurement on %s:%d (HTTP), %d (STUN)", config.host, http.port, stun.port)
    return MeasureHandle(http, stun, recorder)
