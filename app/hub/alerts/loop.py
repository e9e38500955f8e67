"""The alerts' background task in ``deskready hub serve``: send every ``poll_every_s``,
sweep for overdue agents (and keep the day's fleet snapshot, the overview's readiness over
time) every ``sweep_every_s``.

Both run off the event loop (``asyncio.to_thread``: they are database writes and network
sends); a failure (the database away for a moment) is logged and tried again next round,
so the API never stops for it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.orm import Session, sessionmaker

from deskready.hub.alerts.outbox import Dispatcher
from deskready.hub.alerts.overdue import sweep
from deskready.hub.config import HubConfig
from deskready.hub.fleet import snapshot

log = logging.getLogger("deskready.hub.alerts")


async def run(config: HubConfig, sessions: sessionmaker[Session]) -> None:
    """Until cancelled: the outbox every ``[alerts] poll_every_s``, the sweep every
    ``[alerts] sweep_every_s``."""
    dispatcher = Dispatcher(config, sessions)
    next_sweep = time.monotonic()

    def sweep_once() -> None:
        with sessions() as db:
            found = sweep(db, moment=dispatcher.clock(), public_url=config.public_url)
        if found:
            log.info("%d agents became overdue", found)

    def count_fleet() -> None:
        with sessions() as db:
            snapshot.take(db, dispatcher.clock())

    while True:
        if time.monotonic() >= next_sweep:
            next_sweep = time.monotonic() + config.alerts.sweep_every_s
            try:
                await asyncio.to_thread(sweep_once)
            except Exception:
                log.exception("the overdue sweep failed; trying again later")
            try:
                await asyncio.to_thread(count_fleet)
            except Exception:
                log.exception("the fleet's daily count failed; trying again later")
        try:
            await asyncio.to_thread(dispatcher.tick)
        except Exception:
            log.exception("sending alerts failed; trying again later")
        await asyncio.sleep(config.alerts.poll_every_s)
