"""The worker helper delivers result or error on the GUI thread (Picard's pattern)."""

from __future__ import annotations

import threading

from deskready.gui.worker import pending_tasks, run_task


def test_result_and_error_arrive_on_the_gui_thread(qtbot, qapp):
    gui = threading.get_ident()
    got: list[tuple[object, object, int, int]] = []
    worker_ids: list[int] = []

    def work():
        worker_ids.append(threading.get_ident())
        return 42

    def boom():
        raise ValueError("no")

    run_task(work, lambda r, e: got.append((r, e, threading.get_ident(), 0)))
    run_task(boom, lambda r, e: got.append((r, e, threading.get_ident(), 1)))
    qtbot.waitUntil(lambda: len(got) == 2, timeout=3000)
    by_kind = {g[3]: g for g in got}
    assert by_kind[0][:2] == (42, None)
    assert by_kind[1][0] is None
    assert isinstance(by_kind[1][1], ValueError)
    assert all(g[2] == gui for g in got)
    assert worker_ids[0] != gui
    assert pending_tasks() == 0
