"""The upstream check reads back what the employer's hub counted; without a hub it cannot run."""

from __future__ import annotations

from typing import Any

import pytest

from deskready.checks.api import CheckContext, CheckFailed
from deskready.checks.network.upstream_check import HubObservations, UpstreamCheck


class Answers(HubObservations):
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str]] = []

    def fetch(self, hub_url: str, session: str, timeout: float) -> dict[str, Any]:
        self.asked.append((hub_url, session))
        return self.answer


def run(answer: dict[str, Any], **settings: str):
    fake = Answers(answer)
    ctx = CheckContext(
        settings={"hub_url": "http://127.0.0.1:9", "session": "abc", **settings},
        adapters={HubObservations: fake},
        time_budget_s=5,
    )
    return UpstreamCheck().run(ctx), fake


def test_reads_the_hubs_upstream_counts():
    measured, fake = run(
        {"observed": {"network.upstream_loss_pct": 2.637, "network.upstream_jitter_ms": 1.2}}
    )
    assert measured.values == {
        "network.upstream_loss_pct": 2.64,
        "network.upstream_jitter_ms": 1.2,
    }
    assert fake.asked == [("http://127.0.0.1:9", "abc")]
    assert measured.details["observed_by"] == "hub"


def test_nothing_counted_is_not_measured_and_says_why():
    measured, _fake = run({"observed": {}})
    assert measured.values == {
        "network.upstream_loss_pct": None,
        "network.upstream_jitter_ms": None,
    }
    assert "received none of the call-test packets" in measured.messages[0]


@pytest.mark.parametrize(
    "answer", [{"observed": "x"}, {"observed": {"network.upstream_loss_pct": True}}]
)
def test_odd_answers_are_not_values(answer):
    measured, _fake = run(answer)
    assert measured.values["network.upstream_loss_pct"] is None


def test_without_a_hub_it_cannot_run():
    ctx = CheckContext(settings={"hub_url": "", "session": ""}, time_budget_s=5)
    with pytest.raises(CheckFailed, match="measured by your employer's hub"):
        UpstreamCheck().run(ctx)


def test_plain_http_to_another_computer_is_refused():
    ctx = CheckContext(settings={"hub_url": "http://hub.example", "session": "a"}, time_budget_s=5)
    with pytest.raises(CheckFailed, match="https://"):
        UpstreamCheck().run(ctx)


def test_a_hub_that_sends_its_answer_a_byte_at_a_time_is_cut_off_in_time():
    """urlopen's timeout bounds each read; the whole answer is bounded too."""
    import socket
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def drip() -> None:
        conn, _peer = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            while not stop.wait(0.1):  # each byte well within the read timeout
                try:
                    conn.sendall(b" ")
                except OSError:
                    return

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    started = time.monotonic()
    try:
        with pytest.raises(CheckFailed, match="could not be reached"):
            HubObservations().fetch(url, "s1", 1.0)
        took = time.monotonic() - started
    finally:
        stop.set()
        thread.join(2.0)
        listener.close()
    assert took < 2.5
