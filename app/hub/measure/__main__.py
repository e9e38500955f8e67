"""Run only the measurement servers: ``python -m deskready.hub.measure --db URL``.

For the accuracy tests (the servers run inside a network namespace the test made, see
tests/hub/test_measure_netns.py) and ``bench/hub_throughput.py``; a hub in production runs
them inside ``deskready hub serve``. Prints ``READY <http port> <stun port>`` once both
listen, then serves until SIGTERM or SIGINT, writing what it saw before it exits.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import types

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from deskready.hub.measure import DEFAULT_BYTE_CAP, start


def main(argv: list[str] | None = None) -> int:
    """Parse the options, start both servers, wait for a signal."""
    parser = argparse.ArgumentParser(prog="python -m deskready.hub.measure")
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of the hub's database")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="HTTP port (0: any free one)")
    parser.add_argument("--stun-port", type=int, default=0, help="UDP port (0: any free one)")
    parser.add_argument("--cap", type=int, default=DEFAULT_BYTE_CAP, help="bytes per session")
    args = parser.parse_args(argv)
    engine = create_engine(args.db, connect_args={"check_same_thread": False, "timeout": 15})
    config = types.SimpleNamespace(
        host=args.host,
        measure_port=args.port,
        stun_port=args.stun_port,
        session_byte_cap=args.cap,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    handle = start(config, sessionmaker(engine, expire_on_commit=False))
    print(f"READY {handle.measure_port} {handle.stun_port}", flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        handle.stop()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
