"""The call test's loss and jitter by direction, with the employer's hub; or why not.

After the stream, the call-quality check asks the hub which of its requests it answered
and when each arrived (``GET /api/v1/sessions/<id>/observed?stun=true``, the session's
own only), and directions.py splits the round trip. Without a hub, or when the hub cannot
say, the report says loss and jitter were measured as round trips only. Either way
``details.direction`` names the method (``by_direction`` / ``round_trip_only``) and one
message says it in words.
"""

from __future__ import annotations

import math
import time
from typing import Any

from deskready.checks.api import CheckContext, CheckFailed, Measurements
from deskready.checks.i18n import M_
from deskready.checks.network import directions
from deskready.checks.network.stun_stream import StreamResult
from deskready.checks.network.upstream_check import HubObservations, secure_enough

#: The hub writes what it counted every 0.5 s (deskready.hub.measure.record): wait twice.
SETTLE_S = 1.0
#: How long the question to the hub may take.
FETCH_S = 4.0
#: What the check keeps free in its budget for both.
HUB_S = SETTLE_S + FETCH_S

BY_DIRECTION = "by_direction"
ROUND_TRIP_ONLY = "round_trip_only"


def round_trip_only(measured: Measurements, reason: str | None = None) -> None:
    """Mark ``measured`` as measured on round trips, saying why in words."""
    measured.details["direction"] = ROUND_TRIP_ONLY
    if reason is None:
        measured.messages.append(
            M_(
                "Loss and jitter were measured on round trips only: without your employer's "
                "hub, a lost packet cannot be told apart as lost on the way out or on the "
                "way back."
            )
        )
    else:
        measured.details["direction_problem"] = reason
        measured.messages.append(
            M_(
                "Loss and jitter were measured on round trips only: your employer's hub "
                "could not say which test packets it received ({reason}).",
                reason=reason,
            )
        )


def add_directions(
    ctx: CheckContext, measured: Measurements, result: StreamResult, hub_url: str, session: str
) -> None:
    """Ask the hub what it answered and add per-direction values, details and words."""
    if not secure_enough(hub_url):
        round_trip_only(measured, M_("the hub's address must start with https://"))
        return
    time.sleep(min(SETTLE_S, ctx.time_left()))
    try:
        found = ctx.adapter(HubObservations).fetch(
            hub_url, session, ctx.bounded(FETCH_S), stun=True
        )
    except CheckFailed as exc:
        # the Message itself (not str()), so a report in another language says it in that
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        round_trip_only(measured, reason)
        return
    answered = _answered(found.get("stun"))
    if answered is None:
        round_trip_only(measured, M_("its answer had no list of them"))
        return
    split = directions.split(result.probes, *answered)
    # The server was blamed for the loss (stun_health): then neither direction's loss is
    # the agent's either, and neither the values, the details nor the words give one.
    blamed = measured.values.get("network.loss_pct") is None
    up_loss = None if blamed else split.upstream_loss_pct
    down_loss = None if blamed else split.downstream_loss_pct
    measured.values["network.downstream_loss_pct"] = down_loss
    measured.values["network.downstream_jitter_ms"] = split.downstream_jitter_ms
    measured.details["direction"] = BY_DIRECTION
    measured.details["upstream"] = {
        "loss_pct": up_loss,
        "jitter_ms": split.upstream_jitter_ms,
        "sent": split.sent,
        "received_by_hub": split.answered,
    }
    measured.details["downstream"] = {
        "loss_pct": down_loss,
        "jitter_ms": split.downstream_jitter_ms,
        "answered_by_hub": split.answered,
        "received": split.received,
    }
    measured.messages.append(_words(split, blamed))


def _answered(stun: Any) -> tuple[list[int], list[float], list[float] | None] | None:
    """The hub's ``sequences``, ``arrivals_ms`` and (if listed) ``answered_ms``, checked;
    None when unusable."""
    if not isinstance(stun, dict):
        return None
    sequences = stun.get("sequences")
    if not isinstance(sequences, list):
        return None
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in sequences):
        return None
    arrivals = _times(stun.get("arrivals_ms"), len(sequences))
    if arrivals is None:
        return None
    answered = None
    if "answered_ms" in stun:
        answered = _times(stun.get("answered_ms"), len(sequences))
        if answered is None:
            return None
    return sequences, arrivals, answered


def _times(value: Any, count: int) -> list[float] | None:
    """``count`` finite numbers, or None."""
    if not isinstance(value, list) or len(value) != count:
        return None
    if not all(isinstance(a, int | float) and not isinstance(a, bool) for a in value):
        return None
    times = [float(a) for a in value]
    return times if all(math.isfinite(t) for t in times) else None


def _words(split: directions.Directions, blamed: bool) -> str:
    if split.answered == 0:
        return M_(
            "Measured in each direction with your employer's hub: none of the {sent} test "
            "packets reached the hub.",
            sent=split.sent,
        )
    if blamed:
        return M_(
            "Measured in each direction with your employer's hub: jitter {up_jitter} ms on "
            "the way there and {down_jitter} ms on the way back; packet loss was not "
            "measured (see above).",
            up_jitter=_or_dash(split.upstream_jitter_ms),
            down_jitter=_or_dash(split.downstream_jitter_ms),
        )
    return M_(
        "Measured in each direction with your employer's hub: {up} % of the test packets "
        "were lost on the way to the hub and {down} % on the way back; jitter {up_jitter} ms "
        "on the way there and {down_jitter} ms on the way back.",
        up=split.upstream_loss_pct,
        down=split.downstream_loss_pct,
        up_jitter=_or_dash(split.upstream_jitter_ms),
        down_jitter=_or_dash(split.downstream_jitter_ms),
    )


def _or_dash(value: float | None) -> float | str:
    return "–" if value is None else value
