"""Shared test helpers. Kept small: each test folder has its own conftest for its needs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

# Qt, where a test uses it, never needs a real screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# English, US-style numbers and dates, whatever this machine's locale: tests that are
# about other languages ask for them explicitly (--lang, set_language, env of a child).
os.environ["LANGUAGE"] = "en"
os.environ["LC_ALL"] = "C.UTF-8"
# Runs are not kept in this machine's real history (docs/history.md); the history tests
# point XDG_DATA_HOME at their own folder and switch it on.
os.environ["DESKREADY_HISTORY"] = "off"


@pytest.fixture
def deskready_bin() -> str:
    """The installed console command, from the venv running the tests."""
    path = Path(sys.executable).with_name("deskready")
    assert path.exists(), f"deskready is not installed next to {sys.executable}"
    return str(path)
