"""``deskready hub serve``: the API (uvicorn) and the measurement servers in one process.

Why one process: an operator starts one command (or one systemd unit) and gets the whole
hub. The API is an ASGI app (:func:`deskready.hub.api.create_app`) run by uvicorn; the
measurement endpoints (LibreSpeed over HTTP/1.1 and STUN over UDP,
:func:`deskready.hub.measure.start`) run on the same asyncio loop. Neither keeps state in
memory that another process would need: everything goes through the database, so
several such processes can share one PostgreSQL database (docs/hub.md).

The API's listening socket is bound here, before uvicorn starts, so a port already in use
is one clear message instead of uvicorn's log line and exit status 1.

Stopping: SIGTERM (systemd, ``kill``) and SIGINT (Ctrl-C) make uvicorn finish the requests
in flight and stop; then the measurement servers are closed. A second Ctrl-C forces the
stop. Unlike plain uvicorn, the signal is not raised again afterwards: a requested stop is
a clean exit (status 0).

Contract with ``deskready.hub.measure``: ``start(config, sessions)`` is called on the
running event loop; it may return the handle, or an awaitable giving the handle. At stop,
the handle's ``stop()``, ``close()`` or ``aclose()`` (the first it has; sync or async) is
called once.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import logging
import signal
import socket
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from deskready.checks.i18n import _
from deskready.hub.config import HubConfig
from deskready.hub.db import (
    current_revision,
    head_revision,
    is_sqlite,
    make_engine,
    session_factory,
)

#: seconds uvicorn waits for requests in flight when told to stop
GRACEFUL_STOP_S = 10


class ServeError(RuntimeError):
    """The hub cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class Ready:
    """Where a started hub listens (the ports actually bound, also when 0 was asked)."""

    api_url: str
    measure_port: int
    stun_port: int


def load_part(module: str, attribute: str) -> Any:
    """``module.attribute`` of a hub part built separately, or a clear :class:`ServeError`."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise ServeError(
            _("this installation has no {module} yet, so the hub cannot serve").format(
                module=module
            )
        ) from None
    part = getattr(found, attribute, None)
    if part is None:
        raise ServeError(
            _("{module} has no {attribute}, so the hub cannot serve").format(
                module=module, attribute=attribute
            )
        )
    return part


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening).

    Raises:
        ServeError: the address does not resolve or cannot be bound (in use, no
            permission for a port below 1024).
    """
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (OSError, UnicodeError) as exc:
        raise ServeError(
            _("cannot listen on {host}: {reason}").format(host=host, reason=exc)
        ) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ServeError(
            _("cannot listen on {host} port {port}: {reason}").format(
                host=host, port=port, reason=exc.strerror or exc
            )
        ) from None
    return sock


def _uvicorn_server(app: Any, config: HubConfig) -> Any:
    import uvicorn

    class _Server(uvicorn.Server):
        """uvicorn's server, minus re-raising the stop signal once it has stopped."""

        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            originals = {
                sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
            }
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

    settings = uvicorn.Config(
        app,
        host=config.host,
        port=config.api_port,
        # behind the operator's TLS proxy on the same machine (docs/hub.md): the client's
        # address comes from X-Forwarded-For, trusted from loopback only
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1,::1",
        server_header=False,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=GRACEFUL_STOP_S,
        log_level="info",
        lifespan="auto",
    )
    return _Server(settings)


async def _stop(handle: Any) -> None:
    for name in ("stop", "close", "aclose"):
        method = getattr(handle, name, None)
        if callable(method):
            result = method()
            if inspect.isawaitable(result):
                await result
            return


def run(config: HubConfig, *, on_ready: Callable[[Ready], None] | None = None) -> None:
    """Serve until SIGTERM or Ctrl-C; ``on_ready`` is told where once everything listens.

    With SQLite (one process) rate limits are counted in memory; with PostgreSQL (maybe
    several processes behind one proxy) in the shared ``rate_buckets`` table.

    Raises:
        ServeError: the database is not at the current schema, a part of the hub is
            missing, or the API's port cannot be bound.
    """
    engine = make_engine(config.database_url)
    try:
        at = current_revision(engine)
        if at != head_revision():
            raise ServeError(
                _(
                    "the database is at schema {at}, this hub needs {head}; run: deskready hub migrate --dir {dir}"
                ).format(at=at or "-", head=head_revision(), dir=config.data_dir)
            )
        sessions = session_factory(engine)
        create_app = load_part("deskready.hub.api", "create_app")
        start_measure = load_part("deskready.hub.measure", "start")
        app = create_app(
            config, sessions=sessions, buckets="memory" if is_sqlite(config.database_url) else "db"
        )
        sock = bind(config.host, config.api_port)
        try:
            asyncio.run(_serve(config, app, sock, sessions, start_measure, on_ready))
        finally:
            sock.close()
    finally:
        engine.dispose()


log = logging.getLogger(__name__)
#: how often stored source addresses past their retention are cleared
PURGE_EVERY_S = 3600.0


async def _purge_sources_daily(config: HubConfig, sessions: Any) -> None:
    """Clear source addresses past ``[privacy] source_retention_days``: at start, then
    hourly (off the event loop: it is a database write)."""
    from deskready.hub.admin import purge_sources

    def purge() -> None:
        with sessions() as db:
            cleared = purge_sources(db, config.privacy.source_retention_days)
        if cleared:
            log.info("cleared the source address of %d old sessions", cleared)

    while True:
        try:
            await asyncio.to_thread(purge)
        except Exception:  # the database may be away for a moment: try again later
            log.exception("clearing old source addresses failed")
        await asyncio.sleep(PURGE_EVERY_S)


async def _serve(
    config: HubConfig,
    app: Any,
    sock: socket.socket,
    sessions: Any,
    start_measure: Callable[..., Any],
    on_ready: Callable[[Ready], None] | None,
) -> None:
    server = _uvicorn_server(app, config)
    try:
        handle = start_measure(config, sessions)
        if inspect.isawaitable(handle):
            handle = await handle
    except OSError as exc:
        raise ServeError(
            _(
                "cannot start the measurement servers on {host} (ports {measure}, {stun}/udp): {reason}"
            ).format(
                host=config.host,
                measure=config.measure_port,
                stun=config.stun_port,
                reason=exc.strerror or exc,
            )
        ) from None
    purging = asyncio.ensure_future(_purge_sources_daily(config, sessions))
    from deskready.hub.alerts import loop as alerts_loop

    alerting = asyncio.ensure_future(alerts_loop.run(config, sessions))
    try:
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.05)
        if server.started and on_ready is not None:
            host, port = sock.getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            on_ready(
                Ready(
                    f"http://{shown}:{port}",
                    int(getattr(handle, "measure_port", config.measure_port)),
                    int(getattr(handle, "stun_port", config.stun_port)),
                )
            )
        await serving
    finally:
        purging.cancel()
        alerting.cancel()
        await _stop(handle)
