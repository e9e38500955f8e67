"""The responsiveness arithmetic on numbers alone (draft-ietf-ippm-responsiveness-08)."""

from __future__ import annotations

import pytest

from deskready.checks.network import responsiveness_math as rm
from deskready.checks.network.librespeed_backend import librespeed_target
from deskready.checks.network.responsiveness_check import ResponsivenessCheck, load_url


def test_trimmed_mean_drops_only_the_slowest_five_percent() -> None:
    values = [10.0] * 19 + [1000.0]  # one retransmission timeout in 20 probes
    assert rm.trimmed_mean(values) == pytest.approx(10.0)
    # ceil(0.95 * 21) = 20 kept: the slowest alone goes
    assert rm.trimmed_mean([*values, 10.0]) == pytest.approx(10.0)
    # a fast outlier is kept: a probe cannot be sped up by the network
    assert rm.trimmed_mean([1.0, *[10.0] * 19]) == pytest.approx((1.0 + 18 * 10.0) / 19)
    assert rm.trimmed_mean([7.0]) == 7.0
    assert rm.trimmed_mean([]) is None


def test_rpm_formula_tls_and_tcp_only() -> None:
    # §5.3.1: foreign = 60000 / mean(tcp, tls, http); loaded = 60000 / http_l; mean of both
    tls = rm.ProbeMeans(tcp_f=20.0, tls_f=30.0, http_f=40.0, http_l=60.0)
    assert rm.responsiveness(tls) == pytest.approx((60000 / 30.0 + 60000 / 60.0) / 2)  # 1500
    tcp_only = rm.ProbeMeans(tcp_f=20.0, tls_f=None, http_f=40.0, http_l=60.0)
    assert rm.responsiveness(tcp_only) == pytest.approx((60000 / 30.0 + 1000.0) / 2)
    # no self probe: the foreign part alone; no foreign probe: nothing
    assert rm.responsiveness(rm.ProbeMeans(20.0, None, 40.0, None)) == pytest.approx(2000.0)
    assert rm.responsiveness(rm.ProbeMeans(None, None, None, 60.0)) is None


@pytest.mark.parametrize(
    ("added_ms", "grade"),
    [
        (-3.0, "A+"),
        (0.0, "A+"),
        (4.99, "A+"),
        (5.0, "A"),
        (29.99, "A"),
        (30.0, "B"),
        (59.99, "B"),
        (60.0, "C"),
        (199.99, "C"),
        (200.0, "D"),
        (399.99, "D"),
        (400.0, "F"),
        (5000.0, "F"),
    ],
)
def test_grade_boundaries(added_ms: float, grade: str) -> None:
    assert rm.grade(added_ms) == grade


def test_every_grade_has_words_and_the_metric_declares_them() -> None:
    metric = ResponsivenessCheck.metric("network.bufferbloat_grade")
    assert metric.choices == rm.GRADES == ("A+", "A", "B", "C", "D", "F")
    assert set(metric.labels) == set(rm.GRADES)
    assert "SQM" in metric.advice


@pytest.mark.parametrize(
    ("rpm", "name"), [(299.0, "poor"), (300.0, "fair"), (999.0, "fair"), (1000.0, "good"),
                      (5999.0, "good"), (6000.0, "excellent")],
)  # fmt: skip
def test_rpm_classes(rpm: float, name: str) -> None:
    assert rm.rpm_class(rpm) == name


def test_stability_and_confidence() -> None:
    assert rm.moving_averages([1.0, 2.0, 3.0, 4.0, 5.0]) == [2.5, 3.5]
    assert not rm.stable([100.0, 100.0, 100.0])  # fewer than MAD values
    assert rm.stable([0.0, 100.0, 101.0, 99.0, 100.0])  # only the last MAD count
    assert not rm.stable([80.0, 90.0, 100.0, 110.0])  # still rising: sd 11 % of 110
    assert not rm.stable([0.0, 0.0, 0.0, 0.0])
    assert rm.confidence(3, settled=False) == "low"
    assert rm.confidence(4, settled=False) == "medium"
    assert rm.confidence(6, settled=True) == "high"


def test_probe_rate_keeps_to_five_percent_of_the_goodput() -> None:
    # 100 Mbit/s: 5 % is 625,000 B/s, 104 pairs of 6,000 bytes; capped at the maximum
    assert rm.probe_rate(100e6, 20.0) == 20.0
    # 2 Mbit/s: 12,500 B/s buys about two pairs a second
    assert rm.probe_rate(2e6, 20.0) == pytest.approx(2e6 * 0.05 / 8 / 6000)
    assert rm.probe_rate(0.0, 20.0) == 1.0  # before anything moved: one a second


@pytest.mark.parametrize(
    ("url", "garbage", "empty"),
    [
        ("http://h:8081/m/s1/", "http://h:8081/m/s1/garbage.php?ckSize=1", "http://h:8081/m/s1/empty.php"),
        ("https://h/backend/empty.php", "https://h/backend/garbage.php?ckSize=1", "https://h/backend/empty.php"),
        ("https://h/backend", "https://h/backend/garbage.php?ckSize=1", "https://h/backend/empty.php"),
        ("http://h/s/empty", "http://h/s/garbage?ckSize=1", "http://h/s/empty"),
        ("http://h/empty", "http://h/garbage?ckSize=1", "http://h/empty"),  # a root file
        ("//h/backend/", "https://h/backend/garbage.php?ckSize=1", "https://h/backend/empty.php"),
    ],
)  # fmt: skip
def test_librespeed_urls(url: str, garbage: str, empty: str) -> None:
    """The bandwidth check's own LibreSpeed forms, with 1 MiB load requests."""
    target = librespeed_target(url)
    assert (load_url(target), target.upload_url, target.latency_url) == (garbage, empty, empty)
