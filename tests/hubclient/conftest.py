from __future__ import annotations

import pytest

from deskready.registry import discover_checks
from tests.hubclient.fake_hub import FakeHub


@pytest.fixture(autouse=True)
def hub_home(tmp_path, monkeypatch):
    """Pins and outbox in this test's own folders (platformdirs reads XDG_* each call)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture(scope="session")
def registry():
    return discover_checks()


@pytest.fixture
def fake_hub():
    hub = FakeHub().start()
    yield hub
    hub.stop()
