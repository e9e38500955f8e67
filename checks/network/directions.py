"""Split a call-test stream's loss and jitter into the way out and the way back. Pure.

A client alone sees round trips: a missing answer may have been lost on the way to the
server or on the way back. The employer's hub says which requests it received and
answered, and when each arrived (``GET …/observed?stun=true``, docs/hub-protocol.md §4).
With that list:

* **upstream loss** = requests the hub did not answer / requests sent (the client knows
  how many it sent, so requests lost at the very end count too);
* **downstream loss** = answers that never reached the client / answers the hub sent. An
  answer can only be lost downstream if it was sent, so upstream losses are excluded;
* **jitter** each way is RFC 3550 §6.4.1's, D = (Rj − Ri) − (Sj − Si) on consecutive
  packets in arrival order: upstream with the client's send times and the hub's arrival
  times, downstream with the times the hub's answers left and the client's arrival times
  (a hub that does not list when its answers left: its arrival times, so its own delay
  in answering shows in the downstream figure). Only differences of times on one clock
  enter D, so the two clocks never need to agree; drift (tens of ppm) adds microseconds
  over a minute. Like the round-trip jitter, each figure is the estimator's mean over the
  stream (voice_math.mean_rfc3550_jitter).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from deskready.checks.network import voice_math
from deskready.checks.network.stun_stream import Probe


@dataclass(frozen=True)
class Directions:
    """Loss (%) and jitter (ms) each way, and the counts they rest on."""

    upstream_loss_pct: float | None
    upstream_jitter_ms: float | None
    downstream_loss_pct: float | None
    downstream_jitter_ms: float | None
    sent: int
    answered: int
    received: int


def split(
    probes: Sequence[Probe],
    hub_sequences: Sequence[int],
    hub_arrivals_ms: Sequence[float],
    hub_answered_ms: Sequence[float] | None = None,
) -> Directions:
    """Per-direction figures of ``probes`` (index = sequence) from the hub's answered list.

    Sequences the client never sent (another run in the same session) are ignored; the
    first arrival of a sequence listed twice counts.
    """
    answered_ms = hub_arrivals_ms if hub_answered_ms is None else hub_answered_ms
    if not len(hub_sequences) == len(hub_arrivals_ms) == len(answered_ms):
        raise ValueError("the hub's sequences and times differ in length")
    sent = len(probes)
    hub: dict[int, float] = {}
    left: dict[int, float] = {}
    for seq, at_ms, out_ms in zip(hub_sequences, hub_arrivals_ms, answered_ms, strict=True):
        if 0 <= seq < sent and seq not in hub:
            hub[seq] = at_ms / 1000.0
            left[seq] = out_ms / 1000.0
    up_order = sorted(hub, key=hub.__getitem__)
    up_jitter = voice_math.mean_rfc3550_jitter(
        [probes[s].sent for s in up_order], [hub[s] for s in up_order]
    )
    back = [probes[s] for s in hub if probes[s].received is not None]
    back.sort(key=lambda p: p.received or 0.0)
    down_jitter = voice_math.mean_rfc3550_jitter(
        [left[p.seq] for p in back], [p.received or 0.0 for p in back]
    )
    return Directions(
        upstream_loss_pct=_round(voice_math.loss_percent(sent, len(hub))),
        upstream_jitter_ms=_ms(up_jitter),
        downstream_loss_pct=_round(voice_math.loss_percent(len(hub), len(back))),
        downstream_jitter_ms=_ms(down_jitter),
        sent=sent,
        answered=len(hub),
        received=len(back),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 2)
