"""A stored report as the agent's own PDF, rendered by deskready's renderer in a subprocess.

The renderer (:mod:`deskready.pdf`) needs Qt, which a hub process must not load: Qt in a
threaded ASGI server is one more thing that can take the process down. So the hub runs
``python -m deskready report pdf`` (the command an agent would run) with a time limit and
offscreen Qt, and keeps the result beside its data (``pdf/<report id>.pdf``, written
atomically): a stored report never changes, so neither does its PDF. At most
:data:`MAX_RENDERS` renderers run at once (each is a Qt process of its own: clicking
through many reports must not start one per click), and files are read with the hub's
bounded reader. Where Qt is not installed the hub says so; the signed JSON is always there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from deskready.bounded_read import ReadProblem, read_file
from deskready.checks.i18n import _

#: seconds the renderer may take (a cold Qt start is ~1 s; a loaded machine much more)
RENDER_TIMEOUT_S = 90
#: the largest PDF the hub keeps and serves
MAX_PDF_BYTES = 20 * 1024 * 1024
#: renderers running at once in one hub process, and how long a request waits for a turn
MAX_RENDERS = 2
RENDER_WAIT_S = 30
_RENDERS = threading.BoundedSemaphore(MAX_RENDERS)


class PdfUnavailable(Exception):
    """The PDF could not be made; the message says why and what to use instead."""


def report_pdf(data_dir: Path, report_id: str, signed: dict[str, Any]) -> bytes:
    """The PDF of one stored report (rendered once, then read from the cache)."""
    folder = data_dir / "pdf"
    cached = folder / f"{report_id}.pdf"
    if cached.is_file():
        return _read_pdf(cached)
    if not _RENDERS.acquire(timeout=RENDER_WAIT_S):
        raise PdfUnavailable(
            _(
                "The hub is busy rendering other PDFs; try again in a minute, or download "
                "the signed JSON instead."
            )
        )
    try:
        if cached.is_file():  # rendered by the request this one waited for
            return _read_pdf(cached)
        return _render(folder, cached, signed)
    finally:
        _RENDERS.release()


def _read_pdf(path: Path) -> bytes:
    try:
        return read_file(path, limit=MAX_PDF_BYTES)
    except ReadProblem as exc:
        raise PdfUnavailable(
            _(
                "The stored PDF could not be read ({reason}); download the signed JSON instead."
            ).format(reason=exc.reason)
        ) from None


def _render(folder: Path, cached: Path, signed: dict[str, Any]) -> bytes:
    """Run the renderer once and keep its PDF as ``cached``."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(dir=folder) as work:
        source = Path(work) / "report.json"
        target = Path(work) / "report.pdf"
        source.write_text(json.dumps(signed, ensure_ascii=False), encoding="utf-8")
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        try:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "deskready",
                    "report",
                    "pdf",
                    str(source),
                    "-o",
                    str(target),
                ],
                capture_output=True,
                text=True,
                timeout=RENDER_TIMEOUT_S,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(
                _("Rendering the PDF took too long; download the signed JSON instead.")
            ) from None
        if done.returncode != 0 or not target.is_file():
            raise PdfUnavailable(
                _(
                    "This hub cannot render PDFs (deskready's PDF renderer needs Qt: "
                    "pip install PySide6-Essentials); download the signed JSON instead."
                )
            )
        data = _read_pdf(target)
        os.replace(target, cached)  # atomic: a reader sees no PDF or the whole one
    return data
