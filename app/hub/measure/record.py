"""What the measurement servers remember, and how it reaches the database.

Why a single writer thread: the servers see events at packet rate (50 STUN probes a second
per agent, hundreds of upload requests a second on a fast link) while a database wants a
few transactions a second, and SQLite takes one writer at a time. Every server thread only
appends to in-memory queues (bounded); the writer drains them every :data:`FLUSH_S` into
one transaction: one ``observations`` row per HTTP connection and kind, and one row per
session per flush for STUN arrivals. The request-handling threads never wait for a commit.

Session checks (unknown → 404, expired → 410, over its byte cap → 429) read the
``sessions`` table through a short cache (:data:`CACHE_S`), so a ping every 0.2 s does not
mean five queries a second. The byte cap counts what this process moved but has not yet
written plus what the table says (``sessions.bytes_moved``, which several hub processes
add to); with several processes a session can overshoot by what the others moved within
one cache period.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from deskready.hub.models import MeasureSession, Observation

log = logging.getLogger("deskready.hub.measure")

SessionFactory = Callable[[], Session]

#: seconds between two writes of what the servers saw
FLUSH_S = 0.5
#: seconds a session's state (expiry, bytes moved) is trusted without asking the database
CACHE_S = 2.0
#: sessions kept in the cache; beyond, it is emptied (an id flood costs queries, not memory)
CACHE_MAX = 10_000
#: reads of a session's row before one is not overtaken by a flush (see ``_lookup``)
LOOKUP_TRIES = 3
#: STUN probes recorded per session (50 per second for a minute is 3,000); more are
#: answered but not recorded
MAX_PROBES_PER_SESSION = 6_000
#: distinct unconfirmed STUN usernames buffered between two flushes
MAX_PENDING_USERNAMES = 1_024
#: observation rows buffered between two flushes (a flood beyond is dropped and logged)
MAX_PENDING_ROWS = 10_000
#: what a session id looks like (the API makes 32 url-safe characters); anything else is
#: unknown without asking the database
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class State(Enum):
    """What a request for a session may do."""

    LIVE = 200
    UNKNOWN = 404
    EXPIRED = 410
    OVER_CAP = 429


def source_class(address: str, prefix_only: bool = True) -> dict[str, str]:
    """The address family and prefix of a client (/24 for IPv4, /48 for IPv6).

    An IPv4 client reaching a dual-stack socket appears as ``::ffff:a.b.c.d``: it is
    reported as the IPv4 address it is. With ``prefix_only`` off the whole address is kept.
    """
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return {"family": "unknown", "prefix": ""}
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        bits, family = 24, "ipv4"
    else:
        bits, family = 48, "ipv6"
    if not prefix_only:
        bits = ip.max_prefixlen
    net = ipaddress.ip_network(f"{ip}/{bits}", strict=False)
    return {"family": family, "prefix": str(net)}


@dataclass
class _Cached:
    fetched: float
    exists: bool
    expires_at: datetime | None = None
    bytes_db: int = 0


@dataclass
class _Pending:
    rows: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)  # not yet added to bytes_moved
    probes: dict[str, list[list[float]]] = field(default_factory=dict)
    probe_source: dict[str, dict[str, str]] = field(default_factory=dict)


class Recorder:
    """The servers' memory: session checks, byte counts, queued rows, the writer thread."""

    def __init__(self, session_factory: SessionFactory, byte_cap: int) -> None:
        self._factory = session_factory
        self.byte_cap = byte_cap
        self._lock = threading.Lock()
        self._cache: dict[str, _Cached] = {}
        self._pending = _Pending()
        self._probe_counts: dict[str, int] = {}
        self._unflushed: dict[str, int] = {}  # moved by this process, not yet in the table
        #: up by one when a flush starts writing moved bytes and again when it has moved them
        #: out of ``_unflushed`` (odd while one is under way), so a read can tell it overlapped
        self._flushes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- sessions --------------------------------------------------------------------
    def _lookup(self, session_id: str) -> _Cached:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(session_id)
        if cached is not None and now - cached.fetched < CACHE_S:
            return cached
        # A flush that commits while the row is read moves its bytes out of ``_unflushed``
        # after this read may have seen the table without them: the bytes would count
        # nowhere (a session could pass its cap). A read that began or ended with a flush
        # under way, or saw one finish, is taken again, a bounded few times.
        for _attempt in range(LOOKUP_TRIES):
            with self._lock:
                flushes = self._flushes
            try:
                with self._factory() as db:
                    row = db.execute(
                        select(MeasureSession.expires_at, MeasureSession.bytes_moved).where(
                            MeasureSession.id == session_id
                        )
                    ).first()
            except Exception:  # the database is away: refuse rather than measure unrecorded
                log.exception("measurement: session lookup failed")
                return _Cached(now, False)
            fresh = (
                _Cached(now, True, _aware(row[0]), int(row[1] or 0))
                if row is not None
                else _Cached(now, False)
            )
            with self._lock:
                if flushes % 2 or self._flushes != flushes:
                    continue
                if len(self._cache) >= CACHE_MAX:
                    self._cache.clear()
                self._cache[session_id] = fresh
            return fresh
        return fresh  # flushes kept coming: this read, not cached

    def state(self, session_id: str) -> State:
        """Whether ``session_id`` may measure now."""
        if not SESSION_ID.fullmatch(session_id):
            return State.UNKNOWN
        cached = self._lookup(session_id)
        if not cached.exists:
            return State.UNKNOWN
        if cached.expires_at is not None and cached.expires_at <= datetime.now(UTC):
            return State.EXPIRED
        if self.bytes_left(session_id) <= 0:
            return State.OVER_CAP
        return State.LIVE

    def bytes_left(self, session_id: str) -> int:
        """Bytes the session may still move (its cap less what every process recorded).

        The row (``bytes_db``) and this process's own count are read one after the other;
        a flush that finished in between has moved bytes from the count into the table
        after the row was read, so they would count nowhere. Such a pair is read again
        (the same seqlock as :meth:`_lookup`), a bounded few times.
        """
        for _attempt in range(LOOKUP_TRIES):
            with self._lock:
                flushes = self._flushes
            cached = self._lookup(session_id)
            with self._lock:
                mine = self._unflushed.get(session_id, 0)
                if not flushes % 2 and self._flushes == flushes:
                    break
        return self.byte_cap - cached.bytes_db - mine

    def moved(self, session_id: str, n: int) -> None:
        """Count ``n`` bytes against the session's cap (written or received)."""
        if n <= 0:
            return
        with self._lock:
            self._unflushed[session_id] = self._unflushed.get(session_id, 0) + n
            self._pending.moved[session_id] = self._pending.moved.get(session_id, 0) + n

    # -- observations ------------------------------------------------------------------
    def observe(self, session_id: str, kind: str, data: dict[str, Any]) -> None:
        """Queue one ``observations`` row (written at the next flush)."""
        with self._lock:
            if len(self._pending.rows) >= MAX_PENDING_ROWS:
                log.warning("measurement: %s observation dropped (queue full)", kind)
                return
            self._pending.rows.append((session_id, kind, data))

    def probe(
        self,
        username: str,
        seq: int,
        arrival: float,
        source: dict[str, str],
        *,
        answered: bool = True,
        answered_at: float | None = None,
    ) -> None:
        """Queue one STUN arrival for ``username`` (checked against the sessions at flush).

        Stored as ``[seq, arrival, answered_at]`` (epoch seconds: when the answer left,
        which times the way back without the responder's own delay), ``[seq, arrival]``
        when that time is not known, or ``[seq, arrival, 0]`` when the answer could not be
        sent: a client may count a missing answer as lost downstream only if the hub sent
        it (summary.answered_probes)."""
        if not SESSION_ID.fullmatch(username):
            return
        with self._lock:
            count = self._probe_counts.get(username, 0)
            if count >= MAX_PROBES_PER_SESSION:
                return
            probes = self._pending.probes.get(username)
            if probes is None:
                if len(self._pending.probes) >= MAX_PENDING_USERNAMES:
                    return
                probes = self._pending.probes[username] = []
                self._pending.probe_source[username] = source
            if len(self._probe_counts) >= CACHE_MAX and username not in self._probe_counts:
                self._probe_counts.clear()
            self._probe_counts[username] = count + 1
            row = [seq, round(arrival, 6)]
            if not answered:
                row.append(0)
            elif answered_at is not None:
                row.append(round(answered_at, 6))
            probes.append(row)

    # -- the writer --------------------------------------------------------------------
    def flush(self) -> None:
        """Write everything queued so far in one transaction (also called by the writer)."""
        with self._lock:
            pending, self._pending = self._pending, _Pending()
        if not (pending.rows or pending.moved or pending.probes):
            return
        live_probes = {
            user: probes for user, probes in pending.probes.items() if self._live_for_probes(user)
        }
        if pending.moved:
            with self._lock:
                self._flushes += 1  # odd: bytes on their way into the table (see _lookup)
        try:
            with self._factory() as db:
                for session_id, kind, data in pending.rows:
                    db.add(Observation(session_id=session_id, kind=kind, data=data))
                for user, probes in live_probes.items():
                    data = {"probes": probes, "source": pending.probe_source.get(user, {})}
                    db.add(Observation(session_id=user, kind="stun", data=data))
                for session_id, n in pending.moved.items():
                    db.execute(
                        update(MeasureSession)
                        .where(MeasureSession.id == session_id)
                        .values(bytes_moved=MeasureSession.bytes_moved + n)
                    )
                db.commit()
        except Exception:
            log.exception("measurement: writing observations failed")
        finally:
            with self._lock:
                if pending.moved:
                    self._flushes += 1  # even again: they are in the table or given up
                for session_id, n in pending.moved.items():
                    left = self._unflushed.get(session_id, 0) - n
                    if left > 0:
                        self._unflushed[session_id] = left
                    else:
                        self._unflushed.pop(session_id, None)
                    # the table now holds these bytes: read it afresh next time
                    self._cache.pop(session_id, None)

    def _live_for_probes(self, username: str) -> bool:
        cached = self._lookup(username)
        if not cached.exists:
            return False
        return cached.expires_at is None or cached.expires_at > datetime.now(UTC)

    def start(self) -> None:
        """Run the writer thread until :meth:`stop`."""

        def loop() -> None:
            while not self._stop.wait(FLUSH_S):
                self.flush()
            self.flush()

        self._thread = threading.Thread(target=loop, name="deskready-hub-recorder", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the writer after a last flush."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (the hub writes UTC): make them aware."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
