"""Run a plain function on a thread pool and get its result or error back on the GUI thread.

Picard's ``run_task`` pattern (``picard/util/thread.py``): the function knows nothing about
Qt or threads; the callback runs on the GUI thread, where touching widgets is safe.
Delivery is a queued Qt signal from a small QObject created on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

#: Callback: (result, None) on success, (None, exception) on failure.
Done = Callable[[Any, BaseException | None], None]

_pool: QThreadPool | None = None
#: Tasks in flight, kept referenced until their result is delivered (PySide may otherwise
#: collect the Python side of a QRunnable or QObject while the C++ side still runs).
_alive: set[_Task] = set()
_alive_lock = threading.Lock()


def thread_pool() -> QThreadPool:
    """The GUI's own pool: a run holds one thread for minutes, so keep a few spare."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(4)
    return _pool


class _Delivery(QObject):
    done = Signal(object, object)


class _Task(QRunnable):
    def __init__(self, func: Callable[[], Any], on_done: Done | None) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.func = func
        self.delivery = _Delivery()  # created on the caller's (GUI) thread
        self.delivery.done.connect(self._deliver)
        self.on_done = on_done

    def run(self) -> None:
        try:
            result = self.func()
        except BaseException as exc:  # delivered, never raised on a pool thread
            log.debug("background task failed", exc_info=exc)
            self.delivery.done.emit(None, exc)
        else:
            self.delivery.done.emit(result, None)

    def _deliver(self, result: Any, error: BaseException | None) -> None:
        with _alive_lock:
            _alive.discard(self)
        if self.on_done is not None:
            self.on_done(result, error)


def run_task(func: Callable[[], Any], on_done: Done | None = None) -> None:
    """Run ``func()`` on the pool; call ``on_done(result, error)`` on the GUI thread after.

    Must be called from the GUI thread (the delivery object lives on the caller's thread).
    """
    task = _Task(func, on_done)
    with _alive_lock:
        _alive.add(task)
    thread_pool().start(task)


def pending_tasks() -> int:
    """How many tasks have not delivered yet (tests wait for zero)."""
    with _alive_lock:
        return len(_alive)
