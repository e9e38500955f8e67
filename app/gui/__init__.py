"""The desktop front-end (PySide6). The only package besides ``deskready.pdf`` that imports Qt.

The window shows runner events and the finished report; every piece of work — loading
checks, running them, writing files — runs in :mod:`deskready.gui.worker` so the window never
freezes.
"""
