"""The block of a report the employer's hub signed: who, when, the link and its QR code.

The QR code is read back from the rendered page with zbarimg (zbar-tools, installed by
scripts/test.sh), as a phone would; the painted modules are also compared with segno's
matrix directly, so a drawing mistake shows even where no decoder is installed.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deskready.report.integrity import compute_digest, verify_digest
from deskready.trust.envelope import STATEMENT_TYPE, sign
from deskready.trust.keys import key_id
from tests.pdf.helpers import load_sample, make_passing, pdf_text, run_tool

LINK = "https://hub.acme.example/verify/3f9c2a7be41d4c0a9e55b1d2c7f80a16"
SIGNED_AT = datetime(2026, 12, 1, 21, 40, tzinfo=UTC)


def signed(report: dict[str, Any], *, link: str | None = LINK) -> tuple[dict[str, Any], str]:
    """``report`` with an attestation (and the verification link) added outside the seal."""
    report = copy.deepcopy(report)
    key = Ed25519PrivateKey.generate()
    statement = {
        "type": STATEMENT_TYPE,
        "hub": "https://hub.acme.example",
        "report_id": "3f9c2a7be41d4c0a9e55b1d2c7f80a16",
        "report_digest": "sha256:" + report["integrity"]["digest"],
        "received_at": SIGNED_AT.isoformat(timespec="seconds"),
        "observed": {},
        "disputed": [],
    }
    report["attestation"] = sign(statement, key)
    if link is not None:
        report["verify_url"] = link
    return report, key_id(key.public_key())


def render(report: dict[str, Any], path: Path) -> Path:
    from deskready.pdf import render_pdf

    render_pdf(report, path, page_size="a4")
    return path


def page_png(pdf: Path, out: Path, dpi: int = 200) -> Path:
    result = run_tool("pdftoppm", "-f", "1", "-l", "1", "-r", str(dpi), "-png", str(pdf), str(out))
    assert result.returncode == 0, result.stderr
    (png,) = sorted(out.parent.glob(out.name + "*.png"))
    return png


def decode_qr(png: Path) -> list[str]:
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.skip("zbarimg is not installed (apt: zbar-tools)")
    result = subprocess.run(
        [zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return [line for line in result.stdout.splitlines() if line]


def test_the_verification_link_and_key_are_printed_and_the_qr_code_scans(tmp_path):
    report, kid = signed(load_sample())
    assert verify_digest(report)  # the attestation and the link stay outside the seal
    pdf = render(report, tmp_path / "signed.pdf")
    words = pdf_text(pdf)
    assert "Signed by your employer's hub" in words
    assert "https://hub.acme.example" in words
    assert f"Key {kid} · signed on" in words
    assert LINK in words.replace(" ", "")
    png = page_png(pdf, tmp_path / "signed")
    assert decode_qr(png) == [LINK]


def test_a_ready_report_keeps_its_one_page_with_the_signed_block(tmp_path):
    from tests.pdf.helpers import page_count

    report, _kid = signed(make_passing(load_sample()))
    pdf = render(report, tmp_path / "ready.pdf")
    assert page_count(pdf) == 1
    assert decode_qr(page_png(pdf, tmp_path / "ready", dpi=150)) == [LINK]


def test_the_painted_modules_are_segnos_matrix(qapp_gui):
    from PySide6.QtGui import QColor, QImage, QPainter

    from deskready.pdf.qr import QUIET_ZONE, draw_qr, qr_matrix

    matrix = qr_matrix(LINK)
    count = len(matrix) + 2 * QUIET_ZONE
    module = 6
    image = QImage(count * module, count * module, QImage.Format.Format_RGB32)
    image.fill(QColor("#ff0000"))  # anything not painted shows up red
    painter = QPainter(image)
    draw_qr(painter, matrix, 0, 0, count * module)
    painter.end()
    for row in range(count):
        for col in range(count):
            inside = (
                QUIET_ZONE <= row < count - QUIET_ZONE and QUIET_ZONE <= col < count - QUIET_ZONE
            )
            dark = inside and matrix[row - QUIET_ZONE][col - QUIET_ZONE]
            pixel = image.pixelColor(col * module + module // 2, row * module + module // 2)
            assert pixel.name() == ("#000000" if dark else "#ffffff"), (row, col)
    # segno's own reading of the same text: the matrix is a QR code of the link
    import segno

    assert matrix == tuple(
        tuple(bool(c) for c in r) for r in segno.make_qr(LINK, error="m", boost_error=True).matrix
    )


@pytest.fixture
def qapp_gui():
    from deskready.pdf.qt import ensure_qt_app

    ensure_qt_app()


def test_without_a_link_the_block_says_how_to_check_and_draws_no_code(tmp_path):
    report, _kid = signed(load_sample(), link=None)
    pdf = render(report, tmp_path / "nolink.pdf")
    words = pdf_text(pdf)
    assert "Signed by your employer's hub" in words
    assert "deskready report verify" in words
    assert "Verification link" not in words
    assert decode_qr(page_png(pdf, tmp_path / "nolink")) == []


def test_a_link_that_is_not_a_web_address_is_not_printed(tmp_path):
    from deskready.pdf.content import signed_blocks, verify_link

    report, _kid = signed(load_sample(), link="javascript:alert(1)")
    assert verify_link(report) == ""
    assert verify_link({"verify_url": "https://x.example/verify/a b"}) == ""
    assert verify_link({"verify_url": "https://x.example/" + "a" * 300}) == ""
    (box,) = signed_blocks(report)
    assert box.matrix is None
    assert all("javascript" not in span.text for span in box.spans)


def test_an_unsigned_report_has_no_signed_block():
    from deskready.pdf.content import signed_blocks

    report = load_sample()
    assert signed_blocks(report) == []
    report["verify_url"] = LINK  # a link without a signature proves nothing: not shown
    assert signed_blocks(report) == []
    assert compute_digest(report) == report["integrity"]["digest"]


def test_deskready_submit_pdf_gets_the_link_and_code_from_the_hub(tmp_path, monkeypatch):
    """A report that waited in the outbox: ``deskready submit --pdf`` renders it again with
    the hub's attestation and verification link (stored next to it, outside the seal)."""
    from deskready.hubclient import outbox
    from deskready.hubclient.run import _cli_writer
    from deskready.hubclient.submit import deliver
    from deskready.registry import discover_checks
    from tests.hubclient.fake_hub import FakeHub
    from tests.hubclient.test_outbox import hub_report

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    hub = FakeHub().start()
    try:
        report = hub_report(hub, discover_checks())
        hub.report_status = 503
        assert deliver(report).queued is not None
        hub.report_status = None
        pdf = tmp_path / "later.pdf"
        (outcome,) = outbox.send_pending(writer=_cli_writer, files={"pdf": str(pdf)})
    finally:
        hub.stop()
    assert outcome.sent is not None
    assert outcome.updated == (str(pdf),)
    link = outcome.sent.verify_url
    assert link.startswith(hub.url + "/verify/")
    from deskready.pdf.embedded import extract_embedded_report

    embedded = extract_embedded_report(pdf)
    assert embedded["verify_url"] == link
    assert verify_digest(embedded)
    assert decode_qr(page_png(pdf, tmp_path / "later")) == [link]
