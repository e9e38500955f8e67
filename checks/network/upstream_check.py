"""Loss and jitter on the way *to* the employer's hub, as the hub itself counted them.

A client alone sees only round trips: a lost STUN answer may have been lost on the way
out or on the way back. The hub counts the call-quality stream's requests as they arrive
(sequence numbers, docs/hub-protocol.md §4), so it knows the upstream part — the direction
a home connection's upload queue usually breaks a call in. This check runs after the
call-quality stream and asks the hub what it counted. It measures nothing itself, and
without a hub it cannot run: the values are the hub's, and the hub signs them.
"""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from deskready.checks.api import (
    M_,
    N_,
    Category,
    Check,
    CheckContext,
    CheckFailed,
    Measurements,
    Metric,
    MetricType,
    MetricValue,
    Setting,
)

#: What the hub's answer may weigh; a handful of numbers fits many times over.
MAX_ANSWER_BYTES = 64 * 1024
#: With the answered probes (``?stun=true``): 6,000 at most, ~20 bytes each.
MAX_PROBES_ANSWER_BYTES = 512 * 1024
#: The hub writes what it counted every half second (deskready.hub.measure.record).
SETTLE_S = 1.0
METRICS = ("network.upstream_loss_pct", "network.upstream_jitter_ms")


class HubObservations:
    """Asks the hub for what it observed in a session (the adapter tests replace)."""

    def fetch(
        self, hub_url: str, session: str, timeout: float, *, stun: bool = False
    ) -> dict[str, Any]:
        """``{"observed": {...}}`` from ``GET /api/v1/sessions/<id>/observed``; with
        ``stun`` also ``"stun": {"sequences": [...], "arrivals_ms": [...]}``, the probes
        the hub answered (the call-quality check's split by direction).

        Raises:
            CheckFailed: unreachable, refused, or not JSON.
        """
        url = f"{hub_url.rstrip('/')}/api/v1/sessions/{urllib.parse.quote(session)}/observed"
        limit = MAX_ANSWER_BYTES
        if stun:
            url, limit = f"{url}?stun=true", MAX_PROBES_ANSWER_BYTES
        request = urllib.request.Request(url, headers={"Authorization": f"Session {session}"})
        try:
            deadline = time.monotonic() + timeout
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                data = _read_until(answer, limit + 1, deadline)
        except urllib.error.HTTPError as exc:
            raise CheckFailed(
                M_(
                    "Your employer's hub refused to say what it measured (HTTP {code}).",
                    code=exc.code,
                )
            ) from None
        except (OSError, ValueError) as exc:
            raise CheckFailed(
                M_("Your employer's hub could not be reached: {reason}", reason=str(exc))
            ) from None
        if len(data) > limit:
            raise CheckFailed(M_("Your employer's hub sent an answer that is far too large."))
        try:
            found = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise CheckFailed(
                M_("Your employer's hub sent an answer deskready cannot read.")
            ) from None
        if not isinstance(found, dict):
            raise CheckFailed(M_("Your employer's hub sent an answer deskready cannot read."))
        return found


def _read_until(answer: Any, limit: int, deadline: float) -> bytes:
    """At most ``limit`` bytes of ``answer``, read by ``deadline`` (monotonic).

    urlopen's ``timeout`` bounds each socket read, not the whole answer: a hub sending a
    few bytes at a time could otherwise hold the check for as long as it liked.

    Raises:
        TimeoutError: the answer was not complete by ``deadline``.
    """
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if time.monotonic() > deadline:
            raise TimeoutError("the answer was not complete in time")
        chunk = answer.read1(min(64 * 1024, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def secure_enough(url: str) -> bool:
    """https, or plain http to this computer only (the same rule as joining the hub)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class UpstreamCheck(Check):
    """Upstream loss and jitter, counted by the employer's hub."""

    id = "upstream"
    title = N_("Connection to your employer's hub")
    category = Category.NETWORK
    description = N_(
        "How many call packets reached your employer's hub, counted by the hub itself."
    )
    exclusive = True
    order = 200  # after the call-quality stream it asks about
    time_budget_s = 15.0
    metrics = (
        Metric(
            "network.upstream_loss_pct",
            MetricType.NUMBER,
            N_("Packets lost on the way to the hub"),
            "%",
            advice=N_(
                "Packets from your computer get lost on the way out. Pause uploads and cloud "
                "backups, use a cable instead of Wi-Fi, or ask your internet provider to check "
                "your line."
            ),
        ),
        Metric(
            "network.upstream_jitter_ms",
            MetricType.NUMBER,
            N_("Jitter on the way to the hub"),
            "ms",
            advice=N_(
                "Packets from your computer arrive unevenly. Pause uploads and use a cable "
                "instead of Wi-Fi."
            ),
        ),
    )
    settings = (
        Setting("hub_url", str, "", N_("The employer's hub (set when you join with a code)")),
        Setting("session", str, "", N_("The hub's measurement session (set when you join)")),
    )

    def run(self, ctx: CheckContext) -> Measurements:
        hub_url = str(ctx.setting("hub_url") or "")
        session = str(ctx.setting("session") or "")
        if not hub_url or not session:
            raise CheckFailed(
                M_(
                    "This requirement is measured by your employer's hub. Join with the code "
                    "your employer gave you: deskready check --invite CODE"
                )
            )
        if not secure_enough(hub_url):
            raise CheckFailed(M_("The hub's address must start with https://."))
        time.sleep(min(SETTLE_S, ctx.time_left()))
        ctx.raise_if_cancelled()
        found = ctx.adapter(HubObservations).fetch(hub_url, session, ctx.bounded(10.0))
        observed = found.get("observed")
        observed = observed if isinstance(observed, dict) else {}
        values: dict[str, MetricValue] = {}
        for metric in METRICS:
            value = observed.get(metric)
            number = (
                value if isinstance(value, int | float) and not isinstance(value, bool) else None
            )
            values[metric] = None if number is None else round(float(number), 2)
        result = Measurements(values, details={"observed_by": "hub"})
        if all(v is None for v in values.values()):
            result.messages.append(
                M_(
                    "Your employer's hub received none of the call-test packets, so it could "
                    "not count them. Check that the call-quality test ran against the hub."
                )
            )
        return result
