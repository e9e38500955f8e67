"""The hub's name lookup is bounded in time (getaddrinfo has no timeout of its own)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest

from deskready.hubclient import transport
from deskready.hubclient.transport import HubError, request


def test_a_resolver_that_never_answers_is_a_clear_error_in_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()

    def hanging(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)  # an OS resolver stuck on an unreachable DNS server
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    started = time.monotonic()
    try:
        with pytest.raises(HubError) as caught:
            request("GET", "https://hub.acme.example/api/v1/info", timeout=0.5)
    finally:
        release.set()
    assert time.monotonic() - started < 2.0
    assert "looking up its name took too long" in str(caught.value)
    assert caught.value.retry  # the report waits in the outbox


def test_a_name_that_does_not_resolve_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(HubError) as caught:
        request("GET", "https://hub.acme.example/api/v1/info", timeout=0.5)
    assert "its name could not be looked up" in str(caught.value)


def test_a_proxy_resolves_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: looked_up.append(host))
    monkeypatch.setattr(
        transport.urllib.request, "getproxies", lambda: {"https": "http://proxy:3128"}
    )
    monkeypatch.setattr(transport.urllib.request, "proxy_bypass", lambda host: False)
    transport._look_up_within("https://hub.acme.example/", 0.5)
    assert looked_up == []
