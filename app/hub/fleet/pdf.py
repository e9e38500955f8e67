"""A stored report as the agent's own PDF, rendered by deskready's renderer in a subprocess.

The renderer (:mod:`deskready.pdf`) needs Qt, which a hub process must not load: Qt in a
threaded ASGI server is one more thing that can take the process down. So the hub runs
``python -m deskready report pdf`` (the command an agent would run) with a time limit and
offscreen Qt, and keeps the result beside its data (``pdf/<report id>.pdf``, written
atomically): a stored report never changes, so neither does its PDF. Where Qt is not
installed the hub says so; the signed JSON is always there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from deskready.checks.i18n import _

#: seconds the renderer may take (a cold Qt start is ~1 s; a loaded machine much more)
RENDER_TIMEOUT_S = 90
#: the largest PDF the hub keeps and serves
MAX_PDF_BYTES = 20 * 1024 * 1024


class PdfUnavailable(Exception):
    """The PDF could not be made; the message says why and what to use instead."""


def report_pdf(data_dir: Path, report_id: str, signed: dict[str, Any]) -> bytes:
    """The PDF of one stored report (rendered once, then read from the cache)."""
    folder = data_dir / "pdf"
    cached = folder / f"{report_id}.pdf"
    if cached.is_file():
        return cached.read_bytes()[:MAX_PDF_BYTES]
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
        data = target.read_bytes()[:MAX_PDF_BYTES]
        os.replace(target, cached)  # atomic: a reader sees no PDF or the whole one
    return data
