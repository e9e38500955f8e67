"""From the hub's observations to the figures it signs (docs/hub-protocol.md §6 ``observed``).

Rates: every HTTP connection recorded a cumulative arrival series (bytes the client's TCP
has, acknowledged or SACKed, for a download; bytes received for an upload). The rows of
one direction whose times overlap (within :data:`GAP_S`) form one *phase* — the client's
parallel streams; the phase that moved the most bytes is the test. Its rate comes from
the agent's own method (:func:`phase_rate`, docs/checks-network.md): one window common to
all streams, opened at steady state; HTTP payload in Mbit/s (10^6 bit/s).

STUN: **upstream loss** = 1 − received / expected, expected = highest sequence + 1, or the
count the client reports having sent when that is higher (probes lost at the end of a run
leave no higher sequence behind). Duplicates count once. **Upstream jitter** is RFC 3550
§6.4.1's interarrival jitter — ``J += (|D| − J) / 16`` with ``D = (Rj − Ri) − (Sj − Si)``
over consecutive arrivals — where the send times S are the nominal ones (sequence ×
interval), since the probes carry no timestamp.

Which probes the hub **answered** (:func:`answered_probes`: sequence and arrival time of
each) is what lets the client split its round-trip loss: an answer missing at the client
was lost downstream only if the hub received the request and sent the answer. It is read
by the agent during its run (``GET …/observed?stun=true``) and never signed: at 50 probes
a second it is tens of kilobytes, and the downstream figures are the client's own.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskready.checks.network.rate_estimator import Sample, steady_rate
from deskready.hub.models import Observation

#: rows whose intervals are this close (seconds) belong to the same phase
GAP_S = 0.5
#: the nominal spacing of the client's STUN probes (docs/hub-protocol.md §4)
DEFAULT_INTERVAL_MS = 20.0
#: answered probes listed for the client: the recorder keeps 6,000 per session anyway
MAX_ANSWERED = 6_000


def _phases(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    usable = [r for r in rows if r.get("series") and r.get("bytes", 0) > 0]
    usable.sort(key=lambda r: float(r["start"]))
    phases: list[list[dict[str, Any]]] = []
    end = float("-inf")
    for row in usable:
        start = float(row["start"])
        row_end = start + float(row["series"][-1][0])
        if not phases or start > end + GAP_S:
            phases.append([row])
            end = row_end
        else:
            phases[-1].append(row)
            end = max(end, row_end)
    return phases


def phase_rate(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The rate of the phase that moved most bytes: ``mbps``, ``bytes``, ``seconds``…

    The agent's own method (:func:`deskready.checks.network.rate_estimator.steady_rate`):
    every row is one stream's cumulative arrival series; the rate is taken over one
    window common to all of them, opened when the aggregate rate stopped climbing, each
    stream counting only between samples inside it (and opening at a sample that held
    nothing back behind a lost packet). So it can never exceed what the link carried.
    """
    phases = _phases(rows)
    if not phases:
        return None
    phase = max(phases, key=lambda p: sum(int(r["bytes"]) for r in p))
    samples: list[Sample] = []
    for sid, row in enumerate(phase):
        start = float(row["start"])
        for point in row["series"]:
            clean = len(point) < 3 or bool(point[2])
            samples.append((start + float(point[0]), int(point[1]), sid, clean))
    begin = min(float(r["start"]) for r in phase)
    end = max(t for t, _v, _s, _c in samples)
    duration = end - begin
    if duration <= 0:
        return None
    rate = steady_rate(samples, begin, end)
    return {
        "mbps": round(rate.mbps, 3),
        "bytes": int(sum(int(r["bytes"]) for r in phase)),
        "seconds": round(duration, 3),
        "window_s": round(rate.closed - rate.opened, 3),
        "streams": len(phase),
        "tcp": _tcp(phase, duration),
        "tcp_info": all(bool(r.get("tcp_info")) for r in phase),
    }


def _tcp(phase: list[dict[str, Any]], duration: float) -> dict[str, Any] | None:
    stats = [(r, r["tcp"]) for r in phase if isinstance(r.get("tcp"), dict)]
    if not stats:
        return None
    delivery = 0.0
    for row, tcp in stats:  # time-weighted: rows of one connection follow one another
        if tcp.get("delivery_mbps") is not None:
            share = min(1.0, float(row.get("seconds", 0.0)) / duration) if duration else 1.0
            delivery += float(tcp["delivery_mbps"]) * share
    return {
        "min_rtt_ms": round(min(float(t["min_rtt_ms"]) for _r, t in stats), 3),
        "rtt_ms": round(statistics.median(float(t["rtt_ms"]) for _r, t in stats), 3),
        "retrans": int(sum(int(t.get("retrans", 0)) for _r, t in stats)),
        "delivery_mbps": round(delivery, 3) if delivery else None,
    }


def upstream(
    probes: list[tuple[int, float]], sent: int | None = None, interval_ms: float = 20.0
) -> dict[str, Any]:
    """Upstream loss (%) and jitter (ms) from ``(sequence, arrival seconds)`` pairs."""
    first: dict[int, float] = {}
    for seq, arrival in probes:
        if seq not in first or arrival < first[seq]:
            first[seq] = arrival
    if not first:
        loss = 100.0 if sent else None  # the client sent probes and none arrived
        return {"loss_pct": loss, "jitter_ms": None, "received": 0, "expected": sent or 0}
    expected = max(max(first) + 1, sent or 0)
    received = len(first)
    loss = max(0.0, 100.0 * (1.0 - received / expected))
    ordered = sorted(first.items(), key=lambda item: item[1])
    interval = interval_ms / 1000.0
    jitter = 0.0
    for (seq_i, r_i), (seq_j, r_j) in itertools.pairwise(ordered):
        d = (r_j - r_i) - (seq_j - seq_i) * interval
        jitter += (abs(d) - jitter) / 16.0
    return {
        "loss_pct": round(loss, 3),
        "jitter_ms": round(jitter * 1000.0, 3) if received > 1 else None,
        "received": received,
        "expected": expected,
    }


def _stun_probes(rows: list[dict[str, Any]]) -> list[tuple[int, float, float | None]]:
    """``(sequence, arrival, answered_at)`` of every recorded probe. ``[seq, t, sent]``
    rows were answered at ``sent``, ``[seq, t]`` rows at about ``t`` (older rows),
    ``[seq, t, 0]`` rows were received but their answer could not be sent (None)."""
    found: list[tuple[int, float, float | None]] = []
    for data in rows:
        for p in data.get("probes", []):
            if isinstance(p, list) and len(p) in (2, 3):
                arrival = float(p[1])
                sent = arrival if len(p) == 2 else (float(p[2]) or None)
                found.append((int(p[0]), arrival, sent))
    return found


def answered_probes(db: Session, session_id: str) -> dict[str, Any]:
    """The probes of ``session_id`` the hub answered: ``sequences`` (ascending), each
    one's first arrival and when its answer left (``arrivals_ms``, ``answered_ms``), both
    relative to ``first_arrival`` (epoch seconds, the hub's clock). Only differences of
    these times mean anything to the client (its clock is another), which is all RFC 3550
    jitter needs: arrivals time the way up, answers the way back."""
    rows = db.execute(
        select(Observation.data)
        .where(Observation.session_id == session_id, Observation.kind == "stun")
        .order_by(Observation.id)
    ).all()
    first: dict[int, tuple[float, float]] = {}
    for seq, arrival, sent in _stun_probes([r[0] for r in rows if isinstance(r[0], dict)]):
        if sent is not None and (seq not in first or arrival < first[seq][0]):
            first[seq] = (arrival, sent)
    sequences = sorted(first)[:MAX_ANSWERED]
    start = min((first[s][0] for s in sequences), default=0.0)
    return {
        "sequences": sequences,
        "arrivals_ms": [round((first[s][0] - start) * 1000.0, 3) for s in sequences],
        "answered_ms": [round((first[s][1] - start) * 1000.0, 3) for s in sequences],
        "first_arrival": start,
    }


def summarise(
    db: Session,
    session_id: str,
    *,
    stun_sent: int | None = None,
    stun_interval_ms: float = DEFAULT_INTERVAL_MS,
) -> dict[str, Any]:
    """What the hub observed of ``session_id`` (docs/hub-protocol.md §6 ``observed``).

    Args:
        db: a SQLAlchemy session on the hub's database.
        session_id: the measurement session.
        stun_sent: how many STUN probes the client says it sent (the report's
            ``hub.stun_sent``); only ever raises the expected count.
        stun_interval_ms: the nominal spacing of the probes.

    Returns:
        ``network.download_mbps``, ``network.upload_mbps``, ``network.upstream_loss_pct``,
        ``network.upstream_jitter_ms`` (None where the hub saw nothing), ``tcp``
        (``min_rtt_ms``, ``rtt_ms``, ``retrans``, ``delivery_mbps``; None without
        ``TCP_INFO``), ``source`` (``family``, ``prefix``; None when nothing was seen) and
        ``details`` (bytes, seconds, streams, probe counts: what the figures rest on).
    """
    rows = db.execute(
        select(Observation.kind, Observation.data)
        .where(Observation.session_id == session_id)
        .order_by(Observation.id)
    ).all()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    sources: Counter[tuple[str, str]] = Counter()
    for kind, data in rows:
        if not isinstance(data, dict):
            continue
        by_kind.setdefault(kind, []).append(data)
        source = data.get("source")
        if isinstance(source, dict) and source.get("family"):
            sources[(str(source["family"]), str(source.get("prefix", "")))] += 1
    down = phase_rate(by_kind.get("download", []))
    up = phase_rate(by_kind.get("upload", []))
    probes = [(seq, arrival) for seq, arrival, _sent in _stun_probes(by_kind.get("stun", []))]
    stun = upstream(probes, stun_sent, stun_interval_ms) if probes or stun_sent else None
    family_prefix = sources.most_common(1)[0][0] if sources else None
    details: dict[str, Any] = {}
    for name, phase in (("download", down), ("upload", up)):
        if phase is not None:
            details[name] = {
                k: phase[k] for k in ("mbps", "bytes", "seconds", "window_s", "streams")
            }
            details[name]["tcp_info"] = phase["tcp_info"]
    if stun is not None:
        details["stun"] = {"received": stun["received"], "expected": stun["expected"]}
    return {
        "network.download_mbps": down["mbps"] if down else None,
        "network.upload_mbps": up["mbps"] if up else None,
        "network.upstream_loss_pct": stun["loss_pct"] if stun else None,
        "network.upstream_jitter_ms": stun["jitter_ms"] if stun else None,
        "tcp": down["tcp"] if down else None,
        "source": (
            {"family": family_prefix[0], "prefix": family_prefix[1]} if family_prefix else None
        ),
        "details": details,
    }
