"""Is the loss of a STUN stream the agent's path, or the server? Pure decisions, no I/O.

A STUN server may answer only so many requests a second per client (public servers do, to
stay out of amplification attacks), or stop answering part-way. Both look like packet
loss in the stream, but neither says anything about the agent's home network. So when a
stream loses a lot, the check takes a *second look*: :data:`SLOW_PROBES` more requests,
:data:`SLOW_INTERVAL_S` apart (a fraction of the stream's rate) — and this module decides:

* no answer to the slow requests either: the server **stopped** answering;
* clearly more answers than the stream's loss predicts: the server **limits its rate**
  (loss on a home link does not depend on whether we send 7 or 50 packets of 20 bytes a
  second: 19 kbit/s is nothing next to what the link carries);
* otherwise the loss is the path's and is reported as measured.
"""

from __future__ import annotations

import math

#: Below this loss a second look is not taken: with :data:`SLOW_PROBES` requests, fewer
#: lost packets could not be told apart from path loss at :data:`SIGNIFICANCE` anyway
#: (all 10 answered has a chance of 0.7^10 = 2.8 % at 30 % loss).
SUSPECT_LOSS_PCT = 30.0
#: Requests of the second look, and how far apart (6.7 a second: far below the 50 of
#: the stream, above the slowest rate limit worth naming).
SLOW_PROBES = 10
SLOW_INTERVAL_S = 0.15
#: The second look calls the server rate-limited when its answers would happen by
#: chance, at the stream's answer rate, less often than this.
SIGNIFICANCE = 0.01

STOPPED = "stopped"
RATE_LIMITED = "rate_limited"


def needs_second_look(sent: int, answered: int) -> bool:
    """True when the stream lost so much that the server may be the cause."""
    return sent > 0 and 100.0 * (1 - answered / sent) >= SUSPECT_LOSS_PCT


def binomial_at_least(n: int, k: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    p = min(1.0, max(0.0, p))
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def diagnose(sent: int, answered: int, slow_sent: int, slow_answered: int) -> str | None:
    """``STOPPED``, ``RATE_LIMITED``, or None when the stream's loss is the path's.

    ``sent``/``answered``: the stream; ``slow_*``: the second look. Too few slow requests
    (a cancelled or squeezed second look) decide nothing.
    """
    if slow_sent < SLOW_PROBES // 2:
        return None
    if slow_answered == 0:
        return STOPPED
    p_answer = answered / sent if sent else 0.0
    if binomial_at_least(slow_sent, slow_answered, p_answer) < SIGNIFICANCE:
        return RATE_LIMITED
    return None
